package web

import (
	"net/http"
	"testing"
)

func TestHTMXHeaderNamesAreCanonical(t *testing.T) {
	for _, name := range []string{hxRequest, hxCurrentURL, hxHistoryRestore, hxTarget, hxPushURL, hxReplaceURL, hxRedirect} {
		if c := http.CanonicalHeaderKey(name); c != name {
			t.Errorf("%q is looked up as %q on every request: write it so", name, c)
		}
	}
	// What htmx sends is found under them.
	h := http.Header{}
	h.Set("HX-Request", "true")
	h.Set("HX-Current-URL", "http://x/brands")
	if r := htmxOf(&http.Request{Header: h}); !r.Enabled || r.CurrentURL == nil || r.CurrentURL.Path != "/brands" {
		t.Errorf("htmxOf = %+v, want an htmx request from /brands", r)
	}
}
