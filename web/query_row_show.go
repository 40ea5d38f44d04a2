package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// queryRowShow collapses a query row of the query view: htmx swaps the query's <tbody> for the tbody
// without its ASINs. Without htmx it leads to the query view.
func (s *Server) queryRowShow(c echo.Context) error {
	return s.renderQueryRow(c, false)
}

// renderQueryRow renders a query's <tbody> of the query view, with its ASINs (expanded) or without
// (collapsed); without htmx it leads to the query view.
func (s *Server) renderQueryRow(c echo.Context, withASINs bool) error {
	brand, query, st, err := s.queryRowRequest(c)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	if !htmxOf(c.Request()).Enabled {
		return c.Redirect(http.StatusSeeOther, links{s.echo}.Queries(brand.ID, st))
	}
	row, err := s.loadQueryRow(c.Request().Context(), brand.ID, query, st, withASINs)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.QueryViewBody(row))
}
