package browsertest

import (
	"context"
	_ "embed" // the vendored axe-core
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored as test data (testdata/axe-core/README.md says how to update it). It
// is embedded here, in a package only tests import, so that the dashboard never serves it and no test
// downloads it.
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// AxeVersion is the version of the vendored axe-core; a test checks that the script is that version.
const AxeVersion = "4.14.1"

// AxeTags are the rule tags the checks run: WCAG 2.0 and 2.1, levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// AxeViolation is one axe-core rule the page breaks, with the elements that break it.
type AxeViolation struct {
	ID      string    `json:"id"`     // the rule, e.g. "color-contrast"
	Impact  string    `json:"impact"` // minor, moderate, serious or critical
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	// Target is the element's CSS selector; for an element inside a shadow root or a frame, the
	// selectors of each step, joined with " >>> ".
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"summary"` // what to fix, as axe-core words it
}

// Serious reports whether the violation is one the checks fail on: serious or critical.
func (v AxeViolation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// String lists the rule, its impact, its help and every element it found, one per line.
func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s <%s>", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s\n      %s", n.Target, n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return b.String()
}

// axeRun runs axe-core on the elements the selectors match (the whole document when there are none),
// with the rules of the given tags only, and returns the violations in the shape of AxeViolation. It
// resolves once axe-core has finished.
const axeRun = `(function (tags, within) {
  var context = within.length ? {include: within.map(function (sel) { return [sel]; })} : document;
  return axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}).then(function (r) {
    return r.violations.map(function (v) {
      return {id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map(function (n) {
        return {
          target: n.target.map(function (t) { return Array.isArray(t) ? t.join(' >>> ') : t; }).join(' >>> '),
          html: n.html,
          summary: n.failureSummary || ''
        };
      })};
    });
  });
})(%s, %s)`

// Axe runs axe-core on the tab's current document, as it is now (after any swaps), with the WCAG 2.1
// A and AA rules, and returns every violation, whatever its impact. With selectors (within), it checks
// only the elements they match and what they contain: after a swap, the part that changed, the rest of
// the page having been checked already (axe-core takes seconds over a long table on a busy machine).
// It injects axe-core once per document, through the DevTools protocol: the page's
// Content-Security-Policy does not apply to that, and the page itself never loads it.
func (tab *Tab) Axe(within ...string) []AxeViolation {
	tab.t.Helper()
	tags, _ := json.Marshal(AxeTags)
	if within == nil {
		within = []string{}
	}
	sels, _ := json.Marshal(within)
	var out []AxeViolation
	tab.Run("run axe-core", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		loaded, err := chromedp.Evaluate[bool](`typeof window.axe === 'object' && typeof window.axe.run === 'function'`)(ctx, tg)
		if err != nil {
			return err
		}
		if !loaded {
			if _, err := chromedp.Evaluate[bool](axeSource+"\n;true")(ctx, tg); err != nil {
				return fmt.Errorf("inject axe-core: %w", err)
			}
		}
		out, err = chromedp.Evaluate[[]AxeViolation](fmt.Sprintf(axeRun, tags, sels), chromedp.EvalAwaitPromise)(ctx, tg)
		return err
	}))
	return out
}

// CheckAccessibility runs axe-core on the tab's current document, or on the parts within selects (see
// Axe), and fails the test, naming what was checked, with the rule, impact, help and target selectors of
// every serious or critical violation. Minor and moderate ones are logged.
func (tab *Tab) CheckAccessibility(what string, within ...string) {
	tab.t.Helper()
	var serious, other []string
	for _, v := range tab.Axe(within...) {
		if v.Serious() {
			serious = append(serious, v.String())
		} else {
			other = append(other, v.String())
		}
	}
	if len(other) > 0 {
		tab.t.Logf("%s: %d minor or moderate axe-core violations%s:\n  %s", what, len(other), tab.where(), strings.Join(other, "\n  "))
	}
	if len(serious) > 0 {
		tab.t.Errorf("%s: %d serious or critical WCAG 2.1 AA violations (axe-core %s)%s:\n  %s", what, len(serious), AxeVersion, tab.where(), strings.Join(serious, "\n  "))
	}
}
