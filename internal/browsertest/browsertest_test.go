package browsertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sqpdash/sqpdash/static"
)

// htmxServer serves a page with the vendored htmx and a button that htmx replaces with the next one:
// button n carries data-n="n" and fetches button n+1. htmx's settle delay is long here, so a wait that
// ended at the swap instead of the settle would see the old attribute values.
func htmxServer(t *testing.T) *httptest.Server {
	t.Helper()
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	htmx, ok := assets.Get("vendor/htmx-2.0.11.min.js")
	if !ok {
		t.Fatal("the vendored htmx is not embedded")
	}
	button := func(n int) string {
		return fmt.Sprintf(`<button id="b" type="button" data-n="%d" hx-get="/button?n=%d" hx-swap="outerHTML">button %d</button>`, n, n+1, n)
	}
	write := func(w http.ResponseWriter, body string) {
		if _, err := io.WriteString(w, body); err != nil {
			t.Errorf("serve the test page: %v", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/htmx.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", htmx.ContentType)
		write(w, string(htmx.Body))
	})
	mux.HandleFunc("/button", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		write(w, button(n))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		write(w, `<!doctype html><html><head>
<meta name="htmx-config" content='{"defaultSettleDelay": 400}'>
<script src="/htmx.js" defer></script>
<style>#cover { position: fixed; left: 0; top: 0; width: 100%; height: 100%; }</style>
</head><body>`+button(0)+`
<button id="under" type="button">under</button><div id="cover" hidden></div>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSwap(t *testing.T) {
	srv := htmxServer(t)
	tab := Start(t).NewTab(t)
	tab.Open(srv.URL)
	for n := 1; n <= 2; n++ {
		// Button n-1 is the one the last swap brought in: it must be live.
		tab.Swap("swap in button "+strconv.Itoa(n), Click("#b"))
		if got := Eval[string](tab, `document.querySelector('#b').dataset.n`); got != strconv.Itoa(n) {
			t.Fatalf("after swap %d the button has data-n=%s: Swap returned before htmx settled", n, got)
		}
	}
}

func TestClickRefusesACoveredElement(t *testing.T) {
	srv := htmxServer(t)
	tab := Start(t).NewTab(t)
	tab.Open(srv.URL)
	Eval[bool](tab, `document.querySelector('#cover').hidden = false, true`)
	ctx, cancel := context.WithTimeout(tab.Context(), time.Minute)
	defer cancel()
	err := chromedp.Do(ctx, Click("#under"))
	if err == nil || !strings.Contains(err.Error(), "covered by div#cover") {
		t.Errorf("click on a covered button: %v, want an error naming div#cover", err)
	}
	err = chromedp.Do(ctx, Click("#missing"))
	if err == nil || !strings.Contains(err.Error(), "no element matches #missing") {
		t.Errorf("click on a missing element: %v", err)
	}
}
