package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// overflowReport finds what sticks out of the page to the right: the deepest elements whose right edge
// passes the viewport and that no scroll container of their own clips. It names them so a failure says
// what to fix.
const overflowReport = `(() => {
  const vw = document.documentElement.clientWidth, out = [];
  const clipped = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1 || r.width === 0 || clipped(el)) continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > vw + 1)) continue;
    const id = el.id ? '#' + el.id : '', cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    out.push(el.tagName.toLowerCase() + id + cls + ' (right ' + Math.round(r.right) + ')');
    if (out.length === 6) break;
  }
  return out;
})()`

// TestLayoutFitsLaptopAndPhone opens every page in a 1366x768 laptop viewport and a 390x844 phone
// viewport: no page is wider than the screen, and on the laptop every data table shows all its columns
// without scrolling sideways. On the phone a wide table scrolls sideways inside its own container, its
// first column sticky (the page itself never scrolls sideways): docs/dashboard.md, "Layout".
func TestLayoutFitsLaptopAndPhone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The history's second page: more runs than a page holds, one requested by a long address.
	for i := 0; i < historyPageSize; i++ {
		if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "a.rather.long.address.of.an.admin@reports.example-company.com", Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	// The same data behind a server with the admin page and the upload.
	refresher := refresh.New(f.db, refresh.Options{})
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := refresher.Shutdown(sctx); err != nil {
			t.Error(err)
		}
	})
	svc, err := importer.NewService(f.db, nil, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sessions := newTestSessions(t, f.db)
	srv, err := New(Options{Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db, Auth: sessions.Options(), Importer: svc,
		Ops: OpsOptions{Ready: f.db, Status: f.db, Refresher: refresher}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	admin := f.cookie // the fixture's admin, whose session lives in the same database

	// The upload: a report, and a file refused with a long name and a long reason.
	dir := t.TempDir()
	report := filepath.Join(dir, "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_layout.csv")
	refused := filepath.Join(dir, "this-file-is-not-a-search-query-performance-report-and-has-a-long-name-without-spaces.csv")
	for name, body := range map[string]string{report: sellerCentralCSV(uploadASIN, uploadWeek, goodRows), refused: "hello,world\n1,2\n"} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	upload := func(tab *browsertest.Tab) {
		tab.Run("choose the files", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="import-files"]`), []string{report, refused}))
		tab.Swap("upload", browsertest.Click(`[data-testid="import-submit"]`))
		if n := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid="import-file"]').length`); n != 2 {
			t.Fatalf("the upload result lists %d files, want 2", n)
		}
	}
	expanded := url.Values{"open": {asinA + ":weekly"}}.Encode()
	pages := []struct {
		name      string
		path      string
		signedOut bool
		then      func(*browsertest.Tab)
		// scrolls: the page's table has more columns than a laptop shows (the query view: 22 figures per
		// query). It scrolls sideways inside its region with its toggle and query columns sticky, so a
		// row never loses its query; every other table must show all its columns.
		scrolls bool
	}{
		{name: "login", path: "/login", signedOut: true},
		{name: "brand", path: f.dashboardPath(expanded)},
		{name: "product", path: "/brands/" + f.brandID + "/products/" + asinA},
		{name: "query view", path: "/brands/" + f.brandID + "/queries", scrolls: true},
		{name: "query", path: "/brands/" + f.brandID + "/queries/" + url.PathEscape("garden hose")},
		{name: "admin", path: "/admin"},
		{name: "admin history", path: "/admin?page=2"},
		{name: "upload result", path: "/admin", then: upload},
		{name: "glossary", path: "/glossary"},
		{name: "404", path: "/no/such/page"},
	}
	b := browsertest.Start(t)
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"laptop", 1366, 768}, {"phone", 390, 844}} {
		for _, p := range pages {
			t.Run(fmt.Sprintf("%s on a %s (%dx%d)", p.name, vp.name, vp.w, vp.h), func(t *testing.T) {
				tab := b.NewTab(t)
				tab.Run("set the viewport", chromedp.EmulateViewport(vp.w, vp.h))
				if !p.signedOut {
					tab.SetCookie(ts.URL, admin)
				}
				res := tab.Follow("open "+p.path, chromedp.Navigate(ts.URL+p.path))
				if want := http.StatusOK; p.name == "404" {
					if res.Status != http.StatusNotFound {
						t.Fatalf("status %d", res.Status)
					}
				} else if res.Status != int64(want) {
					t.Fatalf("status %d", res.Status)
				}
				if p.then != nil {
					p.then(tab)
				}
				if w := browsertest.Eval[int](tab, `document.documentElement.clientWidth`); int64(w) != vp.w {
					t.Fatalf("viewport %d px wide, want %d", w, vp.w)
				}
				if sw, cw := browsertest.Eval[int](tab, `document.documentElement.scrollWidth`), browsertest.Eval[int](tab, `document.documentElement.clientWidth`); sw > cw {
					t.Errorf("the page is %d px wide in a %d px viewport; sticking out: %v", sw, cw, browsertest.Eval[[]string](tab, overflowReport))
				}
				if vp.name == "laptop" && !p.scrolls {
					hidden := browsertest.Eval[[]string](tab, `[...document.querySelectorAll('.table-scroll')].filter(el => el.scrollWidth > el.clientWidth + 1).map(el => (el.querySelector('table') || el).className + ': ' + el.scrollWidth + ' px in ' + el.clientWidth)`)
					if len(hidden) > 0 {
						t.Errorf("tables with columns hidden off to the right: %s", strings.Join(hidden, "; "))
					}
				}
				if p.scrolls || vp.name == "phone" {
					// A table that scrolls sideways keeps its first column (what the row is about) in view.
					loose := browsertest.Eval[[]string](tab, `[...document.querySelectorAll('.table-scroll')].filter(el => el.scrollWidth > el.clientWidth + 1).flatMap(el => [...el.querySelectorAll('tbody tr:first-child > th[scope=row]')].slice(0, 1).filter(th => getComputedStyle(th).position !== 'sticky').map(th => (el.querySelector('table') || el).className))`)
					if len(loose) > 0 {
						t.Errorf("tables scrolling sideways without a sticky first column: %s", strings.Join(loose, "; "))
					}
				}
				if os.Getenv("SQPDASH_SCREENSHOTS") != "" {
					tab.Screenshot(fmt.Sprintf("layout-%s-%s.png", strings.ReplaceAll(p.name, " ", "-"), vp.name))
				}
			})
		}
	}
}
