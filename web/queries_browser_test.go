package web

import (
	"testing"

	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/views"
)

func TestBrowserQueryView(t *testing.T) {
	f := newFixture(t)
	d := startDashBrowser(t, f)
	from, to, _, _ := defaultRange()
	want := expectedQueries(from, to)
	filler := "#" + views.QueryRowID("filler")
	asinRows := `document.querySelectorAll('` + filler + ` tr[data-testid=query-asin]')`

	t.Run("the brand page leads to the query view", func(t *testing.T) {
		tab := d.tab(t, f.dashboardPath("preset=4w"))
		tab.Follow("open the query view", browsertest.Click(`a[data-testid=queries-link]`))
		if got := pageParam(t, tab, "preset"); got != "4w" {
			t.Errorf("preset %q in the query view's URL, want 4w", got)
		}
		if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid=query-view-title]').textContent`); got != "Search queries of Brand acme" && got != "Search queries of acme" {
			t.Errorf("title %q", got)
		}
		noCSPViolations(t, tab)
	})

	t.Run("a query row expands to the brand's ASINs and collapses", func(t *testing.T) {
		tab := d.tab(t, f.queriesPath("size=100"))
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('tbody[data-testid=query]').length`); n != len(want) {
			t.Fatalf("%d query rows, want %d", n, len(want))
		}
		tab.Swap("expand filler", browsertest.Click("#toggle-"+views.QueryRowID("filler")))
		if n := browsertest.Eval[int](tab, asinRows+".length"); n != fillers {
			t.Errorf("%d ASIN rows under filler, want %d", n, fillers)
		}
		if got := browsertest.Eval[string](tab, `document.querySelector('#toggle-`+views.QueryRowID("filler")+`').getAttribute('aria-expanded')`); got != "true" {
			t.Errorf("aria-expanded %q", got)
		}
		if next := browsertest.Eval[string](tab, `document.querySelector('`+filler+` tr.product-row').nextElementSibling.dataset.testid`); next != "query-facts" {
			t.Errorf("row after the query row: %q", next)
		}
		if got := browsertest.Eval[string](tab, asinRows+`[0].querySelector('td[data-metric=impressions] .value').textContent`); got != "20" {
			t.Errorf("first ASIN's impressions %q, want 20", got)
		}
		tab.Screenshot("query-view-expanded.png")
		tab.Swap("collapse filler", browsertest.Click("#toggle-"+views.QueryRowID("filler")))
		if n := browsertest.Eval[int](tab, asinRows+".length"); n != 0 {
			t.Errorf("%d ASIN rows after collapsing, want 0", n)
		}
		noCSPViolations(t, tab)
	})

	t.Run("sorting by a header swaps the table and records the order in the URL", func(t *testing.T) {
		tab := d.tab(t, f.queriesPath("size=100"))
		tab.Swap("sort by market impressions", browsertest.Click(`th[data-sort-key=market_impressions] a`))
		if got := pageParam(t, tab, "qvsort"); got != "market_impressions" {
			t.Errorf("qvsort %q in the URL", got)
		}
		var top string
		var most int64 = -1
		for q, s := range want {
			if s.market[0] > most || s.market[0] == most && q < top {
				top, most = q, s.market[0]
			}
		}
		if got := browsertest.Eval[string](tab, `document.querySelector('tbody[data-testid=query]').dataset.query`); got != top {
			t.Errorf("first query %q, want %q (most market impressions)", got, top)
		}
		tab.Swap("expand the first row after sorting", browsertest.Click(`tbody[data-testid=query] button[data-testid=toggle]`))
		if n := browsertest.Eval[int](tab, `document.querySelector('tbody[data-testid=query]').querySelectorAll('tr[data-testid=query-asin]').length`); n == 0 {
			t.Error("the expanded first row shows no ASIN")
		}
		noCSPViolations(t, tab)
	})
}
