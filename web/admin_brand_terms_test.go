package web

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/refresh"
)

// TestAdminBrandTerms sets a brand's terms through the admin form: saved terms decide which of the
// product's queries are branded, refused terms change nothing and are shown with the reason, and every
// change is logged with who made it.
func TestAdminBrandTerms(t *testing.T) {
	f := newAccessFixture(t)
	var logs lockedBuffer
	srv, err := New(Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db, BrandTerms: f.db,
		Ops:  OpsOptions{Ready: f.db, Status: f.db, Refresher: refresh.New(f.db, refresh.Options{})},
		Auth: f.sessions.Options(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	admin := f.sessions.Cookie(account.RoleAdmin)
	manager := f.sessions.Cookie(account.RoleManager, f.own.id)
	ctx := context.Background()
	post := func(brandID, terms string, cookie *http.Cookie) *httptest.ResponseRecorder {
		t.Helper()
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/admin/brands/"+brandID+"/terms", strings.NewReader(url.Values{"terms": {terms}}.Encode())))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return f.do(req, cookie)
	}
	get := func(path string, cookie *http.Cookie) (*httptest.ResponseRecorder, *goquery.Document) {
		t.Helper()
		rec := f.do(newRequest(http.MethodGet, path), cookie)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		if err != nil {
			t.Fatal(err)
		}
		return rec, doc
	}
	brandForm := func(doc *goquery.Document, id string) *goquery.Selection {
		return doc.Find(`[data-testid="brand-terms"][data-brand-id="` + id + `"]`)
	}
	// The fixture's product has one query, "anvil": branded only once "anvil" is a term of acme.
	productRows := func(branded string) []string {
		t.Helper()
		_, doc := get("/brands/"+f.own.id+"/products/"+f.own.asin+"?branded="+branded, admin)
		var out []string
		doc.Find(`[data-testid="query-row"] th`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return out
	}

	t.Run("a brand without terms uses its names", func(t *testing.T) {
		rec, doc := get("/admin/brands", admin)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /admin/brands: %d", rec.Code)
		}
		if got := brandForm(doc, f.own.id).Find(`[data-testid="brand-terms-effective"]`).Text(); !strings.Contains(got, "the brand's names, none set") || !strings.Contains(got, "acme") {
			t.Errorf("acme's terms say %q", got)
		}
		if brandForm(doc, f.other.id).Length() != 1 {
			t.Error("globex has no form")
		}
		if got := productRows("branded"); got != nil {
			t.Errorf("branded rows before anvil is a term: %q", got)
		}
		if got := productRows("nonbranded"); !slices.Equal(got, []string{"anvil"}) {
			t.Errorf("non-branded rows before anvil is a term: %q", got)
		}
	})

	t.Run("saved terms are normalised, stored, shown and logged", func(t *testing.T) {
		rec := post(f.own.id, "Acme\r\nAnvil, anvil-pro\nACME", admin)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST: %d %.300s", rec.Code, rec.Body.String())
		}
		loc := rec.Header().Get("Location")
		if loc != "/admin/brands?saved="+f.own.id+"#brand-"+f.own.id {
			t.Errorf("Location %q", loc)
		}
		b, err := f.db.Brand(ctx, f.own.id)
		if err != nil || !slices.Equal(b.Terms, []string{"acme", "anvil", "anvil pro"}) {
			t.Fatalf("stored terms %q, %v", b.Terms, err)
		}
		_, doc := get(strings.TrimSuffix(loc, "#brand-"+f.own.id), admin)
		form := brandForm(doc, f.own.id)
		if form.Find(`[data-testid="brand-terms-saved"]`).Length() != 1 || brandForm(doc, f.other.id).Find(`[data-testid="brand-terms-saved"]`).Length() != 0 {
			t.Error("the saved message is not on acme's form alone")
		}
		if got := form.Find("textarea").Text(); got != "acme\nanvil\nanvil pro" {
			t.Errorf("textarea %q", got)
		}
		if got := productRows("branded"); !slices.Equal(got, []string{"anvil"}) {
			t.Errorf("branded rows: %q", got)
		}
		if got := productRows("nonbranded"); got != nil {
			t.Errorf("non-branded rows: %q", got)
		}
		if !strings.Contains(logs.String(), `"msg":"brand terms set"`) || !strings.Contains(logs.String(), `"brand":"acme"`) || !strings.Contains(logs.String(), `"terms":["acme","anvil","anvil pro"]`) {
			t.Errorf("no log line for the change:\n%s", logs.String())
		}
	})

	t.Run("refused terms change nothing and say why next to the text", func(t *testing.T) {
		rec := post(f.own.id, "acme\n---", admin)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("POST: %d", rec.Code)
		}
		doc, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		form := brandForm(doc, f.own.id)
		if got := html.UnescapeString(form.Find(`[data-testid="brand-terms-error"]`).Text()); got != `terms: line 2 ("---"): has no letter or digit` {
			t.Errorf("error %q", got)
		}
		if got := form.Find("textarea").Text(); got != "acme\n---" {
			t.Errorf("the typed text is not kept: %q", got)
		}
		if form.Find("textarea").AttrOr("aria-invalid", "") != "true" {
			t.Error("the textarea is not marked invalid")
		}
		if b, _ := f.db.Brand(ctx, f.own.id); !slices.Equal(b.Terms, []string{"acme", "anvil", "anvil pro"}) {
			t.Errorf("refused terms changed the stored ones: %q", b.Terms)
		}
	})

	t.Run("empty terms return the brand to its names", func(t *testing.T) {
		if rec := post(f.own.id, "  \n", admin); rec.Code != http.StatusSeeOther {
			t.Fatalf("POST: %d", rec.Code)
		}
		if b, _ := f.db.Brand(ctx, f.own.id); b.Terms != nil || !slices.Equal(b.SearchTerms(), []string{"acme"}) {
			t.Errorf("terms %q, in use %q", b.Terms, b.SearchTerms())
		}
	})

	t.Run("managers may not, unknown brands are not found, bad ids are named", func(t *testing.T) {
		if rec := post(f.own.id, "evil", manager); rec.Code != http.StatusForbidden {
			t.Errorf("manager POST: %d", rec.Code)
		}
		if rec, _ := get("/admin/brands", manager); rec.Code != http.StatusForbidden {
			t.Errorf("manager GET: %d", rec.Code)
		}
		if rec := post("00000000-0000-4000-8000-000000000000", "x", admin); rec.Code != http.StatusNotFound {
			t.Errorf("unknown brand: %d", rec.Code)
		}
		if rec := post("nope", "x", admin); rec.Code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(rec.Body.String()), `Parameter "brandID"`) {
			t.Errorf("bad brand id: %d", rec.Code)
		}
		if rec, _ := get("/admin/brands?saved=nope", admin); rec.Code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(rec.Body.String()), `Parameter "saved"`) {
			t.Errorf("bad saved: %d", rec.Code)
		}
		if b, _ := f.db.Brand(ctx, f.own.id); b.Terms != nil {
			t.Errorf("terms changed: %q", b.Terms)
		}
	})
}
