package web

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sqpdash/sqpdash/internal/browsertest"
)

// tableQueries are the query table's rows in the tab, sorted.
func tableQueries(tab *browsertest.Tab) []string {
	got := browsertest.Eval[[]string](tab, `Array.from(document.querySelectorAll('#query-table [data-testid=query-row] th')).map(function (th) { return th.textContent; })`)
	slices.Sort(got)
	return got
}

// typeFilter replaces the filter box's text with text and presses Enter, which htmx sends.
func typeFilter(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(document.getElementById('qf-input').value = '') === ''`)(ctx, tg)
			return err
		}),
		chromedp.SendKeys(chromedp.CSS("#qf-input"), text),
		chromedp.KeyEvent(kb.Enter),
	)
}

func TestBrowserQueryFilter(t *testing.T) {
	f := newFilterFixture(t)
	d := startDashBrowser(t, f)
	start := f.filterProductPath(url.Values{"preset": {"4w"}})
	all := pick(func(filterQuery) bool { return true })

	t.Run("typing a filter updates the table and the URL keeps it", func(t *testing.T) {
		tab := d.tab(t, start)
		if got := tableQueries(tab); !slices.Equal(got, all) {
			t.Fatalf("rows before filtering %q, want %q", got, all)
		}
		tab.Swap("type a filter", typeFilter(`hose !reel | "sprinkler"`))
		want := pick(func(q filterQuery) bool {
			return strings.Contains(q.text, "hose") && !strings.Contains(q.text, "reel") || q.text == "sprinkler"
		})
		if got := tableQueries(tab); !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if got := pageParam(t, tab, "qf"); got != `hose !reel | "sprinkler"` {
			t.Errorf("the URL has qf=%q", got)
		}
		if got := pageParam(t, tab, "preset"); got != "4w" {
			t.Errorf("the URL lost the range: preset=%q", got)
		}
		if href := browsertest.Eval[string](tab, "location.href"); strings.Contains(href, "branded=") {
			t.Errorf("the URL carries the blank branded switch: %s", href)
		}
		if got := browsertest.Eval[string](tab, `document.activeElement && document.activeElement.id`); got != "qf-input" {
			t.Errorf("focus is on %q after the swap, not the filter box", got)
		}
		tab.Reload()
		if got := tableQueries(tab); !slices.Equal(got, want) {
			t.Errorf("rows after reload %q, want %q", got, want)
		}
		if got := browsertest.Eval[string](tab, `document.getElementById('qf-input').value`); got != `hose !reel | "sprinkler"` {
			t.Errorf("the box after reload says %q", got)
		}
		noCSPViolations(t, tab)
	})

	t.Run("the branded switch changes the rows at once", func(t *testing.T) {
		tab := d.tab(t, start)
		tab.Swap("choose branded", browsertest.Click(`input[name=branded][value=branded]`))
		if got, want := tableQueries(tab), pick(func(q filterQuery) bool { return q.branded }); !slices.Equal(got, want) {
			t.Errorf("branded rows %q, want %q", got, want)
		}
		if got := pageParam(t, tab, "branded"); got != "branded" {
			t.Errorf("the URL has branded=%q", got)
		}
		tab.Swap("type a filter", typeFilter("reel"))
		tab.Swap("choose non-branded", browsertest.Click(`input[name=branded][value=nonbranded]`))
		want := pick(func(q filterQuery) bool { return !q.branded && strings.Contains(q.text, "reel") })
		if got := tableQueries(tab); !slices.Equal(got, want) {
			t.Errorf("non-branded reel rows %q, want %q", got, want)
		}
		if pageParam(t, tab, "qf") != "reel" || pageParam(t, tab, "branded") != "nonbranded" {
			t.Errorf("the URL has qf=%q branded=%q", pageParam(t, tab, "qf"), pageParam(t, tab, "branded"))
		}
		tab.Back()
		if got, want := tableQueries(tab), pick(func(q filterQuery) bool { return q.branded && strings.Contains(q.text, "reel") }); !slices.Equal(got, want) {
			t.Errorf("after Back: rows %q, want the branded reel rows %q", got, want)
		}
		tab.Swap("clear", browsertest.Click(`[data-testid=qf-clear]`))
		if got := tableQueries(tab); !slices.Equal(got, all) {
			t.Errorf("after clearing: rows %q, want %q", got, all)
		}
	})

	t.Run("a filter that cannot be read is explained above the table", func(t *testing.T) {
		tab := d.tab(t, start)
		tab.Await("type a broken filter", "htmx:responseError", typeFilter(`"chef knife`))
		msg := browsertest.Eval[string](tab, `document.querySelector('#query-table .region-error').textContent`)
		if !strings.Contains(msg, "qf") || !strings.Contains(msg, "not closed") {
			t.Errorf("the error says %q", msg)
		}
		if got := tableQueries(tab); !slices.Equal(got, all) {
			t.Errorf("the rows changed: %q", got)
		}
		quoted, _ := json.Marshal(`"chef knife`)
		if got := browsertest.Eval[string](tab, `document.getElementById('qf-input').value`); got != `"chef knife` {
			t.Errorf("the box lost the text to correct: %q, want %s", got, quoted)
		}
	})

	t.Run("the query view filters and splits its rows the same way", func(t *testing.T) {
		tab := d.tab(t, "/brands/"+f.brandID+"/queries?preset=4w")
		viewRows := func() []string {
			got := browsertest.Eval[[]string](tab, `Array.from(document.querySelectorAll('#query-view tbody[data-testid=query]')).map(function (b) { return b.dataset.query; })`)
			slices.Sort(got)
			return got
		}
		if got := viewRows(); !slices.Equal(got, all) {
			t.Fatalf("rows before filtering %q, want %q", got, all)
		}
		tab.Swap("type a filter", typeFilter("hose -garden"))
		tab.Swap("choose branded", browsertest.Click(`input[name=branded][value=branded]`))
		want := pick(func(q filterQuery) bool {
			return q.branded && strings.Contains(q.text, "hose") && !strings.Contains(q.text, "garden")
		})
		if got := viewRows(); !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if pageParam(t, tab, "qf") != "hose -garden" || pageParam(t, tab, "branded") != "branded" {
			t.Errorf("the URL has qf=%q branded=%q", pageParam(t, tab, "qf"), pageParam(t, tab, "branded"))
		}
		tab.Reload()
		if got := viewRows(); !slices.Equal(got, want) {
			t.Errorf("rows after reload %q, want %q", got, want)
		}
		noCSPViolations(t, tab)
	})
}
