package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// TestUploadsLeaveNoTemporaryFiles sends a `sqpdash serve` process, whose TMPDIR is a directory of the
// test's own, uploads of files big enough to be spooled to disk: refused ones (signed out, no token,
// the token only in the body, a wrong token, a manager, over the limit) and accepted ones (a file the
// importer refuses, a decompression bomb, a good report). Afterwards the directory is empty.
func TestUploadsLeaveNoTemporaryFiles(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	const managerEmail, managerPassword = "manager@example.com", "a manager's long passphrase"
	addManager(t, dbURL, managerEmail, managerPassword)
	tmp := t.TempDir()
	s := startServeProcess(t, dbURL, "TMPDIR="+tmp)

	admin, adminToken := signInAt(t, s.base, testAdminEmail, testAdminPassword)
	manager, managerToken := signInAt(t, s.base, managerEmail, managerPassword)
	signedOut := clientFrom(t, []byte{127, 0, 0, 1})
	signedOutToken := csrfTokenOf(t, signedOut, s.base+"/login")

	// 33 MiB: more than net/http keeps in memory by default, so any parse of it spools a temporary file.
	big := uploadPart{name: "big.csv", body: bytes.Repeat([]byte("not,a,report\n"), 33<<20/13)}
	report, err := os.ReadFile(filepath.Join(importTestdata, "sellercentral", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv"))
	if err != nil {
		t.Fatal(err)
	}
	good := uploadPart{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv", body: report}
	bomb := uploadPart{name: "bomb.json.gz", body: gzipBomb(t)}
	over := uploadPart{name: "over.csv", body: bytes.Repeat([]byte("x"), 65<<20)}

	for _, tc := range []struct {
		name       string
		client     *http.Client
		query      string // the _csrf query parameter
		header     string // the X-CSRF-Token header
		field      string // the _csrf form field
		parts      []uploadPart
		wantStatus int
		wantText   string
	}{
		{"signed out without a token", signedOut, "", "", "", []uploadPart{big}, http.StatusForbidden, ""},
		{"signed out with a token", signedOut, signedOutToken, "", "", []uploadPart{big}, http.StatusOK, "Sign in"},
		{"the token only in the body", admin, "", "", adminToken, []uploadPart{big}, http.StatusForbidden, ""},
		{"a wrong token", admin, "", "not-the-token", "", []uploadPart{big}, http.StatusForbidden, ""},
		{"a manager", manager, managerToken, "", "", []uploadPart{big}, http.StatusForbidden, ""},
		{"over the limit", admin, adminToken, "", "", []uploadPart{over}, http.StatusRequestEntityTooLarge, "over.csv"},
		{"a file the importer refuses", admin, adminToken, "", "", []uploadPart{big, good}, http.StatusOK, "big.csv"},
		{"a decompression bomb", admin, "", adminToken, "", []uploadPart{bomb}, http.StatusOK, "bomb.json.gz: decompresses to more than 100 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, text := postUpload(t, tc.client, s.base, tc.query, tc.header, tc.field, tc.parts)
			if status != tc.wantStatus || !strings.Contains(text, tc.wantText) {
				t.Errorf("status %d, want %d with %q in:\n%.2000s", status, tc.wantStatus, tc.wantText, text)
			}
		})
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in TMPDIR: %s", e.Name())
	}
}

// uploadPart is one file of an upload.
type uploadPart struct {
	name string
	body []byte
}

// postUpload posts parts to /admin/imports with the CSRF token where the case puts it, and returns the
// status and the text of the page that came back (after redirects).
func postUpload(t *testing.T, c *http.Client, base, query, header, field string, parts []uploadPart) (int, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if field != "" {
		if err := w.WriteField("_csrf", field); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range parts {
		part, err := w.CreateFormFile("files", p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := part.Write(p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	target := base + "/admin/imports"
	if query != "" {
		target += "?" + url.Values{"_csrf": {query}}.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, target, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if header != "" {
		req.Header.Set("X-CSRF-Token", header)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusSeeOther {
		// The client does not follow redirects: follow the one to the login page by hand.
		loc, err := res.Location()
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.Get(loc.String())
		if err != nil {
			t.Fatal(err)
		}
		defer again.Body.Close()
		res = again
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, doc.Text()
}

// signInAt signs in through the login form of the server at base and returns the client (which does not
// follow redirects) and the CSRF token of the page it lands on.
func signInAt(t *testing.T, base, email, password string) (*http.Client, string) {
	t.Helper()
	c := clientFrom(t, []byte{127, 0, 0, 1})
	token := csrfTokenOf(t, c, base+"/login")
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if res.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("sign in as %s: status %d (%v)", email, res.StatusCode, err)
	}
	// Follow "/" to the first dashboard, whose page carries the token of the new session.
	for range 3 {
		res, err = c.Get(loc.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			break
		}
		if loc, err = res.Location(); err != nil {
			t.Fatal(err)
		}
	}
	return c, csrfTokenOf(t, c, loc.String())
}

// addManager creates a manager who may see the first brand.
func addManager(t *testing.T, dbURL, email, password string) {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hasher, err := auth.NewPasswordHasher(auth.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hasher.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, postgres.NewUser{Email: email, Role: account.RoleManager, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	brands, err := db.ActiveBrands(ctx)
	if err != nil || len(brands) == 0 {
		t.Fatalf("brands %v: %v", brands, err)
	}
	if err := db.GrantBrand(ctx, email, brands[0].ID); err != nil {
		t.Fatal(err)
	}
}

// gzipBomb is a gzip file of about 200 KiB that inflates to 200 MiB of JSON white space inside a report:
// 200 copies of one member of 1 MiB.
func gzipBomb(t *testing.T) []byte {
	t.Helper()
	member := func(data []byte) []byte {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	spaces := member(bytes.Repeat([]byte(" "), 1<<20))
	bomb := member([]byte(`{"reportSpecification":`))
	for range 200 {
		bomb = append(bomb, spaces...)
	}
	return bomb
}
