package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// hostileQueryCSV is a Seller Central download (ASIN view, weekly) of uploadASIN for uploadWeek, written
// with encoding/csv so that quotes, commas and line breaks in a query are quoted as Seller Central does.
func hostileQueryCSV(t *testing.T, queries []string) string {
	t.Helper()
	var b strings.Builder
	end := uploadWeek.AddDate(0, 0, 6)
	fmt.Fprintf(&b, "\"ASIN or Product=[\"\"%s\"\"]\",\"Reporting Range=[\"\"Weekly\"\"]\",\"Select week=[\"\"Week 2 | %s - %s %d\"\"]\"\n",
		uploadASIN, uploadWeek.Format(time.DateOnly), end.Format(time.DateOnly), end.Year())
	w := csv.NewWriter(&b)
	rows := [][]string{{"Search Query", "Impressions: Total Count", "Impressions: ASIN Count", "Clicks: Total Count", "Clicks: ASIN Count",
		"Cart Adds: Total Count", "Cart Adds: ASIN Count", "Purchases: Total Count", "Purchases: ASIN Count", "Reporting Date"}}
	for i, q := range queries {
		n := fmt.Sprint(i + 1)
		rows = append(rows, []string{q, "1000", "100", "50", n, "20", "2", "10", "1", end.Format(time.DateOnly)})
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestImportedQueryTextsHaveTheirPages: one rule for query texts (sqp.CheckQueryText). Every text the
// admin upload imports has a query page and a query view row that expands, reached through the
// dashboard's own links; every text the page could not show is refused at import, naming the file and
// the line, and nothing is written.
func TestImportedQueryTextsHaveTheirPages(t *testing.T) {
	f := newUploadFixture(t, 0)
	accepted := []string{
		"a/b", "/leading/", "50%", "100% off", "%2F literally", "%zz", "what?", "a?b=c&d", "c# book", "#", "a+b",
		`"quoted" 'single'`, "semi;colon,comma", `back\slash`, "ナイフ セット", "über messer", "🔪 emoji", "\u202eright-to-left",
		".", "..", "~", "~..", "<script>alert(1)</script>", "&amp;",
		strings.Repeat("é", sqp.MaxQueryTextLen-2) + "/?", // the longest text, two bytes a character, ending in separators
	}
	name := "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_hostile.csv"
	d := f.html(f.upload(f.admin, uploadFile{name: name, body: hostileQueryCSV(t, accepted)}), http.StatusOK)
	if st := d.Find(`[data-testid="import-file"]`).AttrOr("data-status", ""); st != "imported" {
		t.Fatalf("file status %q, want imported: %s", st, text(d, "import-error"))
	}
	if got := len(f.queries()); got != len(accepted) {
		t.Fatalf("%d queries stored, want %d", got, len(accepted))
	}
	f.importRuns() // the upload's refresh fills brand_query_weeks
	brandID := brandIDByName(t, f.db, "acme")
	l := links{f.srv.echo}
	st := viewstate.Default()
	st.Preset, st.From, st.To = "custom", uploadWeek, uploadWeek.AddDate(0, 0, 6)
	// get requests a page, or with htmx a fragment of table rows, parsed inside a <table> as a browser
	// swapping it in would (an HTML parser drops a bare <tbody>).
	get := func(t *testing.T, path string, htmx bool) *goquery.Document {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if !htmx {
			return f.html(f.do(req, f.admin), http.StatusOK)
		}
		req.Header.Set(hxRequest, "true")
		rec := f.do(req, f.admin)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d, want 200\n%s", rec.Code, rec.Body.String())
		}
		d, err := goquery.NewDocumentFromReader(strings.NewReader("<table>" + rec.Body.String() + "</table>"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for i, q := range accepted {
		label := q
		if len(label) > 30 {
			label = "longest text"
		}
		t.Run(label, func(t *testing.T) {
			page := get(t, l.Query(brandID, q, st), false)
			if got := page.Find("[data-testid=query-title]").Text(); got != q {
				t.Errorf("query page title %q, want %q", got, q)
			}
			if got := page.Find(`[data-testid=query-figure][data-key=weeks] [data-testid=kpi-value]`).Text(); got != "1" {
				t.Errorf("query page: weeks with data %q, want 1 (another query's page?)", got)
			}
			body := get(t, l.QueryASINs(brandID, q, st), true)
			if got := body.Find("[data-testid=query]").AttrOr("data-query", ""); got != q {
				t.Errorf("expanded row of %q", got)
			}
			asin := body.Find(`[data-testid=query-asin][data-asin="` + uploadASIN + `"]`)
			if asin.Length() != 1 {
				t.Fatalf("the expansion does not list %s", uploadASIN)
			}
			// Each query has its own click count (its position): the row is this query's, not a neighbour's.
			if got, want := cell(asin, "clicks"), fmt.Sprint(i+1); got != want {
				t.Errorf("ASIN clicks %q, want %q", got, want)
			}
			// The query view's own link to the page is the same URL.
			if href := body.Find("[data-testid=query-text]").AttrOr("href", ""); href != l.Query(brandID, q, st) {
				t.Errorf("the row links to %q, want %q", href, l.Query(brandID, q, st))
			}
		})
	}

	refused := []struct{ name, query, reason string }{
		{"tab", "dog\tbed", "control character U+0009"},
		{"line break inside the quoted cell", "dog\nbed", "control character U+000A"},
		{"C1 control", "dog\u0085bed", "control character U+0085"},
		{"one character too long", strings.Repeat("é", sqp.MaxQueryTextLen+1), "longer than 500 characters"},
	}
	for _, tc := range refused {
		t.Run("refused at import: "+tc.name, func(t *testing.T) {
			before := f.snapshot()
			file := "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_refused.csv"
			// The bad query comes third: the message names line 5 (metadata, header, two good rows).
			d := f.html(f.upload(f.admin, uploadFile{name: file, body: hostileQueryCSV(t, []string{"fine", "also fine", tc.query})}), http.StatusOK)
			if st := d.Find(`[data-testid="import-file"]`).AttrOr("data-status", ""); st != "refused" {
				t.Fatalf("file status %q, want refused", st)
			}
			msg := text(d, "import-error")
			for _, want := range []string{file, "line 5", "Search Query", tc.reason, "Nothing of this file was written"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			if after := f.snapshot(); after != before {
				t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
			}
			// What the import refuses, the page refuses too: the same rule, not a second one.
			req := httptest.NewRequest(http.MethodGet, l.Query(brandID, tc.query, st), nil)
			if rec := f.do(req, f.admin); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), viewstate.ParamQuery) {
				t.Errorf("query page of the refused text: status %d, want 400 naming %q", rec.Code, viewstate.ParamQuery)
			}
		})
	}
}
