package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// loginShow renders the sign-in form. A signed-in user is sent on to where they wanted to go.
func (s *Server) loginShow(c echo.Context) error {
	q, err := queryValues(c)
	if err != nil {
		return err
	}
	next := safeNext(q.Get("next"))
	if _, ok := UserFrom(c.Request().Context()); ok {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return s.renderLogin(c, http.StatusOK, views.LoginView{Next: next})
}

// renderLogin renders the sign-in page with status; v's action and CSRF fields are filled in here.
func (s *Server) renderLogin(c echo.Context, status int, v views.LoginView) error {
	v.Action = s.echo.Reverse(routeLogin)
	v.CSRFField = csrfFormField
	v.CSRFToken = CSRFToken(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	return render(c, status, views.LoginPage(s.shell("Sign in"), v))
}
