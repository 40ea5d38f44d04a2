package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFaviconAndPlainNotFoundPage(t *testing.T) {
	f := newFixture(t)
	signedOut := func(path string) *http.Response {
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Result()
	}

	t.Run("the page links an icon that is served", func(t *testing.T) {
		doc, _ := f.doc(f.dashboardPath(""), http.StatusOK, nil)
		href, ok := doc.Find(`link[rel=icon]`).Attr("href")
		if !ok || !strings.HasPrefix(href, "/static/favicon.svg?v=") {
			t.Fatalf("icon link %q", href)
		}
		res := signedOut(href)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("GET %s = %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
		}
	})

	t.Run("/favicon.ico answers without a session", func(t *testing.T) {
		res := signedOut("/favicon.ico")
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(body), "<svg") {
			t.Errorf("GET /favicon.ico = %d %s %.40q", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	})

	t.Run("an unknown URL says not found once, and what to do", func(t *testing.T) {
		doc, _ := f.doc("/no/such/page", http.StatusNotFound, nil)
		text := strings.Join(strings.Fields(doc.Find("main").Text()), " ")
		if n := strings.Count(strings.ToLower(text), "not found"); n != 1 {
			t.Errorf("the 404 page says %q: %d times \"not found\", want 1", text, n)
		}
		if !strings.Contains(text, "There is no page at this address") {
			t.Errorf("the 404 page says %q", text)
		}
	})
}
