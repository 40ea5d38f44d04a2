package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/views"
)

// TestAccessibility runs axe-core (WCAG 2.1 A and AA rules) on every page of the dashboard, and again
// after each htmx swap that changes what a page shows: no serious or critical violation may remain. One
// browser serves every subtest; each subtest has its own tab.
func TestAccessibility(t *testing.T) {
	f := newFixture(t)
	d := startDashBrowser(t, f)

	// The admin pages need the refresher and the importer: the upload fixture has them. Its history gets
	// more runs than one page shows, so that the pager is there.
	u := newUploadFixture(t, 0)
	for range historyPageSize + 1 {
		if _, err := u.db.RefreshSegments(context.Background(), refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	usrv := httptest.NewServer(u.srv.Handler())
	t.Cleanup(usrv.Close)
	admin := &dashBrowser{browser: d.browser, url: usrv.URL, cookie: u.admin}
	// The brand terms page is on when the server has a store for them.
	termsSrv, err := New(Options{Brands: u.db, Products: u.db, Segments: u.db, Queries: u.db, BrandTerms: u.db, Auth: u.sessions.Options()})
	if err != nil {
		t.Fatal(err)
	}
	tsrv := httptest.NewServer(termsSrv.testHandler())
	t.Cleanup(tsrv.Close)
	termsAdmin := &dashBrowser{browser: d.browser, url: tsrv.URL, cookie: u.admin}

	t.Run("login page", func(t *testing.T) {
		tab := d.browser.NewTab(t)
		tab.Open(d.url + "/login")
		wantOn(t, tab, "#login-email")
		checkPage(tab, "the login page")
	})

	t.Run("glossary", func(t *testing.T) {
		tab := d.tab(t, views.GlossaryPath)
		wantOn(t, tab, "[data-testid=glossary]")
		checkPage(tab, "the glossary")
	})

	t.Run("brand page, and a product expanded to weekly, monthly and quarterly rows", func(t *testing.T) {
		tab := d.tab(t, f.dashboardPath(""))
		wantOn(t, tab, "#product-table")
		checkPage(tab, "the brand page")
		chartsHaveTextAlternatives(t, tab)
		tab.Swap("expand A", browsertest.Click("#toggle-"+asinA))
		wantSegments(t, tab, "after expanding A", map[string]int{asinA: 13})
		tab.CheckAccessibility("A's weekly rows", "#p-"+asinA)
		tab.Swap("switch A to monthly", browsertest.Click("#segm-"+asinA))
		if n := segmentCount(tab, asinA); n != 3 {
			t.Errorf("%d monthly rows, want 3", n)
		}
		tab.CheckAccessibility("A's monthly rows", "#p-"+asinA)
		tab.Swap("switch A to quarterly", browsertest.Click("#segq-"+asinA))
		tab.CheckAccessibility("A's quarterly rows", "#p-"+asinA)
	})

	// The query page is checked by TestBrowserQueryPage, on its own fixture, with checkPage.

	t.Run("query view, and a query expanded to the brand's ASINs", func(t *testing.T) {
		tab := d.tab(t, f.queriesPath(""))
		wantOn(t, tab, "[data-testid=query-view-title]")
		checkPage(tab, "the query view")
		row := "#" + views.QueryRowID("filler")
		tab.Swap("expand filler", browsertest.Click("#toggle-"+views.QueryRowID("filler")))
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('`+row+` tr[data-testid=query-asin]').length`); n != fillers {
			t.Errorf("%d ASIN rows under filler, want %d", n, fillers)
		}
		tab.CheckAccessibility("filler's market figures and ASINs", row)
	})

	t.Run("product page", func(t *testing.T) {
		tab := d.tab(t, "/brands/"+f.brandID+"/products/"+asinA)
		wantOn(t, tab, "[data-testid=product-title]")
		checkPage(tab, "the product page")
		if n := chartsHaveTextAlternatives(t, tab); n < 8 {
			t.Errorf("%d charts with a text alternative, want the 8 trend charts", n)
		}
	})

	t.Run("admin page and an older page of its history", func(t *testing.T) {
		tab := admin.tab(t, "/admin")
		wantOn(t, tab, "#refresh-history")
		checkPage(tab, "the admin page")
		tab.Swap("show older refreshes", browsertest.Click(`[data-testid="history-older"]`))
		tab.CheckAccessibility("the admin page's older refreshes", "#refresh-history")
	})

	t.Run("brand terms page, and terms it refuses", func(t *testing.T) {
		tab := termsAdmin.tab(t, "/admin/brands")
		form := `[data-testid="brand-terms"]`
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('`+form+` textarea').length`); n != 1 {
			t.Fatalf("%d brand terms forms, want acme's", n)
		}
		checkPage(tab, "the brand terms page")
		browsertest.Eval[bool](tab, `document.querySelector('`+form+` textarea').value = 'acme\n---', true`)
		tab.Follow("save the terms", browsertest.Click(form+` [data-testid="brand-terms-save"]`))
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('`+form+` [data-testid="brand-terms-error"]').length`); n != 1 {
			t.Fatalf("%d errors shown next to the refused terms, want 1", n)
		}
		tab.CheckAccessibility("the refused terms", form)
	})

	t.Run("upload result", func(t *testing.T) {
		report := filepath.Join(t.TempDir(), "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme.csv")
		if err := os.WriteFile(report, []byte(sellerCentralCSV(uploadASIN, uploadWeek, goodRows)), 0o644); err != nil {
			t.Fatal(err)
		}
		tab := admin.tab(t, "/admin")
		tab.Run("choose the report", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="import-files"]`), []string{report}))
		tab.Swap("upload", browsertest.Click(`[data-testid="import-submit"]`))
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid="import-file"]').length`); n != 1 {
			t.Fatalf("the upload result lists %d files, want 1", n)
		}
		tab.CheckAccessibility("the upload result", "#import-panel")
	})

	t.Run("not found pages", func(t *testing.T) {
		for _, path := range []string{"/no-such-page", "/brands/" + f.brandID + "/products/B0NOTHERE0"} {
			tab := d.tab(t, path)
			if got := browsertest.Eval[string](tab, `(document.querySelector('[data-testid=error]') || {dataset: {}}).dataset.status || ''`); got != "404" {
				t.Errorf("%s shows status %q, want the 404 page", path, got)
			}
			checkPage(tab, "the 404 page of "+path)
		}
	})
}

// checkPage opens every <details> of the page, so that what they fold away is checked too (axe-core
// passes over what is not rendered), and runs axe-core on the whole page, at the tab's laptop width and
// again at a phone's: there tables scroll in their regions, which keyboard users must be able to reach
// (scrollable-region-focusable), and the layout changes. The tab stays at the phone's width.
func checkPage(tab *browsertest.Tab, what string) {
	browsertest.Eval[bool](tab, `document.querySelectorAll('details').forEach(function (d) { d.open = true; }), true`)
	tab.CheckAccessibility(what)
	tab.Run("narrow the view to a phone's", chromedp.EmulateViewport(390, 844))
	tab.CheckAccessibility(what + " at 390 px")
}

// svgWithoutText lists the SVG elements of the page that neither are hidden from assistive technology
// (aria-hidden, for decoration such as the funnel bars) nor are an image (role="img") with an accessible
// name; and counts those that are. axe-core checks the names of role="img" SVGs but passes over an SVG
// without a role, which a screen reader may read as a jumble of tick labels.
const svgWithoutText = `(function () {
  var bad = [], named = 0;
  document.querySelectorAll('svg').forEach(function (svg) {
    if (svg.closest('[aria-hidden="true"]')) { return; }
    var name = (svg.getAttribute('aria-label') || '').trim();
    var by = svg.getAttribute('aria-labelledby');
    if (!name && by) { name = by.split(/\s+/).map(function (id) { var el = document.getElementById(id); return el ? el.textContent : ''; }).join(' ').trim(); }
    if (svg.getAttribute('role') === 'img' && name) { named++; return; }
    bad.push(svg.outerHTML.slice(0, 200));
  });
  return {bad: bad, named: named};
})()`

// chartsHaveTextAlternatives fails the test for every SVG that svgWithoutText finds, and returns the
// number of SVG images with a text alternative.
func chartsHaveTextAlternatives(t *testing.T, tab *browsertest.Tab) int {
	t.Helper()
	got := browsertest.Eval[struct {
		Bad   []string `json:"bad"`
		Named int      `json:"named"`
	}](tab, svgWithoutText)
	for _, svg := range got.Bad {
		t.Errorf("an SVG neither hidden (aria-hidden) nor an image with a name (role=img, aria-label): %s", svg)
	}
	return got.Named
}

// wantOn fails the test unless the page has exactly one element sel matches: the page under check is the
// one meant, not an error page in its place.
func wantOn(t *testing.T, tab *browsertest.Tab, sel string) {
	t.Helper()
	if n := browsertest.Eval[int](tab, `document.querySelectorAll('`+sel+`').length`); n != 1 {
		t.Fatalf("%d elements match %s at %s, want 1", n, sel, browsertest.Eval[string](tab, "location.href"))
	}
}
