package browsertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// axePages serves two small pages: /clean, which meets WCAG 2.1 AA, and /broken, which breaks three
// rules on purpose, under a Content-Security-Policy as strict as the dashboard's.
func axePages(t *testing.T) *httptest.Server {
	t.Helper()
	pages := map[string]string{
		"/clean": `<!doctype html><html lang="en"><head><title>Clean</title></head><body>
<main><h1>Clean</h1><p>Text.</p><button type="button">Go</button>
<label for="q">Search</label><input id="q" name="q"></main></body></html>`,
		// No lang, an image without alternative text, a button without a name, an input without a label.
		"/broken": `<!doctype html><html><head><title>Broken</title></head><body>
<main><h1>Broken</h1><img src="/x.png"><button type="button" id="nameless"></button>
<input id="bare" name="bare"></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := io.WriteString(w, body); err != nil {
			t.Errorf("serve %s: %v", r.URL.Path, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// failureLog is a test that records its failures instead of failing, to check what a helper reports.
type failureLog struct {
	testing.TB
	errors []string
}

func (f *failureLog) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *failureLog) Logf(string, ...any) {}

func TestAxe(t *testing.T) {
	srv := axePages(t)
	b := Start(t)

	t.Run("finds the violations of a broken page, with their targets", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Open(srv.URL + "/broken")
		got := map[string]AxeViolation{}
		for _, v := range tab.Axe() {
			got[v.ID] = v
		}
		for id, target := range map[string]string{"html-has-lang": "html", "image-alt": "img", "button-name": "#nameless", "label": "#bare"} {
			v, ok := got[id]
			if !ok {
				t.Errorf("no %s violation; got %v", id, got)
				continue
			}
			if !v.Serious() {
				t.Errorf("%s has impact %q, want serious or critical", id, v.Impact)
			}
			if len(v.Nodes) != 1 || v.Nodes[0].Target != target {
				t.Errorf("%s targets %+v, want %s", id, v.Nodes, target)
			}
			if v.Help == "" || !strings.HasPrefix(v.HelpURL, "https://") {
				t.Errorf("%s without help: %+v", id, v)
			}
		}
		if s := got["button-name"].String(); !strings.Contains(s, "button-name (critical)") || !strings.Contains(s, "#nameless") {
			t.Errorf("the failure text does not name rule, impact and target:\n%s", s)
		}
		// Within a part of the page, only that part's violations count.
		if v := tab.Axe("#nameless"); len(v) != 1 || v[0].ID != "button-name" {
			t.Errorf("within #nameless: %v, want the button-name violation only", v)
		}
		// Axe runs again on the same document without injecting twice.
		if n := len(tab.Axe()); n != len(got) {
			t.Errorf("second run: %d violations, want %d", n, len(got))
		}
		if v := tab.CSPViolations(); len(v) > 0 {
			t.Errorf("running axe-core made the page break its Content-Security-Policy: %v", v)
		}
	})

	t.Run("CheckAccessibility fails naming rule, impact, targets and help", func(t *testing.T) {
		log := &failureLog{TB: t}
		tab := b.NewTab(log)
		tab.Open(srv.URL + "/broken")
		tab.CheckAccessibility("the broken page")
		if len(log.errors) != 1 {
			t.Fatalf("%d failures reported, want 1: %q", len(log.errors), log.errors)
		}
		msg := log.errors[0]
		for _, want := range []string{"the broken page: 4 serious or critical", "/broken", "image-alt (critical)", "button-name (critical)", "#nameless", "label (critical)", "#bare", "html-has-lang (serious)", "Images must have alternative text"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the failure does not say %q:\n%s", want, msg)
			}
		}
	})

	t.Run("a page that meets WCAG 2.1 AA has none, with the vendored version", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Open(srv.URL + "/clean")
		if v := tab.Axe(); len(v) != 0 {
			t.Errorf("violations on a clean page: %v", v)
		}
		if got := Eval[string](tab, `axe.version`); got != AxeVersion {
			t.Errorf("axe-core %s injected, the vendored copy is documented as %s", got, AxeVersion)
		}
		tab.CheckAccessibility("the clean page")
	})
}

// TestAxeStaysOutOfTheBinary checks that the dashboard cannot serve axe-core: the only package that
// embeds it is this test-only one, which the binary does not import.
func TestAxeStaysOutOfTheBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/sqpdash/sqpdash/cmd/sqpdash").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/sqpdash/sqpdash/internal/browsertest" {
			t.Fatal("cmd/sqpdash imports internal/browsertest, and with it the vendored axe-core")
		}
	}
	if !strings.Contains(string(out), "github.com/sqpdash/sqpdash/web") {
		t.Fatalf("go list -deps of cmd/sqpdash does not list web: not the dependency list\n%s", out)
	}
}
