package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// apiSegmentsList returns one product's segments of the range as JSON, each paired by date with the
// previous segment of the same type, with its top search queries.
func (s *Server) apiSegmentsList(c echo.Context) error {
	product, st, t, err := s.segmentsRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rr, err := s.resolveRange(ctx, product.BrandID, st)
	if err != nil {
		return err
	}
	out := apiSegments{BrandID: product.BrandID, ASIN: product.ASIN, Type: string(t), Segments: []apiSegment{},
		Marketplace: rr.Market.Code, Currency: rr.Market.Currency, Marketplaces: newAPIMarketplaces(rr.Markets)}
	if !rr.HasData {
		return c.JSON(http.StatusOK, out)
	}
	out.Range = newAPIRange(rr.Range)
	sd, err := s.loadSegments(ctx, product.BrandID, rr.Market.Code, product.ASIN, t, rr.Range)
	if err != nil {
		return err
	}
	for _, pair := range sqp.PairSegments(sd.Segments, sd.Range) {
		sg := pair.Segment
		as := apiSegment{
			PeriodStart:   sg.Start.Format(dateLayout),
			PeriodEnd:     sg.End.Format(dateLayout),
			Label:         period.SegmentLabel(t, sg.Start, sg.End),
			DataPoints:    sg.DataPoints,
			WeeksInPeriod: t.WeeksIn(sg.Start),
			Counts:        sg.Counts,
			Metrics:       newAPIMetrics(sg.Counts),
			TopQueries:    []apiTopQuery{},
		}
		if pair.HasPrevious {
			as.Previous = &apiPrevious{
				PeriodStart: t.Previous(sg.Start).Format(dateLayout),
				DataPoints:  pair.PreviousDataPoints,
				LikeForLike: pair.LikeForLike(),
				apiCompared: apiCompared{Counts: pair.Previous, Metrics: newAPIMetrics(pair.Previous), Changes: newAPIChanges(sg.Counts, pair.Previous)},
			}
		}
		for _, q := range sd.Top[sg.Start] {
			as.TopQueries = append(as.TopQueries, apiTopQuery{Query: q.Query, Purchases: q.Counts.ASINPurchases, Clicks: q.Counts.ASINClicks})
		}
		out.Segments = append(out.Segments, as)
	}
	return c.JSON(http.StatusOK, out)
}
