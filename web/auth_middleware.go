package web

import (
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// useSecurityMiddleware installs what runs before the CSRF check: the client address rule, the security
// headers (so every response has them, errors included) and the request body limit.
func (s *Server) useSecurityMiddleware() {
	if s.authOpts.TrustProxy {
		// X-Forwarded-For is believed only from loopback and private addresses, where a proxy would be.
		s.echo.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		// Otherwise a client could pick its own address and dodge the per-address login throttle.
		s.echo.IPExtractor = echo.ExtractIPDirect()
	}
	limit := s.authOpts.BodyLimit
	if limit <= 0 {
		limit = DefaultBodyLimit
	}
	s.echo.Use(secureHeaders(s.isHTTPS), limitBody(limit, takesLargeBody))
}

// useSessionMiddleware installs what runs after the CSRF check: the session (UserFrom), the CSRF token
// of that session for the views, and the access rules of routeAccess.
func (s *Server) useSessionMiddleware() {
	s.echo.Use(s.loadSession(), s.csrfForViews(), s.accountForViews(), s.authorize())
}

// takesLargeBody: file uploads to admin routes bring their own, larger limit. The route is admin-only,
// and authorize refuses other users before the body is read.
func takesLargeBody(c echo.Context) bool {
	route := c.Path()
	return strings.HasPrefix(route, "/admin/") &&
		strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm)
}

// accountForViews hands the signed-in user to the layout's AccountMenu through the request context.
func (s *Server) accountForViews() echo.MiddlewareFunc {
	// The routes are added after the middleware: reversed once, at the first request, not on each.
	urls := sync.OnceValues(func() (logout, admin string) {
		return s.echo.Reverse(routeLogout), s.echo.Reverse(routeAdmin)
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if u, ok := UserFrom(c.Request().Context()); ok {
				logout, admin := urls()
				a := views.Account{Email: u.Email, LogoutURL: logout, CSRFField: csrfFormField}
				if u.IsAdmin() {
					a.AdminURL = admin
				}
				req := c.Request()
				c.SetRequest(req.WithContext(views.WithAccount(req.Context(), a)))
			}
			return next(c)
		}
	}
}
