package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/views"
)

// queriesExport downloads the query view as CSV: the same range, comparison and order as the page, all
// pages, the page's numbers (views.QueryViewFigures) followed by the expansion's figures.
func (s *Server) queriesExport(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rr, err := s.resolveRange(ctx, brand.ID, st)
	if err != nil {
		return err
	}
	header := []string{"query"}
	for _, f := range views.QueryViewFigures(sqp.BrandQuery{}, nil, false) {
		header = append(header, f.Key)
		if rr.HasBase && views.QueryFigureHasChange(f.Key) {
			header = append(header, f.Key+changeSuffix(f.Kind))
		}
	}
	header = append(header, "weeks")
	if rr.HasBase {
		header = append(header, "comparison_weeks", "like_for_like")
	}
	header = append(header, "max_asins")
	for _, e := range queryExtras(sqp.BrandQuery{}) {
		header = append(header, e.name)
	}
	records := [][]string{append(header, "diagnosis", "marketplace", "currency")}
	if rr.HasData {
		f := brandQueryFilter(brand, rr.Market.Code, st, rr.Range)
		f.Limit, f.Offset = 0, 0
		page, base, err := s.loadBrandQueries(ctx, rr, f)
		if err != nil {
			return err
		}
		for _, q := range page.Queries {
			var b *sqp.BrandQuery
			if rr.HasBase {
				bq := base[q.Query]
				b = &bq
			}
			rec := []string{q.Query}
			for _, f := range views.QueryViewFigures(q, b, false) {
				rec = append(rec, csvValue(f.Value))
				if rr.HasBase && views.QueryFigureHasChange(f.Key) {
					rec = append(rec, csvValue(metrics.Value{V: f.Change.V, OK: f.Change.OK}))
				}
			}
			rec = append(rec, strconv.Itoa(q.Weeks))
			if rr.HasBase {
				rec = append(rec, strconv.Itoa(b.Weeks), strconv.FormatBool(sqp.LikeForLike(q.Weeks, b.Weeks)))
			}
			rec = append(rec, strconv.Itoa(q.MaxASINs))
			for _, e := range queryExtras(q) {
				rec = append(rec, csvValue(e.v))
			}
			records = append(records, append(rec, string(metrics.Diagnose(q.Counts).Leak), rr.Market.Code, rr.Market.Currency))
		}
	}
	return writeCSV(c, brand.Name+"-queries.csv", records)
}

// namedValue is a figure of a query beyond the table's columns, as the CSV and the JSON API name it.
type namedValue struct {
	name string
	v    metrics.Value
}

// queryExtras are the query's figures shown in its expansion: median click and cart-add prices (market and
// brand), the market's shipping-speed shares (%) and the brand's best weekly purchase share (a fraction,
// the opportunity's input).
func queryExtras(q sqp.BrandQuery) []namedValue {
	out := []namedValue{
		{"market_click_price", q.Prices.MarketClick.Value()},
		{"click_price", q.Prices.ASINClick.Value()},
		{"market_cart_add_price", q.Prices.MarketCartAdd.Value()},
		{"cart_add_price", q.Prices.ASINCartAdd.Value()},
	}
	for _, step := range []struct {
		name   string
		speeds metrics.Speeds
	}{{"clicks", q.Shipping.Clicks}, {"cart_adds", q.Shipping.CartAdds}, {"purchases", q.Shipping.Purchases}} {
		out = append(out,
			namedValue{"same_day_" + step.name + "_share", step.speeds.SameDay.Share()},
			namedValue{"one_day_" + step.name + "_share", step.speeds.OneDay.Share()},
			namedValue{"two_day_" + step.name + "_share", step.speeds.TwoDay.Share()})
	}
	return append(out, namedValue{"best_purchase_share", q.BestPurchaseShare})
}
