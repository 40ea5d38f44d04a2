package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// adminRefreshShow serves GET /admin/refresh, which the panel polls while a refresh runs: the panel with
// the elapsed time, then, once over, the panel with the result and the new history row.
func (s *Server) adminRefreshShow(c echo.Context) error {
	if !htmxOf(c.Request()).Partial() {
		return c.Redirect(http.StatusSeeOther, s.echo.Reverse(routeAdmin))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return s.renderRefreshUpdate(c, http.StatusOK, "")
}
