package web

import (
	"bytes"
	"fmt"
	"io"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// contentSecurityPolicy allows only this origin's scripts, styles, images and requests: no inline script,
// no eval (htmx is configured with allowEval false and no indicator styles injected), no plugins, no
// framing, and forms may only post back here. An injected <script> or onerror= attribute does not run
// even if escaping ever failed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// DefaultBodyLimit is the largest request body outside the upload routes: a login or refresh form is a
// few hundred bytes.
const DefaultBodyLimit int64 = 1 << 20

// securityHeaders are set on every response. The value slices are shared by all responses instead of
// one new slice per header and request (Header.Set): net/http copies them when it writes the headers, an
// Add appends to a full slice and so copies it too, and nothing here changes a header value in place.
var securityHeaders = []struct {
	name  string // canonical form, since the map is written directly
	value []string
}{
	{"Content-Security-Policy", []string{contentSecurityPolicy}},
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Referrer-Policy", []string{"same-origin"}},
	{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
	{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=()"}},
}

var hstsValue = []string{"max-age=31536000"}

// secureHeaders sets the security headers on every response, before the handler runs, so error pages
// and static files get them too. hsts says whether the request came over TLS (directly or through a
// trusted proxy): only then is Strict-Transport-Security sent.
func secureHeaders(hsts func(c echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			for _, kv := range securityHeaders {
				h[kv.name] = kv.value
			}
			if hsts(c) {
				h["Strict-Transport-Security"] = hstsValue
			}
			return next(c)
		}
	}
}

// limitBody refuses request bodies over max bytes with a 413, unless large says the route takes large
// bodies (the upload routes set their own limit). A declared Content-Length over the limit is refused
// before anything is read. A body of unknown length (chunked) is read here, up to one byte over the limit,
// so that the 413 does not depend on how a handler or middleware reads the form: Echo's form helpers drop
// read errors. A body with a Content-Length cannot be longer than declared: net/http cuts it there.
func limitBody(max int64, large func(c echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if large != nil && large(c) {
				return next(c)
			}
			req := c.Request()
			if req.ContentLength > max {
				return tooLarge(max)
			}
			if req.ContentLength < 0 && req.Body != nil {
				body, err := io.ReadAll(io.LimitReader(req.Body, max+1))
				if err != nil {
					// The client went away or sent a broken chunk: its fault, not a server error.
					return apperr.Invalid("body", "the request body could not be read")
				}
				if int64(len(body)) > max {
					return tooLarge(max)
				}
				req.Body = io.NopCloser(bytes.NewReader(body))
				req.ContentLength = int64(len(body))
			}
			return next(c)
		}
	}
}

func tooLarge(max int64) error {
	return &apperr.Error{Code: apperr.ETOOLARGE, Message: fmt.Sprintf("the request body is larger than %d KiB", max>>10)}
}
