package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/metrics"
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
	// New columns (opportunity and diagnosis, docs/diagnosis.md; then marketplace and currency, always
	// last) come after the older ones, so that the columns spreadsheets already read keep their places.
	records := [][]string{append(append([]string{"asin", "title"}, metricHeader(rr.HasBase)...), "weekly_segments", "monthly_segments", "opportunity", "diagnosis", "marketplace", "currency")}
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
			records = append(records, append(rec, strconv.Itoa(p.WeeklySegments), strconv.Itoa(p.MonthlySegments),
				csvValue(p.Opportunity()), string(metrics.Diagnose(p.Counts).Leak), rr.Market.Code, rr.Market.Currency))
		}
	}
	return writeCSV(c, brand.Name+"-products.csv", records)
}
