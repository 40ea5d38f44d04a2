package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

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

// secureHeaders sets the security headers on every response, before the handler runs, so error pages
// and static files get them too. hsts says whether the request came over TLS (directly or through a
// trusted proxy): only then is Strict-Transport-Security sent.
func secureHeaders(hsts func(c echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			if hsts(c) {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			return next(c)
		}
	}
}

// limitBody refuses request bodies over max bytes with a 413, unless large says the route takes large
// bodies (the upload routes set their own limit). A declared Content-Length over the limit is refused
// before the body is read; a body that only turns out too long while being read fails the read.
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
			req.Body = &limitedBody{ReadCloser: http.MaxBytesReader(c.Response(), req.Body, max), max: max}
			return next(c)
		}
	}
}

func tooLarge(max int64) error {
	return &apperr.Error{Code: apperr.ETOOLARGE, Message: fmt.Sprintf("the request body is larger than %d KiB", max>>10)}
}

// limitedBody turns http.MaxBytesReader's error into the typed 413 error, so that a handler that returns
// its bind error unchanged still answers 413.
type limitedBody struct {
	io.ReadCloser
	max int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return n, tooLarge(b.max)
	}
	return n, err
}
