package web

import (
	"github.com/labstack/echo/v4"
)

// queryASINsShow expands a query row of the query view: htmx swaps the query's <tbody> for the same tbody
// with the query's further market figures and the brand's ASINs of the query. Without htmx it leads to
// the query view.
func (s *Server) queryASINsShow(c echo.Context) error {
	if htmxOf(c.Request()).Enabled {
		return s.cachedResponse(c, false, s.queryASINsBuild)
	}
	return s.queryASINsBuild(c)
}

// queryASINsBuild reads and renders the expanded row (or the redirect without htmx).
func (s *Server) queryASINsBuild(c echo.Context) error {
	return s.renderQueryRow(c, true)
}
