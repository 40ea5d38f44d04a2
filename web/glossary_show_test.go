package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestGlossaryPage(t *testing.T) {
	f := newFixture(t)
	t.Run("signed in, every header's link lands on an entry of the page", func(t *testing.T) {
		glossary, _ := f.doc("/glossary", http.StatusOK, nil)
		dash, _ := f.doc(f.dashboardPath(""), http.StatusOK, nil)
		links := dash.Find(`a[data-testid=term-help], a[data-testid=term-link]`)
		if links.Length() < 12 {
			t.Fatalf("%d glossary links on the brand page", links.Length())
		}
		for _, href := range links.Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("href", "") }) {
			id, ok := strings.CutPrefix(href, "/glossary#")
			if !ok || glossary.Find(`[id="`+id+`"]`).Length() != 1 {
				t.Errorf("link %q has no entry on the glossary page", href)
			}
		}
	})
	t.Run("signed out, it asks to sign in first", func(t *testing.T) {
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/glossary", nil))
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("signed out: %d %s", rec.Code, rec.Header().Get("Location"))
		}
	})
}
