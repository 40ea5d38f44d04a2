package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

func TestBrowserQueryPage(t *testing.T) {
	f := newQueryFixture(t)
	d := startDashBrowser(t, f.fixture)

	t.Run("the chart has a text alternative and the ASINs link to their product pages", func(t *testing.T) {
		tab := d.tab(t, f.links.Query(f.brandID, "garden hose", viewstate.Default()))
		if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid=query-title]').textContent`); got != "garden hose" {
			t.Fatalf("title %q", got)
		}
		// 13 weeks of asinA's reports, asinQ in the last 4 with the volume: a bar for each of those 4, four
		// share lines over the 13.
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid=volume-bar]').length`); n != 4 {
			t.Errorf("%d volume bars, want 4", n)
		}
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid=share-line]').length`); n != 4 {
			t.Errorf("%d share lines, want 4", n)
		}
		svg := `document.querySelector('[data-testid=query-chart-svg]')`
		if role := browsertest.Eval[string](tab, svg+`.getAttribute('role')`); role != "img" {
			t.Errorf("chart role %q", role)
		}
		if label := browsertest.Eval[string](tab, svg+`.getAttribute('aria-label')`); label == "" || label != browsertest.Eval[string](tab, svg+`.querySelector('title').textContent`) {
			t.Errorf("chart label %q does not match its title", label)
		}
		// The numbers: one row per week, hidden until the reader opens them.
		rows := `document.querySelectorAll('[data-testid=query-chart-row]')`
		if n := browsertest.Eval[int](tab, rows+`.length`); n != 13 {
			t.Errorf("%d weeks in the chart's table, want 13", n)
		}
		tab.Run("open the chart's numbers", browsertest.Click(`[data-testid=query-chart-data] summary`))
		tab.WaitFor("the numbers shown", rows+`[0].getBoundingClientRect().height > 0`)
		noCSPViolations(t, tab)
		tab.Screenshot("query-page.png")

		tab.Follow("open the top ASIN's product page", browsertest.Click(`[data-testid=query-asin] a[data-testid=product-link]`))
		if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid=product-title]').textContent`); got != "Garden Hose 50 ft" {
			t.Errorf("product page of %q, want the ASIN with the most purchases", got)
		}
		tab.Back()
		if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid=query-title]').textContent`); got != "garden hose" {
			t.Errorf("back on %q", got)
		}
	})

	t.Run("the product page's query links lead to the query page, and an awkward text survives", func(t *testing.T) {
		const query = "qsort=query&qdir=asc"
		tab := d.tab(t, "/brands/"+f.brandID+"/products/"+asinQ+"?"+query)
		v, err := viewstate.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		st, err := viewstate.Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		const q = `50% "off" / c#?`
		link := `[data-testid=query-link][href="` + f.links.Query(f.brandID, q, st) + `"]`
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid=query-link]').length`); n == 0 {
			t.Fatal("the product page links no query")
		}
		tab.Follow("follow the query's link", browsertest.Click(`[data-testid=query-link]`))
		first := browsertest.Eval[string](tab, `document.querySelector('[data-testid=query-title]').textContent`)
		if first == "" {
			t.Fatal("no query page")
		}
		tab.Back()
		tab.Follow("follow the awkward text's link", browsertest.Click(link))
		if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid=query-title]').textContent`); got != q {
			t.Errorf("title %q, want %q", got, q)
		}
		tab.Follow("back to the query view by the breadcrumb", browsertest.Click(`[data-testid=breadcrumb-queries]`))
		if got := browsertest.Eval[string](tab, `location.pathname`); got != "/brands/"+f.brandID+"/queries" {
			t.Errorf("breadcrumb led to %q", got)
		}
	})

	t.Run("axe finds no serious violation and every chart has a text alternative", func(t *testing.T) {
		st := viewstate.Default()
		st.Preset = "52w"
		tab := d.tab(t, f.links.Query(f.brandID, "garden hose", st))
		checkPage(tab, "the query page")
		if n := chartsHaveTextAlternatives(t, tab); n != 1 {
			t.Errorf("%d named charts, want 1", n)
		}
	})

	t.Run("on a 390 px phone nothing overflows the page", func(t *testing.T) {
		tab := d.tab(t, f.links.Query(f.brandID, "garden hose", viewstate.Default()))
		tab.Run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tab.Reload()
		if w := browsertest.Eval[int](tab, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the page is %d px wide", w)
		}
		if w := browsertest.Eval[float64](tab, `document.querySelector('[data-testid=query-chart-svg]').getBoundingClientRect().width`); w < 300 || w > 390 {
			t.Errorf("the chart is %.0f px wide", w)
		}
		tab.Screenshot("query-page-phone.png")
	})
}

func TestBrowserQueryPageASINTable(t *testing.T) {
	f := newQueryFixture(t)
	addQueryASINs(t, f)
	d := startDashBrowser(t, f.fixture)
	st := viewstate.Default()
	st.Size = 10
	rows := `Array.from(document.querySelectorAll('#query-asins [data-testid=query-asin]')).map(function (r) { return r.getAttribute('data-asin'); }).join(',')`
	order := func(key string, desc bool, from, to int) string {
		return strings.Join(asinOrder(key, desc)[from:to], ",")
	}

	t.Run("the table pages and sorts in place, the URL says where, back restores it", func(t *testing.T) {
		tab := d.tab(t, f.links.Query(f.brandID, "filler", st))
		if got, want := browsertest.Eval[string](tab, rows), order("purchases", true, 0, 10); got != want {
			t.Fatalf("page 1: %s, want %s", got, want)
		}
		tab.Swap("next page of ASINs", browsertest.Click(`#query-asins [data-testid=next]`))
		if got, want := browsertest.Eval[string](tab, rows), order("purchases", true, 10, fillers+pagerASINs); got != want {
			t.Errorf("page 2: %s, want %s", got, want)
		}
		if got := browsertest.Eval[string](tab, `new URLSearchParams(location.search).get('apage')`); got != "2" {
			t.Errorf("apage in the address bar %q, want 2", got)
		}
		// Only the table was swapped: one table, one chart, one funnel on the page.
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('#query-asins').length + document.querySelectorAll('[data-testid=query-chart]').length + document.querySelectorAll('[data-testid=query-funnel]').length`); n != 3 {
			t.Errorf("%d of the table, chart and funnel, want one each", n)
		}
		tab.Swap("sort by impressions", browsertest.Click(`#query-asins th[data-sort-key=impressions] a[data-testid=sort]`))
		if got, want := browsertest.Eval[string](tab, rows), order("impressions", true, 0, 10); got != want {
			t.Errorf("by impressions: %s, want %s", got, want)
		}
		if got := browsertest.Eval[string](tab, `location.search`); !strings.Contains(got, "asort=impressions") || strings.Contains(got, "apage") {
			t.Errorf("address %q, want the sort and the first page", got)
		}
		tab.Await("go back", "htmx:historyRestore", chromedp.NavigateBack())
		if got, want := browsertest.Eval[string](tab, rows), order("purchases", true, 10, fillers+pagerASINs); got != want {
			t.Errorf("back on page 2: %s, want %s", got, want)
		}
		noCSPViolations(t, tab)
	})

	t.Run("axe finds no serious violation in the paged table, and a phone does not overflow", func(t *testing.T) {
		tab := d.tab(t, f.links.Query(f.brandID, "filler", st))
		tab.Swap("next page of ASINs", browsertest.Click(`#query-asins [data-testid=next]`))
		tab.CheckAccessibility("the ASIN table's second page", "#query-asins")
		tab.Run("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tab.Reload()
		if w := browsertest.Eval[int](tab, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the page is %d px wide", w)
		}
		tab.CheckAccessibility("the ASIN table at 390 px", "#query-asins")
	})
}
