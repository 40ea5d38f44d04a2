package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/browsertest"
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
	cookie.HttpOnly = true // as the server sets it: injected script must not read it
	ts := httptest.NewServer(newTestServer(t, db, sessions).Handler())
	t.Cleanup(ts.Close)

	b := browsertest.Start(t)
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"dashboard with the product expanded", "/brands/" + brandID + "?open=" + xssASIN, []string{xssBrand, xssTitle, xssQuery}},
		{"product page", "/brands/" + brandID + "/products/" + xssASIN, []string{xssTitle, xssQuery}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := b.NewTab(t)
			var (
				mu      sync.Mutex
				dialogs []string
			)
			err := chromedp.Listen(tab.Context(), func(ev any) {
				if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
					mu.Lock()
					dialogs = append(dialogs, e.Message)
					mu.Unlock()
					// Close it from another goroutine: a listener must not run commands. A dialog left open shows as
					// the page not loading, which Open reports.
					go func() {
						_, _ = chromedp.Call(tab.Context(), page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
					}()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			tab.SetCookie(ts.URL, cookie)
			// The page loads no fragment by itself: once its load event fired, it shows what it will show.
			tab.Open(ts.URL + tc.path)
			text := browsertest.Eval[string](tab, `document.body.innerText`)
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not show %q literally; its text:\n%s", want, text)
				}
			}
			// Markup that escaped its text would also trip the Content-Security-Policy.
			if v := tab.CSPViolations(); len(v) > 0 {
				t.Errorf("Content-Security-Policy violations %q", v)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(dialogs) > 0 {
				t.Errorf("injected script ran: dialogs %q", dialogs)
			}
		})
	}
}
