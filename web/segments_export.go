package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// segmentsExport downloads one product's segments of the range as CSV, each with its change against the
// previous segment of the same type and its top search queries.
func (s *Server) segmentsExport(c echo.Context) error {
	product, st, t, err := s.segmentsRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rr, err := s.resolveRange(ctx, product.BrandID, st)
	if err != nil {
		return err
	}
	// marketplace and currency come last, so that the columns spreadsheets already read keep their places.
	records := [][]string{append(append([]string{"segment_type", "period_start", "period_end", "label"}, metricHeader(true)...), "top_queries", "marketplace", "currency")}
	if rr.HasData {
		sd, err := s.loadSegments(ctx, product.BrandID, rr.Market.Code, product.ASIN, t, rr.Range)
		if err != nil {
			return err
		}
		for _, row := range sqp.PairSegments(sd.Segments, sd.Range) {
			rec := append([]string{string(t), row.Segment.Start.Format(dateLayout), row.Segment.End.Format(dateLayout), period.SegmentLabel(t, row.Segment.Start, row.Segment.End)}, metricRecord(row.Segment.Counts, &row.Previous)...)
			var top []string
			for _, q := range sd.Top[row.Segment.Start] {
				top = append(top, q.Query)
			}
			records = append(records, append(rec, strings.Join(top, "; "), rr.Market.Code, rr.Market.Currency))
		}
	}
	return writeCSV(c, product.ASIN+"-"+string(t)+"-segments.csv", records)
}
