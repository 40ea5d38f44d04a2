package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// chromiumPath is Debian's Chromium (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium with a fresh profile. Without Chromium the test is skipped,
// except in CI, where it must run.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install -y chromium)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1100),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first run starts the browser, which lives as long as bctx: it gets no timeout of its own.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return bctx
}

// step runs actions with a timeout, failing the test with what it was doing.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, with a timeout.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves the page under testdata/screenshots (git-ignored) for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestServeAdminRefreshInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	step(t, ctx, "sign in and open /admin",
		chromedp.Navigate(s.base+"/login?next=/admin"),
		chromedp.WaitVisible(css(`#login-email`)),
		chromedp.SendKeys(css(`#login-email`), testAdminEmail),
		chromedp.SendKeys(css(`#login-password`), testAdminPassword),
		chromedp.Submit(css(`#login-password`)),
		chromedp.WaitVisible(css(`[data-testid="refresh-now"]`)),
	)
	newestBefore := value(t, ctx, "read the newest history row", chromedp.AttributeValue(css(`[data-testid="history-row"]`), "data-id")).Value
	if newestBefore == "" {
		t.Fatal("the history shows no run of the demo load")
	}
	// A marker that a full page load would wipe out.
	value(t, ctx, "mark the page", chromedp.Evaluate[string](`window.sqpdashNoReload = "still here"`))

	release := holdBaseTableLock(t, dbURL) // the refresh waits, so its running state can be seen
	step(t, ctx, "click Refresh now and see it running",
		chromedp.Click(css(`input[name="force"]`)),
		chromedp.Click(css(`[data-testid="refresh-now"]`)),
		chromedp.WaitVisible(css(`#refresh-panel[data-state="running"] [data-testid="refresh-running"]`)),
		chromedp.WaitVisible(css(`#refresh-panel [data-testid="refresh-now"][disabled]`)),
	)
	// Polling replaces the panel every second: the elapsed time must move past 1.5 s.
	value(t, ctx, "see the elapsed time grow", chromedp.Poll[bool](`(() => {
		const e = document.querySelector('[data-testid="refresh-elapsed"]');
		return !!e && Number(e.dataset.elapsedMs) >= 1500; })()`, chromedp.WithPollingTimeout(20*time.Second)))
	elapsed := value(t, ctx, "read the elapsed time", chromedp.Text(css(`[data-testid="refresh-elapsed"]`)))
	screenshot(t, ctx, "admin-refresh-running.png")
	release()

	step(t, ctx, "see the refresh end", chromedp.WaitVisible(css(`#refresh-panel[data-state="idle"]`)))
	value(t, ctx, "see a new history row", chromedp.Poll[bool](
		`document.querySelector('[data-testid="history-row"]').dataset.id !== "`+newestBefore+`"`,
		chromedp.WithPollingTimeout(30*time.Second)))
	newestAfter := value(t, ctx, "read the new row", chromedp.AttributeValue(css(`[data-testid="history-row"]`), "data-id")).Value
	status := value(t, ctx, "read its status", chromedp.AttributeValue(css(`[data-testid="history-row"]`), "data-status")).Value
	marker := value(t, ctx, "read the marker", chromedp.Evaluate[string](`window.sqpdashNoReload || ""`))
	screenshot(t, ctx, "admin-refresh-done.png")
	if status != "success" {
		t.Fatalf("newest history row %s has status %q, want success", newestAfter, status)
	}
	if marker != "still here" {
		t.Fatal("the page was reloaded: the result should arrive through htmx")
	}
	t.Logf("saw the refresh running (%s elapsed), then run %s (was %s) in the history", elapsed, newestAfter, newestBefore)
}
