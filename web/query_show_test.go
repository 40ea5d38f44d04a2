package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// asinQ is an extra product of acme whose reports hold search queries with awkward text, and "garden
// hose", which asinA reports too.
const asinQ = "B0QUERYQQ5"

// nastyQueries are search query texts that a URL path could mangle: separators, escapes, dots, quotes,
// markup, non-ASCII and the longest text accepted. Control characters are not among them: the importer
// refuses them (sqp.CheckQueryText), and so do the query page and the query row.
func nastyQueries() []string {
	return []string{
		"chef knife", "a/b", "/leading and trailing/", `50% "off" / c#?`, "50%", "100% cotton", "%2F literally", "what?", "c# book",
		"a+b", `"quoted" 'single'`, "semi;colon,comma", `back\slash`, "ナイフ セット", "über messer", "🔪 emoji",
		".", "..", "...", "~", "~.", "~..", "a.", "<script>alert(1)</script>", "&amp; entity",
		strings.Repeat("x", viewstate.MaxQueryTextLen),
	}
}

// queryFixture is the web fixture plus asinQ's reports (four newest weeks, US), its own server (for reverse
// routing) and its sessions (for managers).
type queryFixture struct {
	*fixture
	links    links
	sessions *testSessions
}

func newQueryFixture(t *testing.T) *queryFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: asinQ, Brand: brandMain, ProductTitle: "Query Tester", Active: true}}); err != nil {
		t.Fatal(err)
	}
	var reps []sqp.WeeklyReport
	for n := 0; n < 4; n++ {
		ws := weekStart(n)
		k := int64(26 - n)
		volume := 40000 + 1000*k
		rows := []sqp.QueryRow{
			// The same market totals as asinA's row of the week: the market is counted once.
			{SearchQuery: "garden hose", SearchQueryVolume: &volume, TotalQueryImpressionCount: 10000 + 100*k, ASINImpressionCount: 300,
				TotalClickCount: 900, ASINClickCount: 30, TotalCartAddCount: 300, ASINCartAddCount: 6,
				TotalPurchaseCount: 200, ASINPurchaseCount: 3, ASINMedianPurchasePrice: cents(1999)},
		}
		for _, q := range nastyQueries() {
			rows = append(rows, sqp.QueryRow{SearchQuery: q, TotalQueryImpressionCount: 100, ASINImpressionCount: 10, TotalClickCount: 10, ASINClickCount: 1})
		}
		reps = append(reps, sqp.WeeklyReport{ASIN: asinQ, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: rows})
	}
	if _, err := f.db.ImportWeeklyReports(ctx, reps); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	sessions := newTestSessions(t, f.db)
	srv, err := New(Options{Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db, Auth: sessions.Options()})
	if err != nil {
		t.Fatal(err)
	}
	f.handler = srv.testHandler()
	return &queryFixture{fixture: f, links: links{srv.echo}, sessions: sessions}
}

func TestQueryPageURLRoundTrips(t *testing.T) {
	f := newQueryFixture(t)
	for _, q := range nastyQueries() {
		name := q
		if len(name) > 40 {
			name = "longest accepted text"
		}
		t.Run(name, func(t *testing.T) {
			path := f.links.Query(f.brandID, q, viewstate.Default())
			if strings.Count(path, "/") != 4 || strings.ContainsAny(path, "?# ") {
				t.Fatalf("link %q is not one path segment per level", path)
			}
			doc, _ := f.doc(path, http.StatusOK, nil)
			if got := doc.Find("[data-testid=query-title]").Text(); got != q {
				t.Errorf("title %q, want %q", got, q)
			}
			// Each of the four weeks reports it: the page shows that query's numbers, not another's.
			if got := doc.Find(`[data-testid=query-figure][data-key=weeks] [data-testid=kpi-value]`).Text(); got != "4" {
				t.Errorf("weeks with data %q, want 4", got)
			}
		})
	}
	t.Run("the view state rides along and a dotted text is not a directory step", func(t *testing.T) {
		st := viewstate.Default()
		st.Preset = "52w"
		path := f.links.Query(f.brandID, "..", st)
		if !strings.HasSuffix(path, "/queries/~..?preset=52w") {
			t.Fatalf("link %q", path)
		}
		doc, _ := f.doc(path, http.StatusOK, nil)
		if got := doc.Find("[data-testid=range]").Text(); !strings.Contains(got, "52 weeks") {
			t.Errorf("range %q", got)
		}
	})
}

func TestQueryPageRejectsBadParameters(t *testing.T) {
	f := newQueryFixture(t)
	base := "/brands/" + f.brandID + "/queries/"
	for _, tc := range []struct{ name, path, param string }{
		{"text longer than the limit", base + strings.Repeat("x", viewstate.MaxQueryTextLen+1), viewstate.ParamQuery},
		{"text not UTF-8", base + "%FF%FE", viewstate.ParamQuery},
		{"text with NUL", base + "a%00b", viewstate.ParamQuery},
		{"text with a tab, which the import refuses too", base + "tab%09here", viewstate.ParamQuery},
		{"text with a C1 control, which the import refuses too", base + "a%C2%85b", viewstate.ParamQuery},
		{"malformed brand id", "/brands/not-a-uuid/queries/garden%20hose", viewstate.ParamBrandID},
		{"bad preset", base + "garden%20hose?preset=7d", viewstate.ParamPreset},
		{"bad marketplace", base + "garden%20hose?mp=XX", viewstate.ParamMarketplace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := f.body(tc.path, http.StatusBadRequest, nil)
			if !strings.Contains(body, tc.param) {
				t.Errorf("the 400 page does not name %q:\n%s", tc.param, body)
			}
		})
	}
}

func TestQueryPageNotFound(t *testing.T) {
	f := newQueryFixture(t)
	for _, tc := range []struct{ name, brand, query string }{
		{"a query the brand never had", f.brandID, "no such query"},
		{"another brand's query", f.brandID, "other"},
		{"an unknown brand", "0f8fad5b-d9cb-469f-a165-70867728950e", "garden hose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.body(f.links.Query(tc.brand, tc.query, viewstate.Default()), http.StatusNotFound, nil)
		})
	}
	t.Run("a query the brand had before the range still has its page", func(t *testing.T) {
		// asinB reports "gizmo" only in the last 8 weeks: a custom range before them has no row.
		st := viewstate.Default()
		st.Preset, st.From, st.To = "custom", weekStart(20), weekStart(12).AddDate(0, 0, 6)
		doc, _ := f.doc(f.links.Query(f.brandID, "gizmo", st), http.StatusOK, nil)
		if doc.Find("[data-testid=no-rows]").Length() != 1 {
			t.Error("no notice that the range has no data")
		}
	})
}

func TestQueryPageAccess(t *testing.T) {
	f := newQueryFixture(t)
	path := f.links.Query(f.brandID, "garden hose", viewstate.Default())
	get := func(cookie *http.Cookie) *http.Response {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		return rec.Result()
	}
	t.Run("signed out is sent to sign in and back", func(t *testing.T) {
		res := get(nil)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Fatalf("status %d, location %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("a manager of another brand gets the unknown brand's 404", func(t *testing.T) {
		if res := get(f.sessions.Cookie(account.RoleManager, f.altID)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
	t.Run("a manager of the brand sees it", func(t *testing.T) {
		if res := get(f.sessions.Cookie(account.RoleManager, f.brandID)); res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
	})
}

func TestQueryPageNumbers(t *testing.T) {
	f := newQueryFixture(t)
	// "garden hose" over the default range (the newest 13 weeks): asinA every week, asinQ in the newest 4
	// with the same market totals, which count once.
	var brand, market sums
	var volume int64
	for _, r := range reports() {
		if r.ASIN != asinA || r.WeekStart.Before(weekStart(12)) {
			continue
		}
		for _, q := range r.Queries {
			if q.SearchQuery != "garden hose" {
				continue
			}
			brand.impr += q.ASINImpressionCount
			brand.clicks += q.ASINClickCount
			brand.carts += q.ASINCartAddCount
			brand.purch += q.ASINPurchaseCount
			market.impr += q.TotalQueryImpressionCount
			market.clicks += q.TotalClickCount
			market.carts += q.TotalCartAddCount
			market.purch += q.TotalPurchaseCount
		}
	}
	for n := 0; n < 4; n++ {
		brand.impr, brand.clicks, brand.carts, brand.purch = brand.impr+300, brand.clicks+30, brand.carts+6, brand.purch+3
		volume += 40000 + 1000*int64(26-n)
	}
	doc, _ := f.doc(f.links.Query(f.brandID, "garden hose", viewstate.Default()), http.StatusOK, nil)
	if got := doc.Find(`[data-testid=query-figure][data-key=search_query_volume] [data-testid=kpi-value]`).Text(); got != thousands(volume) {
		t.Errorf("volume %q, want %s", got, thousands(volume))
	}
	for _, tc := range []struct {
		metric, share string
		brand, market int64
	}{
		{"impressions", "impression_share", brand.impr, market.impr},
		{"clicks", "click_share", brand.clicks, market.clicks},
		{"cart_adds", "cart_add_share", brand.carts, market.carts},
		{"purchases", "purchase_share", brand.purch, market.purch},
	} {
		row := doc.Find(`[data-testid=funnel-step][data-metric=` + tc.metric + `]`)
		if got := strings.TrimSpace(row.Find("[data-testid=market-total]").Text()); got != thousands(tc.market) {
			t.Errorf("%s: market %q, want %s (counted once per week)", tc.metric, got, thousands(tc.market))
		}
		if got := cell(row, tc.metric); got != thousands(tc.brand) {
			t.Errorf("%s: brand %q, want %s", tc.metric, got, thousands(tc.brand))
		}
		if got := cell(row, tc.share); got != pct(tc.brand, tc.market) {
			t.Errorf("%s: share %q, want %s", tc.metric, got, pct(tc.brand, tc.market))
		}
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid=funnel-step][data-metric=clicks] [data-testid=market-rate]`).Text()); !strings.HasSuffix(got, pct(market.clicks, market.impr)) {
		t.Errorf("market CTR %q, want %s", got, pct(market.clicks, market.impr))
	}
	if doc.Find(`[data-testid=product-diagnosis] [data-testid=diagnosis]`).Length() != 1 || doc.Find(`[data-testid=opportunity]`).Length() != 1 {
		t.Error("no diagnosis and opportunity")
	}
	// asinA: 13 weeks, more purchases; asinQ: 4 weeks.
	rows := doc.Find("[data-testid=query-asin]")
	if rows.Length() != 2 || rows.First().AttrOr("data-asin", "") != asinA || strings.TrimSpace(rows.Last().Find("[data-testid=weeks]").Text()) != "4" {
		t.Errorf("ASIN rows: %d, first %q", rows.Length(), rows.First().AttrOr("data-asin", ""))
	}
}
