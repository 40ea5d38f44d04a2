package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// productsExport downloads the product table as CSV: the same range, comparison, filters and order as the
// page, all pages.
func (s *Server) productsExport(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rr, err := s.resolveRange(ctx, brand.ID, st)
	if err != nil {
		return err
	}
	// New columns (opportunity and diagnosis, docs/diagnosis.md; quarterly segments, weeks of data and,
	// with a comparison, its weeks of data and whether it is like-for-like; then marketplace and currency,
	// always last) come after the older ones, so that the columns spreadsheets already read keep their places.
	header := append(append([]string{"asin", "title"}, metricHeader(rr.HasBase)...), "weekly_segments", "monthly_segments", "opportunity", "diagnosis",
		"quarterly_segments", "weeks_with_data")
	if rr.HasBase {
		header = append(header, "comparison_weeks_with_data", "like_for_like")
	}
	records := [][]string{append(header, "marketplace", "currency")}
	if rr.HasData {
		f := productFilter(brand.ID, rr.Market.Code, st, rr.Range)
		f.Limit, f.Offset = 0, 0
		page, base, err := s.loadProducts(ctx, brand.ID, st, rr, f)
		if err != nil {
			return err
		}
		for _, p := range page.Products {
			var b *metrics.Counts
			if rr.HasBase {
				bc := base[p.ASIN].Counts
				b = &bc
			}
			rec := append([]string{p.ASIN, p.Title}, metricRecord(p.Counts, b)...)
			rec = append(rec, strconv.Itoa(p.WeeklySegments), strconv.Itoa(p.MonthlySegments),
				csvValue(p.Opportunity()), string(metrics.Diagnose(p.Counts).Leak), strconv.Itoa(p.QuarterlySegments), strconv.Itoa(p.Weeks))
			if rr.HasBase {
				bw := base[p.ASIN].Weeks
				rec = append(rec, strconv.Itoa(bw), strconv.FormatBool(bw > 0 && sqp.LikeForLike(p.Weeks, bw)))
			}
			records = append(records, append(rec, rr.Market.Code, rr.Market.Currency))
		}
	}
	return writeCSV(c, brand.Name+"-products.csv", records)
}
