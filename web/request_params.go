package web

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// The request prologues of the dashboard's routes: each validates the path and query parameters through
// the one parser (viewstate.Parse and friends) and loads the brand through brandOf.

// queryValues parses the request's raw query string strictly (viewstate.ParseQuery): every handler that
// reads a query parameter reads it from here, never from Echo's QueryParam(s), which drops what it cannot
// parse and keeps the first of repeated parameters.
func queryValues(c echo.Context) (url.Values, error) {
	return viewstate.ParseQuery(c.Request().URL.RawQuery)
}

// viewState parses the request's query: the one entry point from user input to a validated viewstate.State.
func viewState(c echo.Context) (viewstate.State, error) {
	v, err := queryValues(c)
	if err != nil {
		return viewstate.State{}, err
	}
	return viewstate.Parse(v)
}

// segmentType parses the segment type of a request for a product's segments.
func segmentType(c echo.Context) (period.SegmentType, error) {
	v, err := queryValues(c)
	if err != nil {
		return "", err
	}
	return viewstate.ParseSegmentType(v)
}

// brandRequest validates a brand route's request: the brand and the view state.
func (s *Server) brandRequest(c echo.Context) (sqp.Brand, viewstate.State, error) {
	brand, err := s.brandOf(c)
	if err != nil {
		return sqp.Brand{}, viewstate.State{}, err
	}
	st, err := dashboardState(c, brand.ID, links{s.echo})
	return brand, st, err
}

// rowRequest validates a request for one product of a brand: the brand id (the user's access checked,
// as brandOf does, but not read), the ASIN and the view state. It reads nothing: the row loader reads the
// brand and the product with their numbers (loadProductRow), so a cache miss reads them once.
func (s *Server) rowRequest(c echo.Context) (string, string, viewstate.State, error) {
	id, err := viewstate.ParseBrandID(c.Param("brandID"))
	if err != nil {
		return "", "", viewstate.State{}, err
	}
	if !maySeeBrand(c.Request().Context(), id) {
		return "", "", viewstate.State{}, brandNotFound(id)
	}
	asin, err := viewstate.ParseASIN(c.Param("asin"))
	if err != nil {
		return "", "", viewstate.State{}, err
	}
	st, err := dashboardState(c, id, links{s.echo})
	return id, asin, st, err
}

// productRowRequest validates a request for one product and reads it: the brand (brandOf), the ASIN, the
// view state and the product.
func (s *Server) productRowRequest(c echo.Context) (sqp.Brand, sqp.Product, viewstate.State, error) {
	brand, err := s.brandOf(c)
	if err != nil {
		return brand, sqp.Product{}, viewstate.State{}, err
	}
	asin, err := viewstate.ParseASIN(c.Param("asin"))
	if err != nil {
		return brand, sqp.Product{}, viewstate.State{}, err
	}
	st, err := dashboardState(c, brand.ID, links{s.echo})
	if err != nil {
		return brand, sqp.Product{}, st, err
	}
	product, err := s.products.Product(c.Request().Context(), brand.ID, asin)
	return brand, product, st, err
}

// segmentsRequest validates a request for a product's segments: productRowRequest plus the segment type.
func (s *Server) segmentsRequest(c echo.Context) (sqp.Product, viewstate.State, period.SegmentType, error) {
	_, product, st, err := s.productRowRequest(c)
	if err != nil {
		return product, st, "", err
	}
	t, err := segmentType(c)
	return product, st, t, err
}

// dashboardState is the view state of a request issued by htmx from the dashboard (expand, collapse,
// sort, page). Its URL was rendered with the page, so its expansions may be stale: the browser's current
// URL (sent by htmx) has the ones made since, and they win.
func dashboardState(c echo.Context, brandID string, l links) (viewstate.State, error) {
	st, err := viewState(c)
	if err != nil {
		return st, err
	}
	cur := htmxOf(c.Request()).CurrentURL
	if cur == nil {
		return st, nil
	}
	dash, _ := url.Parse(l.Dashboard(brandID, viewstate.Default()))
	if cur.Path != dash.Path {
		return st, nil
	}
	if v, err := viewstate.ParseQuery(cur.RawQuery); err == nil {
		if now, err := viewstate.Parse(v); err == nil {
			st.Open = now.Open
		}
	}
	return st, nil
}
