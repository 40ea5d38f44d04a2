package web

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// The request prologues of the dashboard's routes: each validates the path and query parameters through
// the one parser (sqp.ParseViewState and friends) and loads the brand through brandOf.

// viewState parses the request's query: the one entry point from user input to a validated ViewState.
func viewState(c echo.Context) (sqp.ViewState, error) {
	return sqp.ParseViewState(c.QueryParams())
}

// brandRequest validates a brand route's request: the brand and the view state.
func (s *Server) brandRequest(c echo.Context) (sqp.Brand, sqp.ViewState, error) {
	brand, err := s.brandOf(c)
	if err != nil {
		return sqp.Brand{}, sqp.ViewState{}, err
	}
	st, err := dashboardState(c, brand.ID, links{s.echo})
	return brand, st, err
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
	st, err := dashboardState(c, brand.ID, links{s.echo})
	return product, st, err
}

// segmentsRequest validates a request for a product's segments: productRowRequest plus the segment type.
func (s *Server) segmentsRequest(c echo.Context) (sqp.Product, sqp.ViewState, period.SegmentType, error) {
	product, st, err := s.productRowRequest(c)
	if err != nil {
		return product, st, "", err
	}
	t, err := sqp.ParseSegmentType(c.QueryParams())
	return product, st, t, err
}

// dashboardState is the view state of a request issued by htmx from the dashboard (expand, collapse,
// sort, page). Its URL was rendered with the page, so its expansions may be stale: the browser's current
// URL (sent by htmx) has the ones made since, and they win.
func dashboardState(c echo.Context, brandID string, l links) (sqp.ViewState, error) {
	st, err := viewState(c)
	if err != nil {
		return st, err
	}
	cur := htmxOf(c.Request()).CurrentURL
	if cur == nil {
		return st, nil
	}
	dash, _ := url.Parse(l.Dashboard(brandID, sqp.DefaultViewState()))
	if cur.Path != dash.Path {
		return st, nil
	}
	if now, err := sqp.ParseViewState(cur.Query()); err == nil {
		st.Open = now.Open
	}
	return st, nil
}
