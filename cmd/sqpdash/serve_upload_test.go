package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// TestServeUploadImportsAndRefreshes uploads Seller Central's example download through the admin form of a
// running `serve`: the file is imported by the importer serve wires in, and the segments are refreshed as
// an import by the signed-in admin.
func TestServeUploadImportsAndRefreshes(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	c, token := signedInClient(t, s)

	doc := uploadReport(t, c, s.base, token, filepath.Join(importTestdata, "sellercentral", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv"), false)
	if st := doc.Find(`[data-testid="import-file"]`).AttrOr("data-status", ""); st != "imported" {
		t.Fatalf("file status %q:\n%s", st, doc.Find(`[data-testid="import-result"]`).Text())
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="import-total-asin-weeks"]`).Text()); got != "1 new, 0 changed, 0 unchanged" {
		t.Errorf("ASIN-weeks = %q", got)
	}
	waitFor(t, 30*time.Second, "the import's refresh", func() bool {
		runs, _, err := s.db.RefreshHistory(context.Background(), 1, 0)
		return err == nil && len(runs) == 1 && runs[0].Trigger == string(refreshlog.TriggerImport) &&
			runs[0].Status == refreshlog.StatusSuccess && runs[0].RequestedBy == testAdminEmail
	})
}

// uploadReport posts the file at path through the admin upload form of the server at base, as the form
// does (through htmx when hx: the answer is then the import panel alone), and returns the answer, which
// must be a 200.
func uploadReport(t *testing.T, c *http.Client, base, token, path string, hx bool) *goquery.Document {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("_csrf", token); err != nil {
		t.Fatal(err)
	}
	part, err := w.CreateFormFile("files", filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// As the upload form posts: the token in the query of its action (the body is not read for it).
	req, err := http.NewRequest(http.MethodPost, base+"/admin/imports?"+url.Values{"_csrf": {token}}.Encode(), &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		got, _ := io.ReadAll(res.Body)
		t.Fatalf("upload %s: status %d:\n%s", filepath.Base(path), res.StatusCode, got)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
