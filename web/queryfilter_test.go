package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// filterQuery is a search query of the filter fixture, with whether it names the brand "acme" as whole
// words, decided by hand.
type filterQuery struct {
	text    string
	branded bool
}

// filterQueries are the product's queries in the filter fixture.
var filterQueries = []filterQuery{
	{"acme garden hose", true},
	{"garden hose", false},
	{"hose reel", false},
	{"Acme's hose reel 50%", true},
	{"acmes hose", false},
	{"hose-acme", true},
	{"macme hose_reel", false},
	{"sprinkler", false},
}

const filterASIN = "B0FILTER01"

// newFilterFixture is a server over a database with one brand, acme (no terms set: its name is its
// term), whose one product reports filterQueries over the four newest weeks.
func newFilterFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: filterASIN, Brand: "acme", ProductTitle: "Hose", Active: true}}); err != nil {
		t.Fatal(err)
	}
	var reports []sqp.WeeklyReport
	for n := range 4 {
		ws := weekStart(n)
		var rows []sqp.QueryRow
		for i, q := range filterQueries {
			rows = append(rows, sqp.QueryRow{SearchQuery: q.text, TotalQueryImpressionCount: 1000, ASINImpressionCount: int64(100 + i),
				TotalClickCount: 100, ASINClickCount: int64(10 + i), TotalPurchaseCount: 20, ASINPurchaseCount: int64(1 + i)})
		}
		reports = append(reports, sqp.WeeklyReport{ASIN: filterASIN, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: rows})
	}
	if _, err := db.ImportWeeklyReports(ctx, reports); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	sessions := newTestSessions(t, db)
	srv, err := New(Options{Brands: db, Products: db, Segments: db, Queries: db, BrandTerms: db, Auth: sessions.Options()})
	if err != nil {
		t.Fatal(err)
	}
	brands, err := db.ActiveBrands(ctx)
	if err != nil || len(brands) != 1 {
		t.Fatalf("brands %+v, %v", brands, err)
	}
	return &fixture{t: t, db: db, handler: srv.testHandler(), cookie: sessions.Cookie(account.RoleAdmin), brandID: brands[0].ID}
}

// filterProductPath is the product page of the filter fixture with the given query.
func (f *fixture) filterProductPath(query url.Values) string {
	p := "/brands/" + f.brandID + "/products/" + filterASIN
	if len(query) > 0 {
		p += "?" + query.Encode()
	}
	return p
}

// pick returns the fixture's queries that keep says, sorted.
func pick(keep func(filterQuery) bool) []string {
	var out []string
	for _, q := range filterQueries {
		if keep(q) {
			out = append(out, q.text)
		}
	}
	slices.Sort(out)
	return out
}

// queryRowNames are the query table's rows of a parsed page, sorted.
func queryRowNames(doc *goquery.Document) []string {
	var out []string
	doc.Find(`[data-testid="query-row"] th`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	slices.Sort(out)
	return out
}

// TestQueryFilterWithoutJavaScript submits the filter box the way a browser without JavaScript does
// (the form's action and every field as the query of a GET) and checks the rows, the box and the links.
func TestQueryFilterWithoutJavaScript(t *testing.T) {
	f := newFilterFixture(t)
	submit := func(page *goquery.Document, qf, branded string) *goquery.Document {
		t.Helper()
		form := page.Find(`form[data-testid="query-filter"]`)
		if form.Length() != 1 {
			t.Fatal("no filter form")
		}
		v := url.Values{}
		form.Find("input").Each(func(_ int, in *goquery.Selection) {
			name, typ := in.AttrOr("name", ""), in.AttrOr("type", "")
			switch {
			case name == "qf":
				v.Set(name, qf)
			case typ == "radio":
				if in.AttrOr("value", "") == branded {
					v.Set(name, branded)
				}
			default:
				v.Set(name, in.AttrOr("value", ""))
			}
		})
		doc, _ := f.doc(form.AttrOr("action", "")+"?"+v.Encode(), http.StatusOK, nil)
		return doc
	}
	page, _ := f.doc(f.filterProductPath(url.Values{"preset": {"4w"}, "qsort": {"query"}}), http.StatusOK, nil)
	if got, want := queryRowNames(page), pick(func(filterQuery) bool { return true }); !slices.Equal(got, want) {
		t.Fatalf("unfiltered rows %q, want %q", got, want)
	}

	t.Run("a filter keeps the rows it matches and the rest of the view", func(t *testing.T) {
		doc := submit(page, "hose !reel | sprinkler", "")
		want := pick(func(q filterQuery) bool {
			return strings.Contains(q.text, "hose") && !strings.Contains(q.text, "reel") || q.text == "sprinkler"
		})
		if got := queryRowNames(doc); !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if got := doc.Find("#qf-input").AttrOr("value", ""); got != "hose !reel | sprinkler" {
			t.Errorf("the box says %q", got)
		}
		sortLink := doc.Find(`#query-table th a[data-testid="sort"]`).First().AttrOr("href", "")
		u, _ := url.Parse(sortLink)
		if u.Query().Get("qf") != "hose !reel | sprinkler" || u.Query().Get("preset") != "4w" {
			t.Errorf("a sort link drops the filter or the range: %s", sortLink)
		}
	})

	t.Run("the branded switch splits the rows by the brand's name", func(t *testing.T) {
		doc := submit(page, "", "branded")
		if got, want := queryRowNames(doc), pick(func(q filterQuery) bool { return q.branded }); !slices.Equal(got, want) {
			t.Errorf("branded rows %q, want %q", got, want)
		}
		if !doc.Find(`input[name="branded"][value="branded"]`).Is("[checked]") {
			t.Error("the branded radio is not checked")
		}
		doc = submit(doc, "hose", "nonbranded")
		if got, want := queryRowNames(doc), pick(func(q filterQuery) bool { return !q.branded && strings.Contains(q.text, "hose") }); !slices.Equal(got, want) {
			t.Errorf("non-branded hose rows %q, want %q", got, want)
		}
		if doc.Find(`[data-testid="qf-clear"]`).Length() != 1 {
			t.Error("no way to clear the filter")
		}
	})

	t.Run("nothing matching says so", func(t *testing.T) {
		doc := submit(page, "=nothing", "")
		if got := doc.Find(`#query-table [data-testid="empty"]`).Text(); got != "No search queries in this range match the filter." {
			t.Errorf("empty message %q", got)
		}
	})

	t.Run("the totals count the filtered rows", func(t *testing.T) {
		doc := submit(page, `"hose reel" | "hose_reel"`, "")
		if got := doc.Find(`[data-testid="query-pager-summary"]`).Text(); got != "Search queries 1–3 of 3" {
			t.Errorf("pager summary %q, want 3 queries", got)
		}
	})
}

// TestQueryViewFilter checks that the query view, its CSV and its JSON keep the rows the filter and the
// branded switch keep, and that its box shows the filter.
func TestQueryViewFilter(t *testing.T) {
	f := newFilterFixture(t)
	q := url.Values{"preset": {"4w"}, "qf": {"hose | reel"}, "branded": {"nonbranded"}}
	want := pick(func(fq filterQuery) bool {
		return !fq.branded && (strings.Contains(fq.text, "hose") || strings.Contains(fq.text, "reel"))
	})
	base := "/brands/" + f.brandID + "/queries"

	doc, _ := f.doc(base+"?"+q.Encode(), http.StatusOK, nil)
	var page []string
	doc.Find(`#query-view tbody[data-testid="query"]`).Each(func(_ int, s *goquery.Selection) { page = append(page, s.AttrOr("data-query", "")) })
	slices.Sort(page)
	if !slices.Equal(page, want) {
		t.Errorf("page rows %q, want %q", page, want)
	}
	if got := doc.Find("#query-view #qf-input").AttrOr("value", ""); got != "hose | reel" {
		t.Errorf("the box says %q", got)
	}
	if !doc.Find(`#query-view input[name="branded"][value="nonbranded"]`).Is("[checked]") {
		t.Error("the non-branded radio is not checked")
	}
	if got := doc.Find(`#query-view a[data-testid="export-csv"]`).AttrOr("href", ""); !strings.Contains(got, "qf=") || !strings.Contains(got, "branded=nonbranded") {
		t.Errorf("the CSV link drops the filter: %s", got)
	}

	res := f.get(base+".csv?"+q.Encode(), nil)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	records, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("CSV %d: %v\n%s", res.StatusCode, err, body)
	}
	var inCSV []string
	for _, r := range records[1:] {
		inCSV = append(inCSV, r[0])
	}
	slices.Sort(inCSV)
	if !slices.Equal(inCSV, want) {
		t.Errorf("CSV rows %q, want %q", inCSV, want)
	}

	res = f.get("/api"+base+"?"+q.Encode(), nil)
	var api struct {
		Total   int `json:"total"`
		Queries []struct {
			Query string `json:"query"`
		} `json:"queries"`
	}
	err = json.NewDecoder(res.Body).Decode(&api)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var inJSON []string
	for _, r := range api.Queries {
		inJSON = append(inJSON, r.Query)
	}
	slices.Sort(inJSON)
	if api.Total != len(want) || !slices.Equal(inJSON, want) {
		t.Errorf("JSON rows %q of %d, want %q", inJSON, api.Total, want)
	}

	res = f.get("/api"+base+"?qf=%22open", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a broken filter on the JSON API: %d, want 400", res.StatusCode)
	}
}
