package web

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// links builds the dashboard's URLs by reverse routing: a route name, its path parameters and the view
// state as query. It implements views.Links.
type links struct{ e *echo.Echo }

func withQuery(path string, v url.Values) string {
	if q := v.Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

func (l links) Dashboard(brandID string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeDashboard, brandID), s.Values())
}

func (l links) Product(brandID, asin string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeProduct, brandID, asin), s.Values())
}

func (l links) Segments(brandID, asin string, t period.SegmentType, s viewstate.State) string {
	v := s.Values()
	v.Set(viewstate.ParamType, string(t))
	return withQuery(l.e.Reverse(routeSegments, brandID, asin), v)
}

func (l links) ProductRow(brandID, asin string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeProductRow, brandID, asin), s.Values())
}

func (l links) ProductsCSV(brandID string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeProductsCSV, brandID), s.Values())
}

func (l links) SegmentsCSV(brandID, asin string, t period.SegmentType, s viewstate.State) string {
	v := s.Values()
	v.Set(viewstate.ParamType, string(t))
	return withQuery(l.e.Reverse(routeSegmentsCSV, brandID, asin), v)
}

// Query is the query page. Echo's reverse routing inserts parameters as they are, so the text is escaped
// here into one path segment (viewstate.QueryTextSegment); queryParam reads it back.
func (l links) Query(brandID, query string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeQuery, brandID, viewstate.QueryTextSegment(query)), s.Values())
}

func (l links) Queries(brandID string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeQueries, brandID), s.Values())
}

func (l links) QueriesCSV(brandID string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeQueriesCSV, brandID), s.Values())
}

func (l links) APIQueries(brandID string, s viewstate.State) string {
	return withQuery(l.e.Reverse(routeAPIQueries, brandID), s.Values())
}

func (l links) QueryASINs(brandID, query string, s viewstate.State) string {
	v := s.Values()
	v.Set(viewstate.ParamQuery, query)
	return withQuery(l.e.Reverse(routeQueryASINs, brandID), v)
}

func (l links) QueryRow(brandID, query string, s viewstate.State) string {
	v := s.Values()
	v.Set(viewstate.ParamQuery, query)
	return withQuery(l.e.Reverse(routeQueryRow, brandID), v)
}
