package views

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/importer"
)

func TestPluralCountsOneAndMany(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 warnings"}, {1, "1 warning"}, {2, "2 warnings"}, {1204, "1,204 warnings"}} {
		if got := Plural(tc.n, "warning"); got != tc.want {
			t.Errorf("Plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestFormatDurationIsOneFormat(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{840 * time.Millisecond, "840 ms"},
		{1268 * time.Millisecond, "1.3 s"},
		{59940 * time.Millisecond, "59.9 s"},
		{125 * time.Second, "2m5s"},
	} {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestUploadResultCountsWarningsInTheSingular(t *testing.T) {
	one := []UploadedFile{{Name: "week.csv", Summary: importer.FileSummary{File: "week.csv", Format: importer.FormatSellerCentralCSV,
		ASINWeeks: 1, QueryRows: 1, Warnings: []importer.Warning{{File: "week.csv", Location: "line 3", Message: "share over 100%"}}}}}
	doc := renderDoc(t, ImportResultView(NewImportResult(one, time.Second, ImportRefresh{State: "skipped"})))
	summary := strings.TrimSpace(doc.Find(`[data-testid="import-file"] details summary`).Text())
	if summary != "1 warning" {
		t.Errorf("warnings summary %q, want %q", summary, "1 warning")
	}
	counts := doc.Find(`[data-testid="import-file-counts"]`).Text()
	if !strings.Contains(counts, "1 ASIN-week (") || !strings.Contains(counts, "1 query row (") {
		t.Errorf("file counts %q do not count in the singular", counts)
	}
}

func TestErrorPageSaysWhatHappenedOnce(t *testing.T) {
	// Echo's own 404 carries the message "Not Found", the same words as the title.
	e := NewErrorView(http.StatusNotFound, "", "Not Found")
	doc := renderDoc(t, ErrorPage(Shell{Title: e.Title}, e))
	heading := strings.TrimSpace(doc.Find(`[data-testid="error"] h1`).Text())
	message := strings.TrimSpace(doc.Find(`[data-error-message]`).Text())
	if heading != "404 Not Found" {
		t.Errorf("heading %q", heading)
	}
	if strings.Contains(strings.ToLower(message), "not found") || message == "" {
		t.Errorf("message %q repeats the heading or is empty", message)
	}
	// A message of its own is kept.
	if got := NewErrorView(http.StatusNotFound, "", "no brand x").Message; got != "no brand x" {
		t.Errorf("own message replaced by %q", got)
	}
}

func TestLayoutLinksTheFavicon(t *testing.T) {
	doc := renderDoc(t, ErrorPage(Shell{Title: "x", FaviconURL: "/static/favicon.svg?v=1"}, NewErrorView(404, "", "")))
	if href, _ := doc.Find(`link[rel=icon]`).Attr("href"); href != "/static/favicon.svg?v=1" {
		t.Errorf("icon link %q", href)
	}
}
