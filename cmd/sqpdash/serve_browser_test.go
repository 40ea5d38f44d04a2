package main

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/internal/pgtest"
)

func TestServeAdminRefreshInBrowser(t *testing.T) {
	tab := browsertest.Start(t).NewTab(t)
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	tab.Open(s.base + "/login?next=/admin")
	tab.Run("fill in the login form",
		chromedp.SendKeys(css(`#login-email`), testAdminEmail),
		chromedp.SendKeys(css(`#login-password`), testAdminPassword),
	)
	tab.Follow("sign in and open /admin", chromedp.Submit(css(`#login-password`)))
	newestBefore := browsertest.Eval[string](tab, `(document.querySelector('[data-testid="history-row"]') || {dataset: {}}).dataset.id || ''`)
	if newestBefore == "" {
		t.Fatalf("the history shows no run of the demo load (page at %s)", browsertest.Eval[string](tab, "location.href"))
	}
	// A marker that a full page load would wipe out.
	browsertest.Eval[string](tab, `window.sqpdashNoReload = "still here"`)

	release := holdBaseTableLock(t, dbURL) // the refresh waits, so its running state can be seen
	tab.Run("tick force", browsertest.Click(`input[name="force"]`))
	tab.Swap("click Refresh now", browsertest.Click(`[data-testid="refresh-now"]`))
	if got := browsertest.Eval[int](tab, `document.querySelectorAll('#refresh-panel[data-state="running"] [data-testid="refresh-running"]').length`); got != 1 {
		t.Fatal("the panel does not show the refresh running")
	}
	if got := browsertest.Eval[int](tab, `document.querySelectorAll('#refresh-panel [data-testid="refresh-now"][disabled]').length`); got != 1 {
		t.Error("the Refresh now button is not disabled while the refresh runs")
	}
	// Polling replaces the panel every second: the elapsed time must move past 1.5 s.
	tab.WaitFor("the elapsed time to grow", `(() => {
		const e = document.querySelector('[data-testid="refresh-elapsed"]');
		return !!e && Number(e.dataset.elapsedMs) >= 1500; })()`)
	elapsed := browsertest.Eval[string](tab, `document.querySelector('[data-testid="refresh-elapsed"]').textContent`)
	tab.Screenshot("admin-refresh-running.png")
	release()

	// The poll that sees the end brings the idle panel and the new history row together.
	tab.WaitFor("the refresh to end", `document.querySelector('#refresh-panel[data-state="idle"]')`)
	row := func(attr string) string {
		return browsertest.Eval[string](tab, `document.querySelector('[data-testid="history-row"]').getAttribute('`+attr+`') || ''`)
	}
	newestAfter, status := row("data-id"), row("data-status")
	marker := browsertest.Eval[string](tab, `window.sqpdashNoReload || ""`)
	tab.Screenshot("admin-refresh-done.png")
	if newestAfter == newestBefore {
		t.Fatalf("no new history row after the refresh (newest still %s)", newestBefore)
	}
	if status != "success" {
		t.Fatalf("newest history row %s has status %q, want success", newestAfter, status)
	}
	if marker != "still here" {
		t.Fatal("the page was reloaded: the result should arrive through htmx")
	}
	t.Logf("saw the refresh running (%s elapsed), then run %s (was %s) in the history", elapsed, newestAfter, newestBefore)
}
