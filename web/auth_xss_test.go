package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// Hostile data as an importer could store it: markup, attribute breakouts and SQL in every text field
// the pages show.
const (
	xssBrand = `<script>alert("brand")</script> Acme'; DROP TABLE public.brands; --`
	xssTitle = `"><img src=x onerror=alert("title")> Anvil`
	xssQuery = `anvil' OR 1=1; -- <script>alert("query")</script>`
	xssASIN  = "B0XSS00001"
)

// chromium is Debian's browser; the test is skipped where it is not installed.
const chromium = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile, with the flags this machine's closed
// network needs, and closes it when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no browser: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

func TestHostileTextRendersAsText(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	loadBrands(t, db, []brandData{{name: xssBrand, products: []productData{{asin: xssASIN, title: xssTitle, queries: []string{xssQuery}}}}})
	brandID := brandIDByName(t, db, xssBrand)
	sessions := newTestSessions(t, db)
	cookie := sessions.Cookie(account.RoleManager, brandID)
	ts := httptest.NewServer(newTestServer(t, db, sessions).Handler())
	t.Cleanup(ts.Close)
	host, _ := url.Parse(ts.URL)

	browser := newBrowser(t)
	var (
		mu      sync.Mutex
		dialogs []string
	)
	err = chromedp.Listen(browser, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, e.Message)
			mu.Unlock()
			// Close it from another goroutine: a listener must not run commands. A dialog left open shows as
			// the page not loading, which the waits below report.
			go func() {
				_, _ = chromedp.Call(browser, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(browser, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		t.Fatal(err)
	}
	httpOnly := true
	if _, err := chromedp.Call(browser, network.SetCookie, network.SetCookieParams{
		Name: sessionCookieName, Value: cookie.Value, Domain: host.Hostname(), Path: "/", HTTPOnly: &httpOnly,
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"dashboard with the product expanded", "/brands/" + brandID + "?open=" + xssASIN, []string{xssBrand, xssTitle, xssQuery}},
		{"product page", "/brands/" + brandID + "/products/" + xssASIN, []string{xssTitle, xssQuery}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := chromedp.Do(browser,
				chromedp.Navigate(ts.URL+tc.path),
				chromedp.WaitReady(chromedp.CSS("body")),
				chromedp.Sleep(500*time.Millisecond), // let htmx finish its requests
			)
			if err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS("body")))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not show %q literally; its text:\n%s", want, text)
				}
			}
			// Markup that escaped its text would also trip the Content-Security-Policy.
			violations, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`window.cspViolations`))
			if err != nil || len(violations) > 0 {
				t.Errorf("Content-Security-Policy violations %q (%v)", violations, err)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("injected script ran: dialogs %q", dialogs)
	}
}
