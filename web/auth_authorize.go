package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// access is who may use a route.
type access int

const (
	accessSignedIn access = iota // the default: any signed-in user (brand scoping happens in brandOf)
	accessPublic                 // anyone
	accessAdmin                  // signed-in admins
)

// routeAccess decides who may use a route, by its pattern (c.Path()). Everything not listed needs a
// signed-in user, so a new route is protected before anyone thinks about it.
func routeAccess(route string) access {
	switch route {
	// Signing in, the assets of the login page, and the probes a load balancer and Prometheus call
	// without a session (they reveal no brand data).
	case "/login", "/static/*", "/favicon.ico", "/healthz", "/readyz", "/metrics":
		return accessPublic
	}
	if route == "/admin" || strings.HasPrefix(route, "/admin/") || strings.HasPrefix(route, "/api/admin/") {
		return accessAdmin
	}
	return accessSignedIn
}

// authorize applies routeAccess after routing: signed-out requests are sent to the login page (401 for
// JSON and htmx), managers get 403 on admin routes. Responses to signed-in users are not cached, so a
// shared computer's back button does not show a signed-out user's pages.
func (s *Server) authorize() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			need := routeAccess(c.Path())
			if need == accessPublic {
				return next(c)
			}
			u, ok := UserFrom(c.Request().Context())
			if !ok {
				return s.signInFirst(c)
			}
			// The brand first: a brand the user may not see is not found, even on an admin route, so
			// that no answer tells a manager which other brands exist.
			if err := guardBrandParam(c); err != nil {
				return err
			}
			if need == accessAdmin && !u.IsAdmin() {
				return apperr.Forbidden("only admins may use this page")
			}
			c.Response().Header().Set("Cache-Control", "private, no-store")
			return next(c)
		}
	}
}

// signInFirst answers a signed-out request: a 401 for JSON clients (they send the session cookie of a
// signed-in browser), a 401 with HX-Redirect for htmx, and a redirect to the login page that comes back
// here afterwards for everything else.
func (s *Server) signInFirst(c echo.Context) error {
	req := c.Request()
	if wantsJSON(req) {
		return apperr.Unauthorized("sign in first: send the session cookie of a signed-in user")
	}
	back := req.URL.RequestURI()
	if h := htmxOf(req); h.Enabled {
		if h.CurrentURL != nil {
			back = h.CurrentURL.RequestURI()
		}
		c.Response().Header().Set(hxRedirect, s.loginURL(back))
		return apperr.Unauthorized("your session has ended: sign in again")
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		back = ""
	}
	return c.Redirect(http.StatusSeeOther, s.loginURL(back))
}

// loginURL is the login page that returns to next (a local path) after signing in.
func (s *Server) loginURL(next string) string {
	u := s.echo.Reverse(routeLogin)
	if next = safeNext(next); next != "/" {
		u += "?" + url.Values{"next": {next}}.Encode()
	}
	return u
}

// safeNext keeps a post-login destination on this site: only a local absolute path is accepted, never
// "//host", "/\host" or a URL with a scheme, so the login page cannot be used as an open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t\x00") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
