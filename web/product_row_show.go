package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// productRowShow collapses a product row: htmx swaps the product's <tbody> for the tbody without its
// segment rows, and the browser URL forgets the expansion.
func (s *Server) productRowShow(c echo.Context) error {
	brandID, asin, st, err := s.rowRequest(c)
	if err != nil {
		return err
	}
	st = st.WithExpanded(asin, "")
	next := links{s.echo}.Dashboard(brandID, st)
	varyOnHTMX(c)
	if !htmxOf(c.Request()).Enabled {
		// The redirect's only read: is there such a brand (its own error) and product?
		if _, _, _, err := s.productRowRequest(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	row, err := s.loadProductRow(c.Request().Context(), brandID, asin, st, "")
	if err != nil {
		return err
	}
	pushURL(c, next)
	return render(c, http.StatusOK, views.ProductBody(row))
}
