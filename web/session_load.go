package web

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/auth"
)

// loadSession puts the user of a valid session cookie into the request context (UserFrom). A cookie
// that no longer names a valid session (expired, logged out, user disabled) is cleared; the request
// continues anonymous and authorize decides what that means for the route.
func (s *Server) loadSession() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token := sessionToken(c)
			if token == "" || s.authOpts.Service == nil || !needsSession(c.Path()) {
				return next(c)
			}
			req := c.Request()
			u, err := s.authOpts.Service.Authenticate(req.Context(), token)
			switch {
			case errors.Is(err, auth.ErrNoSession):
				s.clearSessionCookie(c)
				return next(c)
			case err != nil:
				return err
			}
			c.SetRequest(req.WithContext(withUser(req.Context(), u)))
			return next(c)
		}
	}
}

// needsSession is false for the public routes that show nothing of the user (static files, probes), so
// they cost no database lookup. The login page does need it: it sends a signed-in user on.
func needsSession(route string) bool {
	return route == "/login" || routeAccess(route) != accessPublic
}
