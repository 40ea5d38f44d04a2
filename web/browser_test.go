package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath is Debian's Chromium; the tests never download a browser.
const chromiumPath = "/usr/bin/chromium"

// dashBrowser is a headless Chromium signed in to a test server.
type dashBrowser struct {
	t   *testing.T
	ctx context.Context
	url string // the server's base URL
}

// startDashBrowser starts Chromium against f's handler. Without Chromium the test is skipped, unless CI is set:
// there a missing browser is a failure.
func startDashBrowser(t *testing.T, f *fixture) *dashBrowser {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is required under CI: %s not found (make deps-test installs it)", chromiumPath)
		}
		t.Skipf("browser test skipped: %s not found (install Debian's chromium, or run make deps-test)", chromiumPath)
	}
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Back and forward must load the page as chromedp.NavigateBack expects (it waits for a load
		// event): a page restored from the back/forward cache fires none. Signed-in pages are no-store,
		// which Chromium's cache keeps anyway as long as no cookie changed since.
		chromedp.Flag("disable-features", "BackForwardCache"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &dashBrowser{t: t, ctx: ctx, url: srv.URL}
	setCookie := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: f.cookie.Name, Value: f.cookie.Value, URL: srv.URL})
		return chromedp.Void{}, err
	})
	// The first action starts the browser, which lives as long as that call's context: no timeout here.
	if err := chromedp.Do(ctx, setCookie); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

// with returns the browser reporting failures to t, a subtest.
func (b *dashBrowser) with(t *testing.T) *dashBrowser {
	c := *b
	c.t = t
	return &c
}

func (b *dashBrowser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// evalIn evaluates a JavaScript expression in the page.
func evalIn[T any](b *dashBrowser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func (b *dashBrowser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if evalIn[bool](b, "!!("+cond+")") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for %s (%s); page at %s", what, cond, evalIn[string](b, "location.href"))
}

func (b *dashBrowser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.url + path))
}

func (b *dashBrowser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

func (b *dashBrowser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// openParam is the "open" parameter of the page's URL.
func (b *dashBrowser) openParam() string {
	b.t.Helper()
	u, err := url.Parse(evalIn[string](b, "location.href"))
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Query().Get("open")
}

func segmentRows(asin string) string {
	return fmt.Sprintf(`document.querySelectorAll('#p-%s tr[data-testid=segment-row]')`, asin)
}

func TestBrowserExpansion(t *testing.T) {
	f := newFixture(t)
	b := startDashBrowser(t, f)
	toggleA := "#toggle-" + asinA
	b.open(f.dashboardPath(""))
	b.waitFor("the product table", "document.querySelector('"+toggleA+"')")
	// The server sends a strict Content-Security-Policy: htmx and app.js must work without violating it.
	evalIn[bool](b, `(function(){window.cspViolations=[];document.addEventListener('securitypolicyviolation',function(e){window.cspViolations.push(e.violatedDirective+' '+e.blockedURI)});return true})()`)

	t.Run("expand shows the weekly rows under the product and records them in the URL", func(t *testing.T) {
		b := b.with(t)
		b.click(toggleA)
		b.waitFor("weekly rows", segmentRows(asinA)+".length === 13")
		if got := evalIn[string](b, `document.querySelector('`+toggleA+`').getAttribute('aria-expanded')`); got != "true" {
			t.Errorf("aria-expanded %q", got)
		}
		// The rows sit right under the product row.
		if next := evalIn[string](b, `document.querySelector('#p-`+asinA+` tr.product-row').nextElementSibling.dataset.testid`); next != "segment-controls" {
			t.Errorf("row after the product row: %q", next)
		}
		w0 := expected(asinA, weekStart(0), lastWeekEnd)
		newest := segmentRows(asinA) + "[12]"
		if got := evalIn[string](b, newest+`.querySelector('[data-testid=segment-label]').textContent`); got != "Oct 20 – Oct 26, 2024" {
			t.Errorf("newest label %q", got)
		}
		if got := evalIn[string](b, newest+`.querySelector('td[data-metric=impressions] .value').textContent`); got != thousands(w0.impr) {
			t.Errorf("newest impressions %q, want %q", got, thousands(w0.impr))
		}
		b.waitFor("the URL to record the expansion", `new URL(location.href).searchParams.get('open') === '`+asinA+`:weekly'`)
		b.screenshot("dashboard-expanded.png")
	})

	t.Run("monthly switch re-fetches", func(t *testing.T) {
		b := b.with(t)
		b.click("#segm-" + asinA)
		b.waitFor("monthly rows", segmentRows(asinA)+".length === 2 && "+segmentRows(asinA)+"[0].dataset.type === 'monthly'")
		if got := evalIn[string](b, segmentRows(asinA)+`[0].querySelector('[data-testid=segment-label]').textContent`); got != "August 2024" {
			t.Errorf("first month %q", got)
		}
		b.waitFor("the URL to record monthly", `new URL(location.href).searchParams.get('open') === '`+asinA+`:monthly'`)
	})

	t.Run("collapse removes the rows", func(t *testing.T) {
		b := b.with(t)
		b.click(toggleA)
		b.waitFor("collapsed", segmentRows(asinA)+".length === 0 && document.querySelector('"+toggleA+"').getAttribute('aria-expanded') === 'false'")
		b.waitFor("the URL to forget the expansion", `!new URL(location.href).searchParams.has('open')`)
		if v := evalIn[[]string](b, `window.cspViolations`); len(v) > 0 {
			t.Errorf("Content-Security-Policy violations: %v", v)
		}
	})

	t.Run("reload restores expansions from the URL", func(t *testing.T) {
		b := b.with(t)
		b.click(toggleA)
		b.waitFor("weekly rows", segmentRows(asinA)+".length === 13")
		b.click("#toggle-" + asinB)
		b.waitFor("B's rows", segmentRows(asinB)+".length === 8")
		if got := b.openParam(); got != asinA+":weekly,"+asinB+":weekly" {
			t.Fatalf("open = %q", got)
		}
		b.do(chromedp.Reload())
		b.waitFor("restored rows", segmentRows(asinA)+".length === 13 && "+segmentRows(asinB)+".length === 8")
	})

	t.Run("product page and back keep the state", func(t *testing.T) {
		b := b.with(t)
		// The product link was rendered before B was expanded; it must carry both expansions.
		b.click(`#p-` + asinA + ` a[data-testid=product-link]`)
		b.waitFor("the product page", "document.querySelector('[data-testid=product-title]')")
		if got := evalIn[int](b, `document.querySelectorAll('[data-testid=trend-chart]').length`); got != 8 {
			t.Errorf("%d trend charts", got)
		}
		b.screenshot("product-page.png")
		b.click("[data-testid=breadcrumb-back]")
		b.waitFor("the dashboard with both expansions", segmentRows(asinA)+".length === 13 && "+segmentRows(asinB)+".length === 8")
		b.click(`#p-` + asinB + ` a[data-testid=product-link]`)
		b.waitFor("the product page of B", "document.querySelector('[data-testid=product-title]')")
		b.do(chromedp.NavigateBack())
		b.waitFor("back on the dashboard with both expansions", segmentRows(asinA)+".length === 13 && "+segmentRows(asinB)+".length === 8")
	})

	t.Run("keyboard expands and keeps focus on the toggle", func(t *testing.T) {
		b := b.with(t)
		toggleC := "#toggle-" + asinC
		b.do(chromedp.Focus(chromedp.CSS(toggleC)), chromedp.KeyEvent(kb.Enter))
		b.waitFor("C's rows", segmentRows(asinC)+".length === 13")
		if got := evalIn[string](b, "document.activeElement && document.activeElement.id"); got != strings.TrimPrefix(toggleC, "#") {
			t.Errorf("focus on %q after the swap", got)
		}
		b.do(chromedp.KeyEvent(" "))
		b.waitFor("C collapsed by the space key", segmentRows(asinC)+".length === 0")
	})

	t.Run("back and forward undo and redo an expansion", func(t *testing.T) {
		b := b.with(t)
		b.click("#toggle-" + asinC)
		b.waitFor("C's rows", segmentRows(asinC)+".length === 13")
		b.do(chromedp.NavigateBack())
		b.waitFor("C collapsed again", segmentRows(asinC)+".length === 0 && !(new URL(location.href).searchParams.get('open') || '').includes('"+asinC+"')")
		if segs := evalIn[int](b, segmentRows(asinA)+".length"); segs != 13 {
			t.Errorf("A has %d rows after back, want 13", segs)
		}
		b.do(chromedp.NavigateForward())
		b.waitFor("C expanded again", segmentRows(asinC)+".length === 13 && new URL(location.href).searchParams.get('open').includes('"+asinC+"')")
		b.click("#toggle-" + asinC)
		b.waitFor("C collapsed", segmentRows(asinC)+".length === 0")
	})

	t.Run("a failed fetch shows an error row with a retry link", func(t *testing.T) {
		b := b.with(t)
		// Point B's monthly switch at an invalid segment type, as a broken server would answer.
		evalIn[bool](b, `(function(){var el=document.querySelector('#segm-`+asinB+`');el.setAttribute('hx-get', el.getAttribute('hx-get').replace('type=monthly','type=daily'));htmx.process(el);return true})()`)
		b.click("#segm-" + asinB)
		b.waitFor("the error row", "document.querySelector('#p-"+asinB+" tr[data-testid=error-row]')")
		if msg := evalIn[string](b, `document.querySelector('#p-`+asinB+` tr[data-testid=error-row]').textContent`); !strings.Contains(msg, `"type"`) {
			t.Errorf("error row %q does not name the parameter", msg)
		}
		if evalIn[string](b, `document.querySelector('#p-`+asinB+` [data-testid=retry]').getAttribute('href')`) == "" {
			t.Error("retry link without href")
		}
	})

	t.Run("sorting by htmx keeps the expansions, also those made since the page loaded", func(t *testing.T) {
		b := b.with(t)
		b.click("#toggle-" + asinC) // the sort links were rendered before this expansion
		b.waitFor("C's rows", segmentRows(asinC)+".length === 13")
		b.click(`th[data-sort-key=clicks] a`)
		b.waitFor("the sorted table", `new URL(location.href).searchParams.get('sort') === 'clicks' && document.querySelector('th[data-sort-key=clicks]').getAttribute('aria-sort') === 'descending'`)
		b.waitFor("expansions after sorting", segmentRows(asinA)+".length === 13 && "+segmentRows(asinB)+".length === 8 && "+segmentRows(asinC)+".length === 13")
		if got := b.openParam(); got != asinA+":weekly,"+asinB+":weekly,"+asinC+":weekly" {
			t.Errorf("open = %q after sorting", got)
		}
	})

	t.Run("the settings form keeps the expansions", func(t *testing.T) {
		b := b.with(t)
		b.do(chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "garden"), chromedp.Click(chromedp.CSS(`form[data-testid=filters] button[type=submit]`)))
		b.waitFor("the filtered table", `new URL(location.href).searchParams.get('q') === 'garden' && document.querySelectorAll('tbody[data-asin]').length === 1`)
		b.waitFor("A still expanded", segmentRows(asinA)+".length === 13")
		if got := evalIn[string](b, `new URL(location.href).searchParams.get('sort')`); got != "clicks" {
			t.Errorf("sort = %q after filtering", got)
		}
	})
}
