package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// productRowShow collapses a product row: htmx swaps the product's <tbody> for the tbody without its
// segment rows, and the browser URL forgets the expansion.
func (s *Server) productRowShow(c echo.Context) error {
	brand, asin, st, err := s.rowRequest(c)
	if err != nil {
		return err
	}
	st = st.WithExpanded(asin, "")
	next := links{s.echo}.Dashboard(brand.ID, st)
	varyOnHTMX(c)
	if !htmxOf(c.Request()).Enabled {
		if _, err := s.products.Product(c.Request().Context(), brand.ID, asin); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	row, err := s.loadProductRow(c.Request().Context(), brand.ID, asin, st, "")
	if err != nil {
		return err
	}
	pushURL(c, next)
	return render(c, http.StatusOK, views.ProductBody(row))
}
