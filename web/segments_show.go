package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// segmentsShow expands a product row: htmx swaps the product's <tbody> for the same tbody with its
// segment rows, and the browser URL records the expansion (a new history entry; switching an open row
// between weekly and monthly replaces the entry). Without htmx it leads to the dashboard with the
// row expanded.
func (s *Server) segmentsShow(c echo.Context) error {
	if htmxOf(c.Request()).Enabled {
		// The expansion is the dashboard's most frequent request: answered once per data version.
		return s.cachedResponse(c, false, s.segmentsBuild)
	}
	return s.segmentsBuild(c)
}

// segmentsBuild reads and renders the expansion (or the redirect without htmx).
func (s *Server) segmentsBuild(c echo.Context) error {
	product, st, t, err := s.segmentsRequest(c)
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
	if st.Expanded(product.ASIN) != "" {
		// A weekly/monthly switch of an open row: the same view step, so the history entry is replaced.
		replaceURL(c, next)
	} else {
		pushURL(c, next)
	}
	return render(c, http.StatusOK, views.ProductBody(row))
}
