package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// segmentsShow expands a product row: htmx swaps the product's <tbody> for the same tbody with its
// segment rows, and the browser URL records the expansion (a new history entry; switching an open row
// between weekly, monthly and quarterly replaces the entry). Without htmx it leads to the dashboard with the
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
	brandID, asin, st, err := s.rowRequest(c)
	if err != nil {
		return err
	}
	t, err := segmentType(c)
	if err != nil {
		return err
	}
	l := links{s.echo}
	next := l.Dashboard(brandID, st.WithExpanded(asin, t))
	varyOnHTMX(c)
	if !htmxOf(c.Request()).Enabled {
		// The redirect's only read: is there such a brand (its own error) and product?
		if _, _, _, err := s.productRowRequest(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	row, err := s.loadProductRow(c.Request().Context(), brandID, asin, st.WithExpanded(asin, t), t)
	if err != nil {
		return err
	}
	if st.Expanded(asin) != "" {
		// A weekly/monthly/quarterly switch of an open row: the same view step, so the history entry is replaced.
		replaceURL(c, next)
	} else {
		pushURL(c, next)
	}
	return render(c, http.StatusOK, views.ProductBody(row))
}
