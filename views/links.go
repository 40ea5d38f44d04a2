package views

import (
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Links builds the URLs of the dashboard from route names and a view state (the web package implements
// it by reverse routing), so every link carries the whole state and no template builds a URL by hand.
type Links interface {
	Dashboard(brandID string, s sqp.ViewState) string
	Product(brandID, asin string, s sqp.ViewState) string
	Segments(brandID, asin string, t period.SegmentType, s sqp.ViewState) string
	ProductRow(brandID, asin string, s sqp.ViewState) string
	ProductsCSV(brandID string, s sqp.ViewState) string
	SegmentsCSV(brandID, asin string, t period.SegmentType, s sqp.ViewState) string
}
