package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
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
	brand, query, st, err := s.queryRowRequest(c)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	if !htmxOf(c.Request()).Enabled {
		return c.Redirect(http.StatusSeeOther, links{s.echo}.Queries(brand.ID, st))
	}
	row, err := s.loadQueryRow(c.Request().Context(), brand.ID, query, st, true)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.QueryViewBody(row))
}
