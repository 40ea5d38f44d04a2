// Package browsertest gives tests a real browser: Debian's headless Chromium, driven through chromedp,
// one process per test with a fresh profile, and tabs that each live in their own browser context (their
// own cookies, storage, HTTP cache and history), so that no test or subtest sees another's state.
//
// Its waits follow what the page signals, never the clock:
//   - Open, Follow, Reload and Back return once the new document fired its load event. The page's
//     scripts are deferred, so by then they ran and htmx has processed the page (htmx does that on
//     DOMContentLoaded, which comes before load).
//   - Swap runs an action and returns once the htmx swap it caused has settled (htmx:afterSettle). htmx
//     processes swapped-in elements, and puts back their final attributes, only at settle time, a timer
//     after the swap: an element found right after the swap can still be inert, and a click on it is
//     lost. Await does the same for any other event (htmx:historyRestore after a back to a pushed URL,
//     htmx:responseError for a request meant to fail). The promise that waits is installed in the page
//     before the action runs, so the event cannot pass unseen.
//   - WaitFor waits, inside the page, for a condition that no event announces (the server's polling).
//
// Use it as:
//
//	b := browsertest.Start(t)
//	tab := b.NewTab(t)
//	tab.Open(url)
//	tab.Swap("expand A", browsertest.Click("#toggle-A"))
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's Chromium (apt-get install chromium); the tests never download a browser.
const ChromiumPath = "/usr/bin/chromium"

// timeout bounds every step so that a broken page fails the test instead of hanging it. No step waits
// for it to pass: each ends on the page's own signal, and a busy 2-core machine can take seconds to
// render a page.
const timeout = 90 * time.Second

// Viewport is the size of every tab's page, in CSS pixels.
const (
	ViewportWidth  = 1280
	ViewportHeight = 900
)

// pageWatch runs in every document a tab loads, before the page's own scripts: it records the page's
// Content-Security-Policy violations, so that a test can check that the page needs no inline script,
// inline style or eval.
const pageWatch = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) { window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI); });`

// Browser is one headless Chromium started for a test.
type Browser struct {
	ctx context.Context
}

// Start starts Chromium with a fresh profile and the flags a closed network needs (no background
// networking, component updates, sync or QUIC), and stops it when t ends. Without Chromium the test is
// skipped, except when CI is set: there a missing browser fails it.
func Start(t testing.TB) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Chromium is required under CI: %v (make deps-test installs it)", err)
		}
		t.Skipf("browser test skipped: %v (install Debian's chromium, or run make deps-test)", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Back and forward load the page, and fire the load event Back waits for: a page restored from the
		// back/forward cache fires none. Signed-in pages are no-store, which Chromium's cache keeps anyway
		// as long as no cookie changed since.
		chromedp.Flag("disable-features", "BackForwardCache"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(ViewportWidth, ViewportHeight),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser, which lives as long as the context of that run: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", ChromiumPath, err)
	}
	return &Browser{ctx: ctx}
}

// Tab is one page of the browser in a browser context of its own, reporting failures to its test.
type Tab struct {
	t   testing.TB
	ctx context.Context
}

// NewTab opens a tab, in its own window and its own browser context, for t (a test or subtest), and
// closes it when t ends. Every document the tab loads records its CSP violations (see CSPViolations).
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run creates the tab, which lives as long as the context of that run: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tab := &Tab{t: t, ctx: ctx}
	tab.Run("set up the tab",
		chromedp.EmulateViewport(ViewportWidth, ViewportHeight),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageWatch})
			return err
		}),
	)
	return tab
}

// Context is the tab's chromedp context, for what the methods here do not cover (listening to events,
// protocol calls). Actions run on it have no timeout of their own.
func (tab *Tab) Context() context.Context { return tab.ctx }

// Run runs actions in the tab, failing the test with what it was doing when one fails.
func (tab *Tab) Run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.t.Fatalf("%s: %v%s", what, err, tab.where())
	}
}

// where names the page the tab shows, for failure messages.
func (tab *Tab) where() string {
	ctx, cancel := context.WithTimeout(tab.ctx, 10*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return " (page at " + loc + ")"
}

// SetCookie gives the tab's browser context the cookie c for the site at baseURL.
func (tab *Tab) SetCookie(baseURL string, c *http.Cookie) {
	tab.t.Helper()
	tab.Run("set cookie "+c.Name, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: c.Name, Value: c.Value, URL: baseURL, Path: "/", HTTPOnly: &c.HttpOnly,
		})
		return err
	}))
}

// Open loads url and returns once the page fired its load event.
func (tab *Tab) Open(url string) {
	tab.t.Helper()
	tab.Run("open "+url, chromedp.Navigate(url))
}

// Reload reloads the page and returns once the new document fired its load event.
func (tab *Tab) Reload() {
	tab.t.Helper()
	tab.Run("reload", chromedp.Reload())
}

// Back goes back to the previous document of the tab's history and returns once it fired its load
// event. For an entry htmx pushed within the same document, use Await with "htmx:historyRestore".
func (tab *Tab) Back() {
	tab.t.Helper()
	tab.Run("go back", chromedp.NavigateBack())
}

// Follow runs an action that loads another document (a click on a link, a form submission) and returns
// once that document, after any redirects, fired its load event. It returns the document's response.
func (tab *Tab) Follow(what string, action chromedp.Action[chromedp.Void]) *network.Response {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, timeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		tab.t.Fatalf("%s: %v%s", what, err, tab.where())
	}
	return res
}

// Swap runs an action that makes htmx swap content (a click on an hx-get button, a key press, a form
// htmx posts) and returns once that swap has settled: the new elements are processed and carry their
// final attributes. An htmx error event on the way fails the test.
func (tab *Tab) Swap(what string, action chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	tab.Await(what, "htmx:afterSettle", action)
}

// htmxFailures are the htmx events that mean a request or a swap went wrong.
var htmxFailures = []string{
	"htmx:responseError", "htmx:sendError", "htmx:swapError", "htmx:onLoadError", "htmx:targetError",
	"htmx:timeout", "htmx:historyCacheMissLoadError",
}

// Await runs action and returns once the document sees event (htmx's events bubble up to it). It
// installs the promise that waits for the event in the page before the action runs, so the event cannot
// come too early to be seen. Any other htmx failure event fails the test.
func (tab *Tab) Await(what, event string, action chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	want, _ := json.Marshal(event)
	failures, _ := json.Marshal(htmxFailures)
	install := fmt.Sprintf(`(function (want, failures) {
  function describe(e) {
    var d = e.detail || {};
    if (d.xhr) { return d.xhr.status + ' ' + (d.pathInfo && d.pathInfo.requestPath || d.xhr.responseURL); }
    return d.path || '';
  }
  window.browsertestAwait = new Promise(function (resolve, reject) {
    var handlers = [];
    function listen(name, fn) { document.addEventListener(name, fn); handlers.push([name, fn]); }
    function done() { handlers.forEach(function (h) { document.removeEventListener(h[0], h[1]); }); }
    listen(want, function (e) { done(); resolve(want + ' ' + describe(e)); });
    failures.filter(function (name) { return name !== want; }).forEach(function (name) {
      listen(name, function (e) { done(); reject(new Error(name + ' ' + describe(e))); });
    });
  });
  return true;
})(%s, %s)`, want, failures)
	tab.Run(what,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](install)(ctx, tg)
			return err
		}),
		action,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[string](`window.browsertestAwait`, chromedp.EvalAwaitPromise)(ctx, tg)
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", event, err)
			}
			return nil
		}),
	)
}

// WaitFor waits, inside the page, until the JavaScript expression cond is true. Use it for state that
// no event announces, such as what the server's polling brings; it must not span a page load.
//
// The wait is a promise evaluated in the page's current document (Runtime.evaluate picks the main world
// itself). chromedp's Poll would name the execution context it last heard of, which right after a load
// can still be the previous document's: "Cannot find context with specified id" (seen under load).
func (tab *Tab) WaitFor(what, cond string) {
	tab.t.Helper()
	wait := fmt.Sprintf(`new Promise(function (resolve, reject) {
  var deadline = Date.now() + %d;
  (function check() {
    var ok;
    try { ok = !!(%s); } catch (e) { reject(e); return; }
    if (ok) { resolve(true); return; }
    if (Date.now() > deadline) { reject(new Error('still false')); return; }
    setTimeout(check, 10);
  })();
})`, timeout.Milliseconds(), cond)
	tab.Run("wait for "+what, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](wait, chromedp.EvalAwaitPromise)(ctx, tg)
		if err != nil {
			return fmt.Errorf("%s: %w", cond, err)
		}
		return nil
	}))
}

// Eval evaluates a JavaScript expression in the tab's page and returns its value.
func Eval[T any](tab *Tab, expr string) T {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tab.t.Fatalf("evaluate %s: %v%s", expr, err, tab.where())
	}
	return v
}

// CSPViolations are the Content-Security-Policy violations the current document reported so far.
func (tab *Tab) CSPViolations() []string {
	tab.t.Helper()
	return Eval[[]string](tab, `window.cspViolations`)
}

// Screenshot saves a full-page PNG as testdata/screenshots/name (git-ignored) for a person to look at.
func (tab *Tab) Screenshot(name string) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		tab.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		tab.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o600); err != nil {
		tab.t.Fatal(err)
	}
}

// clickPoint is where Click presses the mouse, or why it cannot.
type clickPoint struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Error string  `json:"error"`
}

// findClickPoint scrolls the element to the middle of its scroll containers and the viewport, and
// returns its centre if a click there reaches it: sticky table headers and columns must not cover it.
const findClickPoint = `(function (sel) {
  function name(el) {
    if (!el) { return 'nothing'; }
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  }
  var el = document.querySelector(sel);
  if (!el) { return {error: 'no element matches ' + sel}; }
  el.scrollIntoView({block: 'center', inline: 'center'});
  var r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) { return {error: sel + ' is not rendered'}; }
  var x = r.left + r.width / 2, y = r.top + r.height / 2;
  var hit = document.elementFromPoint(x, y);
  if (!hit || !(hit === el || el.contains(hit))) { return {error: sel + ' is covered by ' + name(hit)}; }
  return {x: x, y: y};
})(%s)`

// Click clicks the element sel matches with the mouse, as a person would: it scrolls it into the middle
// of the view and presses at its centre, after checking that nothing covers that point. The element must
// be there already: wait for the signal that brings it first.
func Click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		arg, _ := json.Marshal(sel)
		p, err := chromedp.Evaluate[clickPoint](fmt.Sprintf(findClickPoint, arg))(ctx, tg)
		if err != nil {
			return fmt.Errorf("click %s: %w", sel, err)
		}
		if p.Error != "" {
			return fmt.Errorf("click: %s", p.Error)
		}
		_, err = chromedp.MouseClickXY(p.X, p.Y)(ctx, tg)
		return err
	})
}

// Press focuses the element sel matches and presses key (a character, or a kb constant such as kb.Enter)
// on it.
func Press(sel, key string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(key))
}
