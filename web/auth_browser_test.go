package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/browsertest"
)

func TestSignInAndOutInBrowser(t *testing.T) {
	f := newAccessFixture(t)
	email := f.sessions.User(account.RoleManager, f.own.id)
	ts := httptest.NewServer(f.srv.Handler())
	t.Cleanup(ts.Close)
	tab := browsertest.Start(t).NewTab(t)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	brandPage := ts.URL + "/brands/" + f.own.id
	location := func() string { return browsertest.Eval[string](tab, `location.href`) }

	tab.Open(brandPage)
	if loc := location(); !strings.HasPrefix(loc, ts.URL+"/login?next=") {
		t.Errorf("signed out, the brand page went to %s, want the login page", loc)
	}
	tab.Run("fill in a wrong password",
		chromedp.SendKeys(css(`#login-email`), email),
		chromedp.SendKeys(css(`#login-password`), "not the password"),
	)
	tab.Follow("sign in with a wrong password", chromedp.Submit(css(`#login-password`)))
	if n := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid="login-error"]').length`); n != 1 {
		t.Fatalf("%d login errors shown after a wrong password, want 1", n)
	}
	tab.Run("fill in the password", chromedp.SendKeys(css(`#login-password`), testPassword))
	tab.Follow("sign in", chromedp.Submit(css(`#login-password`)))
	if loc := location(); loc != brandPage {
		t.Errorf("after signing in the browser is at %s, want back at %s", loc, brandPage)
	}
	if menu := browsertest.Eval[string](tab, `(document.querySelector('[data-testid="account"]') || {}).textContent || ''`); !strings.Contains(menu, email) {
		t.Errorf("account menu %q, want %s", menu, email)
	}
	if v := tab.CSPViolations(); len(v) > 0 {
		t.Errorf("the brand page breaks its Content-Security-Policy: %q", v)
	}
	tab.Follow("sign out", browsertest.Click(`[data-testid="account"] button`))
	tab.Open(brandPage)
	if loc := location(); !strings.HasPrefix(loc, ts.URL+"/login") {
		t.Errorf("after signing out the brand page went to %s, want the login page", loc)
	}
	if v := tab.CSPViolations(); len(v) > 0 {
		t.Errorf("the login page breaks its Content-Security-Policy: %q", v)
	}
	// Control: the watcher does see a violation, here an inline handler the policy blocks. The report
	// is an event the browser queues, so wait for it.
	browsertest.Eval[bool](tab, `document.body.insertAdjacentHTML('beforeend', '<img src="/missing.png" onerror="window.ran = true">'), true`)
	tab.WaitFor("the violation report", `window.cspViolations.length > 0`)
	if browsertest.Eval[bool](tab, `window.ran === true`) {
		t.Error("an injected inline handler ran")
	}
}
