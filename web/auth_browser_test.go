package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/account"
)

// cspWatch records Content-Security-Policy violations in every page the browser opens: the page's own
// markup must not need inline scripts, inline styles or eval.
const cspWatch = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`

func TestSignInAndOutInBrowser(t *testing.T) {
	f := newAccessFixture(t)
	email := f.sessions.User(account.RoleManager, f.own.id)
	ts := httptest.NewServer(f.srv.Handler())
	t.Cleanup(ts.Close)
	browser := newBrowser(t)
	if _, err := chromedp.Call(browser, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		t.Fatal(err)
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	brandPage := ts.URL + "/brands/" + f.own.id
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(browser, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	violations := func() []string {
		t.Helper()
		v, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`window.cspViolations`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	do("open a brand page signed out", chromedp.Navigate(brandPage), chromedp.WaitVisible(css(`#login-email`)))
	if loc := location(); !strings.HasPrefix(loc, ts.URL+"/login?next=") {
		t.Errorf("signed out, the brand page went to %s, want the login page", loc)
	}
	do("sign in with a wrong password",
		chromedp.SendKeys(css(`#login-email`), email),
		chromedp.SendKeys(css(`#login-password`), "not the password"),
		chromedp.Submit(css(`#login-password`)),
		chromedp.WaitVisible(css(`[data-testid="login-error"]`)),
	)
	do("sign in",
		chromedp.SendKeys(css(`#login-password`), testPassword),
		chromedp.Submit(css(`#login-password`)),
		chromedp.WaitVisible(css(`[data-testid="account"]`)),
	)
	if loc := location(); loc != brandPage {
		t.Errorf("after signing in the browser is at %s, want back at %s", loc, brandPage)
	}
	menu, err := chromedp.Run(browser, chromedp.Text(css(`[data-testid="account"]`)))
	if err != nil || !strings.Contains(menu, email) {
		t.Errorf("account menu %q (%v), want %s", menu, err, email)
	}
	if v := violations(); len(v) > 0 {
		t.Errorf("the brand page breaks its Content-Security-Policy: %q", v)
	}
	do("sign out", chromedp.Click(css(`[data-testid="account"] button`)), chromedp.WaitVisible(css(`#login-email`)))
	do("open the brand page again", chromedp.Navigate(brandPage), chromedp.WaitVisible(css(`#login-email`)))
	if loc := location(); !strings.HasPrefix(loc, ts.URL+"/login") {
		t.Errorf("after signing out the brand page went to %s, want the login page", loc)
	}
	if v := violations(); len(v) > 0 {
		t.Errorf("the login page breaks its Content-Security-Policy: %q", v)
	}
	// Control: the watcher does see a violation, here an inline handler the policy blocks.
	if _, err := chromedp.Run(browser, chromedp.Evaluate[bool](
		`document.body.insertAdjacentHTML('beforeend', '<img src="/missing.png" onerror="window.ran = true">'), true`)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.cspViolations.length > 0 && !window.ran`)); err != nil {
		t.Errorf("an injected inline handler was not reported as a violation (or ran): %v", err)
	}
}
