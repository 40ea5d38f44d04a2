package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// logout deletes the session server-side (the token is worthless from now on, even in a copied cookie),
// clears the cookie and shows the login page.
func (s *Server) logout(c echo.Context) error {
	if token := sessionToken(c); token != "" && s.authOpts.Service != nil {
		if err := s.authOpts.Service.Logout(c.Request().Context(), token); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, s.echo.Reverse(routeLogin))
}
