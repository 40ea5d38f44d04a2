package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// htmx request and response headers. All htmx plumbing of the server lives in this file. The names are
// in Go's canonical form (what http.Header stores; HTTP header names ignore case): a lookup by another
// spelling allocates and converts the name on every call, several times per cached request.
const (
	hxRequest        = "Hx-Request"
	hxCurrentURL     = "Hx-Current-Url"
	hxHistoryRestore = "Hx-History-Restore-Request"
	hxTarget         = "Hx-Target"
	hxPushURL        = "Hx-Push-Url"
	hxReplaceURL     = "Hx-Replace-Url"
	hxRedirect       = "Hx-Redirect" // full-page navigation, e.g. to the login page when a session ended
)

// htmxRequest is what htmx tells about a request.
type htmxRequest struct {
	// Enabled: the request was issued by htmx.
	Enabled bool
	// HistoryRestore: htmx missed its history cache and wants the full page.
	HistoryRestore bool
	// CurrentURL is the browser's URL when the request was issued; nil if absent or unparsable.
	CurrentURL *url.URL
	// Target is the id of the element the response will be swapped into.
	Target string
}

// htmxOf parses the htmx headers of r.
func htmxOf(r *http.Request) htmxRequest {
	h := htmxRequest{
		Enabled:        r.Header.Get(hxRequest) == "true",
		HistoryRestore: r.Header.Get(hxHistoryRestore) == "true",
		Target:         r.Header.Get(hxTarget),
	}
	if u, err := url.Parse(r.Header.Get(hxCurrentURL)); err == nil && h.Enabled && u.Path != "" {
		h.CurrentURL = u
	}
	return h
}

// Partial reports whether the response should be a fragment rather than the full page.
func (h htmxRequest) Partial() bool { return h.Enabled && !h.HistoryRestore }

// varyOnHTMX marks a response whose body depends on HX-Request, so caches keep page and partial apart.
func varyOnHTMX(c echo.Context) { c.Response().Header().Add("Vary", "HX-Request") }

// pushURL makes htmx push u onto the browser history after the swap.
func pushURL(c echo.Context, u string) { c.Response().Header().Set(hxPushURL, u) }

// replaceURL makes htmx replace the current history entry with u after the swap.
func replaceURL(c echo.Context, u string) { c.Response().Header().Set(hxReplaceURL, u) }
