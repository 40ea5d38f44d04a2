package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sqpdash/sqpdash/internal/browsertest"
)

// dashBrowser is a headless Chromium in front of a test server, opening tabs signed in as one user.
type dashBrowser struct {
	browser *browsertest.Browser
	url     string // the server's base URL
	cookie  *http.Cookie
}

// startDashBrowser starts a test server for f's handler and Chromium in front of it.
func startDashBrowser(t *testing.T, f *fixture) *dashBrowser {
	t.Helper()
	b := browsertest.Start(t)
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	return &dashBrowser{browser: b, url: srv.URL, cookie: f.cookie}
}

// tab opens path in a new tab of its own, signed in, for t: a subtest starts from the state its URL
// gives, never from what an earlier subtest left behind.
func (d *dashBrowser) tab(t *testing.T, path string) *browsertest.Tab {
	t.Helper()
	tab := d.browser.NewTab(t)
	tab.SetCookie(d.url, d.cookie)
	tab.Open(d.url + path)
	return tab
}

// segmentRows is the JavaScript expression of the segment rows under a product.
func segmentRows(asin string) string {
	return fmt.Sprintf(`document.querySelectorAll('#p-%s tr.segment-row')`, asin)
}

// segmentCount is the number of segment rows under a product.
func segmentCount(tab *browsertest.Tab, asin string) int {
	return browsertest.Eval[int](tab, segmentRows(asin)+".length")
}

// pageParam is a query parameter of the page's URL.
func pageParam(t *testing.T, tab *browsertest.Tab, name string) string {
	t.Helper()
	u, err := url.Parse(browsertest.Eval[string](tab, "location.href"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

// wantSegments checks the number of segment rows under each product.
func wantSegments(t *testing.T, tab *browsertest.Tab, when string, want map[string]int) {
	t.Helper()
	for asin, n := range want {
		if got := segmentCount(tab, asin); got != n {
			t.Errorf("%s: %s has %d segment rows, want %d", when, asin, got, n)
		}
	}
}

// noCSPViolations checks that the page needed nothing its strict Content-Security-Policy forbids.
func noCSPViolations(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	if v := tab.CSPViolations(); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", v)
	}
}

func TestBrowserExpansion(t *testing.T) {
	f := newFixture(t)
	d := startDashBrowser(t, f)
	toggle := func(asin string) string { return "#toggle-" + asin }
	// dashboard is the dashboard's path with the given expansions ("open") and other parameters.
	dashboard := func(open string, more ...string) string {
		q := url.Values{}
		if open != "" {
			q.Set("open", open)
		}
		for i := 0; i+1 < len(more); i += 2 {
			q.Set(more[i], more[i+1])
		}
		return f.dashboardPath(q.Encode())
	}
	weekly := func(asins ...string) string {
		parts := make([]string, len(asins))
		for i, a := range asins {
			parts[i] = a + ":weekly"
		}
		return strings.Join(parts, ",")
	}

	t.Run("expand shows the weekly rows under the product and records them in the URL", func(t *testing.T) {
		tab := d.tab(t, dashboard(""))
		tab.Swap("expand A", browsertest.Click(toggle(asinA)))
		wantSegments(t, tab, "after expanding A", map[string]int{asinA: 13})
		if got := browsertest.Eval[string](tab, `document.querySelector('`+toggle(asinA)+`').getAttribute('aria-expanded')`); got != "true" {
			t.Errorf("aria-expanded %q", got)
		}
		// The rows sit right under the product row.
		if next := browsertest.Eval[string](tab, `document.querySelector('#p-`+asinA+` tr.product-row').nextElementSibling.dataset.testid`); next != "segment-controls" {
			t.Errorf("row after the product row: %q", next)
		}
		w0 := expected(asinA, weekStart(0), lastWeekEnd)
		newest := segmentRows(asinA) + "[0]" // newest first
		if got := browsertest.Eval[string](tab, newest+`.querySelector('th > span').textContent`); got != "Oct 20 – Oct 26, 2024" {
			t.Errorf("newest label %q", got)
		}
		if got := browsertest.Eval[string](tab, newest+`.cells[2].firstChild.textContent`); got != thousands(w0.impr) {
			t.Errorf("newest impressions %q, want %q", got, thousands(w0.impr))
		}
		if got := pageParam(t, tab, "open"); got != weekly(asinA) {
			t.Errorf("open = %q in the URL, want %q", got, weekly(asinA))
		}
		noCSPViolations(t, tab)
		tab.Screenshot("dashboard-expanded.png")
	})

	t.Run("monthly switch re-fetches", func(t *testing.T) {
		tab := d.tab(t, dashboard(weekly(asinA)))
		tab.Swap("switch A to monthly", browsertest.Click("#segm-"+asinA))
		if got := browsertest.Eval[string](tab, `Array.from(`+segmentRows(asinA)+`, r => r.parentElement.querySelector('tr.segment-controls').dataset.type).join(' ')`); got != "monthly monthly monthly" {
			t.Errorf("segment rows of types %q, want three monthly (August, September, October)", got)
		}
		if got := browsertest.Eval[string](tab, segmentRows(asinA)+`[0].querySelector('th > span').textContent`); got != "October 2024" {
			t.Errorf("first month %q, want the newest, October", got)
		}
		if got := pageParam(t, tab, "open"); got != asinA+":monthly" {
			t.Errorf("open = %q in the URL, want %s:monthly", got, asinA)
		}
		noCSPViolations(t, tab)
	})

	t.Run("quarterly switch re-fetches the quarters, newest first, with their week coverage", func(t *testing.T) {
		tab := d.tab(t, dashboard(asinA+":monthly", "preset", "52w"))
		tab.Swap("switch A to quarterly", browsertest.Click("#segq-"+asinA))
		rows := browsertest.Eval[string](tab, `Array.from(`+segmentRows(asinA)+`, r => [r.parentElement.querySelector('tr.segment-controls').dataset.type,
			r.querySelector('th > span').textContent,
			r.querySelector('[data-testid=segment-coverage]').textContent].join(' / ')).join('; ')`)
		// A's data starts with the week of 28 April: Q2 has 10 of its 13 weeks, Q3 all 13, Q4 the weeks of 6,
		// 13 and 20 October.
		if want := "quarterly / Q4 2024 / 3 of 13 weeks (partial); quarterly / Q3 2024 / 13 of 13 weeks; " +
			"quarterly / Q2 2024 / 10 of 13 weeks (partial)"; rows != want {
			t.Errorf("quarterly rows:\n got %s\nwant %s", rows, want)
		}
		pressed := browsertest.Eval[string](tab, `Array.from(document.querySelectorAll('#seg-`+asinA+` .seg-switch button'), b => b.dataset.testid + '=' + b.getAttribute('aria-pressed')).join(' ')`)
		if pressed != "seg-weekly=false seg-monthly=false seg-quarterly=true" {
			t.Errorf("switch %q", pressed)
		}
		// Q2 has no previous quarter with data: its changes say so on screen.
		shown := browsertest.Eval[string](tab, `(function(){
			var s = `+segmentRows(asinA)+`[2].cells[2].querySelector('span');
			return s.getBoundingClientRect().width > 0 ? s.textContent : 'not visible: ' + s.textContent;
		})()`)
		if shown != "no data (comparison)" {
			t.Errorf("Q2 impressions change %q, want no data (comparison) on screen", shown)
		}
		if got := pageParam(t, tab, "open"); got != asinA+":quarterly" {
			t.Errorf("open = %q in the URL, want %s:quarterly", got, asinA)
		}
		// A reload renders the same quarters from the URL.
		tab.Reload()
		if got := segmentCount(tab, asinA); got != 3 {
			t.Errorf("%d quarterly rows after the reload, want 3", got)
		}
		noCSPViolations(t, tab)
		tab.Screenshot("dashboard-quarterly.png")
	})

	t.Run("collapse removes the rows", func(t *testing.T) {
		tab := d.tab(t, dashboard(weekly(asinA)))
		tab.Swap("collapse A", browsertest.Click(toggle(asinA)))
		wantSegments(t, tab, "after collapsing A", map[string]int{asinA: 0})
		if got := browsertest.Eval[string](tab, `document.querySelector('`+toggle(asinA)+`').getAttribute('aria-expanded')`); got != "false" {
			t.Errorf("aria-expanded %q", got)
		}
		if browsertest.Eval[bool](tab, `new URL(location.href).searchParams.has('open')`) {
			t.Errorf("the URL %s still records an expansion", browsertest.Eval[string](tab, "location.href"))
		}
		noCSPViolations(t, tab)
	})

	t.Run("reload restores expansions from the URL", func(t *testing.T) {
		tab := d.tab(t, dashboard(""))
		tab.Swap("expand A", browsertest.Click(toggle(asinA)))
		tab.Swap("expand B", browsertest.Click(toggle(asinB)))
		if got := pageParam(t, tab, "open"); got != weekly(asinA, asinB) {
			t.Fatalf("open = %q", got)
		}
		// A mark the reload must wipe out: the rows seen afterwards are the new document's.
		browsertest.Eval[bool](tab, `window.beforeReload = true`)
		tab.Reload()
		if browsertest.Eval[bool](tab, `window.beforeReload === true`) {
			t.Fatal("the page was not reloaded")
		}
		wantSegments(t, tab, "after the reload", map[string]int{asinA: 13, asinB: 8})
	})

	t.Run("product page and back keep the state", func(t *testing.T) {
		tab := d.tab(t, dashboard(weekly(asinA)))
		tab.Swap("expand B", browsertest.Click(toggle(asinB)))
		// The product link was rendered before B was expanded; it must carry both expansions.
		tab.Follow("open A's product page", browsertest.Click(`#p-`+asinA+` a[data-testid=product-link]`))
		if got := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid=product-title]').length`); got != 1 {
			t.Fatalf("%d product titles: not the product page", got)
		}
		if got := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid=trend-chart]').length`); got != 8 {
			t.Errorf("%d trend charts", got)
		}
		tab.Screenshot("product-page.png")
		tab.Follow("follow the breadcrumb back", browsertest.Click("[data-testid=breadcrumb-back]"))
		wantSegments(t, tab, "back by the breadcrumb", map[string]int{asinA: 13, asinB: 8})
		tab.Follow("open B's product page", browsertest.Click(`#p-`+asinB+` a[data-testid=product-link]`))
		if got := browsertest.Eval[string](tab, `location.pathname`); !strings.HasSuffix(got, "/products/"+asinB) {
			t.Fatalf("at %s, want B's product page", got)
		}
		tab.Back()
		wantSegments(t, tab, "back by the browser", map[string]int{asinA: 13, asinB: 8})
		noCSPViolations(t, tab)
	})

	t.Run("keyboard expands and keeps focus on the toggle", func(t *testing.T) {
		tab := d.tab(t, dashboard(""))
		tab.Swap("expand C by the Enter key", browsertest.Press(toggle(asinC), kb.Enter))
		wantSegments(t, tab, "after Enter", map[string]int{asinC: 13})
		if got := browsertest.Eval[string](tab, "document.activeElement && document.activeElement.id"); got != strings.TrimPrefix(toggle(asinC), "#") {
			t.Fatalf("focus on %q after the swap", got)
		}
		tab.Swap("collapse C by the space key", chromedp.KeyEvent(" "))
		wantSegments(t, tab, "after space", map[string]int{asinC: 0})
	})

	t.Run("back and forward undo and redo an expansion", func(t *testing.T) {
		tab := d.tab(t, dashboard(weekly(asinA)))
		tab.Swap("expand C", browsertest.Click(toggle(asinC)))
		// The expansion pushed a URL within the document: htmx restores the entries it pushed.
		tab.Await("go back", "htmx:historyRestore", chromedp.NavigateBack())
		wantSegments(t, tab, "after back", map[string]int{asinA: 13, asinC: 0})
		if got := pageParam(t, tab, "open"); got != weekly(asinA) {
			t.Errorf("open = %q after back, want %q", got, weekly(asinA))
		}
		tab.Await("go forward", "htmx:historyRestore", chromedp.NavigateForward())
		wantSegments(t, tab, "after forward", map[string]int{asinA: 13, asinC: 13})
		if got := pageParam(t, tab, "open"); got != weekly(asinA, asinC) {
			t.Errorf("open = %q after forward, want %q", got, weekly(asinA, asinC))
		}
		// The restored toggle works.
		tab.Swap("collapse C", browsertest.Click(toggle(asinC)))
		wantSegments(t, tab, "after collapsing the restored C", map[string]int{asinC: 0})
	})

	t.Run("a failed fetch shows an error row with a retry link", func(t *testing.T) {
		tab := d.tab(t, dashboard(weekly(asinB)))
		// Point B's monthly switch at an invalid segment type, as a broken server would answer.
		browsertest.Eval[bool](tab, `(function(){var el=document.querySelector('#segm-`+asinB+`');el.setAttribute('hx-get', el.getAttribute('hx-get').replace('type=monthly','type=daily'));htmx.process(el);return true})()`)
		tab.Await("switch B to an invalid type", "htmx:responseError", browsertest.Click("#segm-"+asinB))
		if msg := browsertest.Eval[string](tab, `(document.querySelector('#p-`+asinB+` tr[data-testid=error-row]') || {}).textContent || ''`); !strings.Contains(msg, `"type"`) {
			t.Errorf("error row %q does not name the parameter", msg)
		}
		if browsertest.Eval[string](tab, `(document.querySelector('#p-`+asinB+` [data-testid=retry]') || {href: ''}).getAttribute('href') || ''`) == "" {
			t.Error("no retry link, or one without href")
		}
		if got := browsertest.Eval[string](tab, `document.activeElement && document.activeElement.dataset.testid`); got != "retry" {
			t.Errorf("focus on %q, want the retry link", got)
		}
	})

	t.Run("sorting by htmx keeps the expansions, also those made since the page loaded", func(t *testing.T) {
		tab := d.tab(t, dashboard(weekly(asinA, asinB)))
		tab.Swap("expand C", browsertest.Click(toggle(asinC))) // the sort links were rendered before this expansion
		tab.Swap("sort by clicks", browsertest.Click(`th[data-sort-key=clicks] a`))
		if got := pageParam(t, tab, "sort"); got != "clicks" {
			t.Errorf("sort = %q in the URL", got)
		}
		if got := browsertest.Eval[string](tab, `document.querySelector('th[data-sort-key=clicks]').getAttribute('aria-sort')`); got != "descending" {
			t.Errorf("aria-sort %q", got)
		}
		wantSegments(t, tab, "after sorting", map[string]int{asinA: 13, asinB: 8, asinC: 13})
		if got := pageParam(t, tab, "open"); got != weekly(asinA, asinB, asinC) {
			t.Errorf("open = %q after sorting", got)
		}
	})

	t.Run("the settings form keeps the expansions", func(t *testing.T) {
		tab := d.tab(t, dashboard("", "sort", "clicks"))
		tab.Swap("expand A", browsertest.Click(toggle(asinA))) // the form was rendered before this expansion
		tab.Run("type a search", chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "garden"))
		tab.Follow("apply the settings", browsertest.Click(`form[data-testid=filters] button[type=submit]`))
		if got := pageParam(t, tab, "q"); got != "garden" {
			t.Errorf("q = %q after filtering", got)
		}
		if got := browsertest.Eval[int](tab, `document.querySelectorAll('tbody[data-asin]').length`); got != 1 {
			t.Errorf("%d products after filtering, want 1", got)
		}
		wantSegments(t, tab, "after filtering", map[string]int{asinA: 13})
		if got := pageParam(t, tab, "sort"); got != "clicks" {
			t.Errorf("sort = %q after filtering", got)
		}
	})
}
