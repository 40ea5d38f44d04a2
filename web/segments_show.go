package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/views"
)

// segmentsShow expands a product row: htmx swaps the product's <tbody> for the same tbody with its
// segment rows, and the browser URL records the expansion. Without htmx it leads to the dashboard with the
// row expanded.
func (s *Server) segmentsShow(c echo.Context) error {
	product, st, err := s.productRowRequest(c)
	if err != nil {
		return err
	}
	t, err := sqp.ParseSegmentType(c.QueryParams())
	if err != nil {
		return err
	}
	l := links{s.echo}
	next := l.Dashboard(product.BrandID, st.WithExpanded(product.ASIN, t))
	varyOnHTMX(c)
	if !htmxOf(c.Request()).Enabled {
		return c.Redirect(http.StatusSeeOther, next)
	}
	row, err := s.loadProductRow(c.Request().Context(), product, st.WithExpanded(product.ASIN, t), t)
	if err != nil {
		return err
	}
	pushURL(c, next)
	return render(c, http.StatusOK, views.ProductBody(row))
}

// productRowRequest validates an expand/collapse request: the brand, the product and the view state.
func (s *Server) productRowRequest(c echo.Context) (sqp.Product, sqp.ViewState, error) {
	brand, err := s.brandOf(c)
	if err != nil {
		return sqp.Product{}, sqp.ViewState{}, err
	}
	asin, err := sqp.ParseASIN(c.Param("asin"))
	if err != nil {
		return sqp.Product{}, sqp.ViewState{}, err
	}
	product, err := s.products.Product(c.Request().Context(), brand.ID, asin)
	if err != nil {
		return sqp.Product{}, sqp.ViewState{}, err
	}
	st, err := productRowState(c, brand.ID, links{s.echo})
	return product, st, err
}
