package views

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

func TestImportResultView(t *testing.T) {
	var warnings []importer.Warning
	for i := range maxUploadWarningsShown + 5 {
		warnings = append(warnings, importer.Warning{File: "week.csv", Location: fmt.Sprintf("line %d", i+3), Message: "share over 100%"})
	}
	files := []UploadedFile{
		{Name: "week.csv", Summary: importer.FileSummary{File: "week.csv", Format: importer.FormatSellerCentralCSV, ASINWeeks: 2, QueryRows: 30,
			Reports:  sqp.ImportCounts{ASINWeeksNew: 1, ASINWeeksChanged: 1, QueryRowsInserted: 20, QueryRowsUpdated: 7, QueryRowsDeleted: 3},
			Warnings: warnings}},
		{Name: "brands.csv", Summary: importer.FileSummary{File: "brands.csv", Format: importer.FormatBrandMapping,
			Mappings: sqp.MappingCounts{BrandsCreated: 1, MappingsNew: 2, MappingsUnchanged: 4}}},
		{Name: "monthly.csv", Err: fmt.Errorf("read: %w", &importer.Error{File: "monthly.csv", Location: "line 1", Field: "Reporting Range", Value: "Monthly", Expected: "Weekly"})},
		{Name: "other.json", Err: errors.New("store reports of other.json: connection refused by 10.0.0.7 password=hunter2")},
	}
	r := NewImportResult(files, 1500*time.Millisecond, ImportRefresh{State: "started", Message: "refreshing", PollURL: "/admin/refresh"})
	doc := renderDoc(t, ImportResultView(r))
	text := func(sel string) string { return strings.Join(strings.Fields(doc.Find(sel).Text()), " ") }

	t.Run("a row per file in upload order, with its status", func(t *testing.T) {
		var got []string
		doc.Find(`[data-testid="import-file"]`).Each(func(_ int, s *goquery.Selection) {
			got = append(got, s.AttrOr("data-file", "")+"="+s.AttrOr("data-status", ""))
		})
		if want := "week.csv=imported brands.csv=imported monthly.csv=refused other.json=failed"; strings.Join(got, " ") != want {
			t.Errorf("files: %s, want %s", strings.Join(got, " "), want)
		}
	})
	t.Run("the totals add up the imported files", func(t *testing.T) {
		want := map[string]string{
			"import-total-files":      "2 imported, 2 refused (of 4)",
			"import-total-asin-weeks": "1 new, 1 changed, 0 unchanged",
			"import-total-query-rows": "20 inserted, 7 updated, 3 deleted",
			"import-total-mappings":   "1 brand created; mappings: 2 new, 0 changed, 4 unchanged",
			"import-total-warnings":   fmt.Sprint(len(warnings)),
			"import-total-time":       "1.5 s",
		}
		for id, w := range want {
			if got := text(`[data-testid="` + id + `"]`); got != w {
				t.Errorf("%s = %q, want %q", id, got, w)
			}
		}
	})
	t.Run("warnings are listed up to the cap, the rest counted", func(t *testing.T) {
		if n := doc.Find(`[data-testid="import-warning"]`).Length(); n != maxUploadWarningsShown {
			t.Errorf("%d warnings listed, want %d", n, maxUploadWarningsShown)
		}
		if !strings.Contains(text(`[data-file="week.csv"]`), "and 5 more warnings") {
			t.Errorf("the other warnings are not counted: %q", text(`[data-file="week.csv"]`))
		}
	})
	t.Run("a refused file shows the importer's message", func(t *testing.T) {
		msg := text(`[data-file="monthly.csv"] [data-testid="import-error"]`)
		if !strings.Contains(msg, `monthly.csv: line 1, "Reporting Range": value "Monthly", expected Weekly`) {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("a failure on our side keeps its text out of the page", func(t *testing.T) {
		msg := text(`[data-file="other.json"] [data-testid="import-error"]`)
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, "10.0.0.7") || !strings.Contains(msg, "Nothing of this file was written") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("a started refresh makes the result fetch the refresh panel", func(t *testing.T) {
		poll := doc.Find(`[hx-trigger="load"]`)
		if poll.AttrOr("hx-get", "") != "/admin/refresh" || poll.AttrOr("hx-target", "") != "#refresh-panel" {
			t.Errorf("poll element: %d", poll.Length())
		}
		if doc.Find(`[data-testid="import-refresh"]`).AttrOr("data-state", "") != "started" {
			t.Error("refresh state not shown")
		}
	})
}

func TestUploadTooLargeMessage(t *testing.T) {
	msg := UploadTooLargeMessage(100<<20, 64<<20, []UploadedPart{{Name: "a.csv", Size: 60 << 20}, {Name: "b.json.gz", Size: 40 << 20}})
	for _, want := range []string{"100.0 MiB", "limit of 64.0 MiB", "nothing was imported", "a.csv (60.0 MiB), b.json.gz (40.0 MiB)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not contain %q", msg, want)
		}
	}
}
