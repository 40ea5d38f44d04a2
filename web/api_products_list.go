package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// apiProductsList returns the product table as JSON: the same parameters, numbers and paging (by product)
// as the page, each product paired with its own comparison counts.
func (s *Server) apiProductsList(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rr, err := s.resolveRange(ctx, brand.ID, st)
	if err != nil {
		return err
	}
	out := apiProducts{apiListing: newAPIListing(brand, rr, st, string(st.Sort), st.Desc, st.Page), Products: []apiProduct{}}
	if !rr.HasData {
		return c.JSON(http.StatusOK, out)
	}
	page, base, err := s.loadProducts(ctx, brand.ID, st, rr, productFilter(brand.ID, rr.Market.Code, st, rr.Range))
	if err != nil {
		return err
	}
	out.Total = page.Total
	for _, p := range page.Products {
		ap := apiProduct{ASIN: p.ASIN, Title: p.Title, WeeklySegments: p.WeeklySegments, MonthlySegments: p.MonthlySegments,
			QuarterlySegments: p.QuarterlySegments, WeeksWithData: p.Weeks, Counts: p.Counts, Metrics: newAPIMetrics(p.Counts), Diagnosis: newAPIDiagnosis(p.Counts)}
		if o := p.Opportunity(); o.OK {
			ap.Metrics[opportunityMetric] = &o.V
		} else {
			ap.Metrics[opportunityMetric] = nil
		}
		if rr.HasBase {
			b := base[p.ASIN]
			ap.Comparison = &apiProductComparison{
				apiCompared:   apiCompared{Counts: b.Counts, Metrics: newAPIMetrics(b.Counts), Changes: newAPIChanges(p.Counts, b.Counts)},
				WeeksWithData: b.Weeks,
				LikeForLike:   b.Weeks > 0 && sqp.LikeForLike(p.Weeks, b.Weeks),
			}
		}
		out.Products = append(out.Products, ap)
	}
	return c.JSON(http.StatusOK, out)
}
