package views

import (
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// Links builds the URLs of the dashboard from route names and a view state (the web package implements
// it by reverse routing), so every link carries the whole state and no template builds a URL by hand.
type Links interface {
	Dashboard(brandID string, s viewstate.State) string
	Product(brandID, asin string, s viewstate.State) string
	Segments(brandID, asin string, t period.SegmentType, s viewstate.State) string
	ProductRow(brandID, asin string, s viewstate.State) string
	ProductsCSV(brandID string, s viewstate.State) string
	SegmentsCSV(brandID, asin string, t period.SegmentType, s viewstate.State) string
	// Query is the page of one search query of a brand; any text is safe (viewstate.QueryTextSegment).
	Query(brandID, query string, s viewstate.State) string
	// The brand's query view: the page, its CSV and JSON, and a query row expanded to the brand's ASINs
	// (QueryASINs) or collapsed (QueryRow).
	Queries(brandID string, s viewstate.State) string
	QueriesCSV(brandID string, s viewstate.State) string
	APIQueries(brandID string, s viewstate.State) string
	QueryASINs(brandID, query string, s viewstate.State) string
	QueryRow(brandID, query string, s viewstate.State) string
}
