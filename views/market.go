package views

import (
	"github.com/sqpdash/sqpdash/internal/metrics"
)

// MarketTable sets a product (or one of its search queries) beside its market, one row per funnel step:
// the market total, the product's count and share, the market's and the product's rate from the previous
// step, the market's and the product's median price, and the market's delivery-speed shares.
type MarketTable struct {
	Caption string
	Groups  []MarketHeader // the first header row after the step column: column groups
	Columns []MarketHeader // the second header row, one per cell of a step
	Steps   []MarketStep
	// Summary is the one line that stands for the table where it is folded away (a query's details).
	Summary string
}

// MarketHeader is a header cell; Span is the number of columns of a group.
type MarketHeader struct {
	Label string
	Title string   // what the column holds, shown on hover
	Help  TermLink // a group's glossary entry
	Span  int
}

// MarketStep is one funnel step of a MarketTable.
type MarketStep struct {
	Step  string // the metric key of the step's count: impressions, clicks, cart_adds, purchases
	Label string
	Cells []MarketCell // in the order of MarketTable.Columns
}

// MarketCell is one cell: Figure names the column (data-figure), Raw is the machine-readable value
// (data-value, empty when undefined or not applicable).
type MarketCell struct {
	Figure string
	Text   string
	Raw    string
}

// The columns of a MarketTable (data-figure values).
const (
	FigureMarket       = "market"
	FigureProduct      = "product"
	FigureShare        = "share"
	FigureRate         = "rate"
	FigureMarketRate   = "market_rate"
	FigureProductRate  = "product_rate"
	FigureMarketPrice  = "market_price"
	FigureProductPrice = "product_price"
	FigureSameDay      = "same_day"
	FigureOneDay       = "one_day"
	FigureTwoDay       = "two_day"
)

// marketSteps are the funnel steps of a MarketTable: the step's count, its rate from the previous step,
// and the metrics of its prices and speeds.
var marketSteps = []struct {
	count, rate metrics.Key
	price       func(metrics.Prices) (market, product metrics.PriceSum)
	speeds      func(metrics.Shipping) metrics.Speeds
}{
	{count: metrics.Impressions},
	{metrics.Clicks, metrics.CTR,
		func(p metrics.Prices) (metrics.PriceSum, metrics.PriceSum) { return p.MarketClick, p.ASINClick },
		func(s metrics.Shipping) metrics.Speeds { return s.Clicks }},
	{metrics.CartAdds, metrics.CartAddRate,
		func(p metrics.Prices) (metrics.PriceSum, metrics.PriceSum) { return p.MarketCartAdd, p.ASINCartAdd },
		func(s metrics.Shipping) metrics.Speeds { return s.CartAdds }},
	{metrics.Purchases, metrics.CVR,
		func(p metrics.Prices) (metrics.PriceSum, metrics.PriceSum) { return p.MarketPurchase, p.ASINPurchase },
		func(s metrics.Shipping) metrics.Speeds { return s.Purchases }},
}

// shareOf is the share metric of a step's count.
var shareOf = map[metrics.Key]metrics.Key{
	metrics.Impressions: metrics.ImpressionShare, metrics.Clicks: metrics.ClickShare,
	metrics.CartAdds: metrics.CartAddShare, metrics.Purchases: metrics.PurchaseShare,
}

// NewMarketTable builds the market table of c (the product's counts with their market totals) and m (its
// market figures); currency is the marketplace's, named with every price.
func NewMarketTable(caption string, c metrics.Counts, m metrics.MarketFigures, currency string) MarketTable {
	priceGroup := "Median price"
	if currency != "" {
		priceGroup += " (" + currency + ")"
	}
	t := MarketTable{
		Caption: caption,
		Groups: []MarketHeader{
			{Label: "Count", Help: termLink(metrics.TermMarket), Span: 3},
			{Label: "Rate from the previous step", Help: termLink(metrics.TermMarketRates), Span: 3},
			{Label: priceGroup, Help: termLink(metrics.TermBrandMedianPrice), Span: 2},
			{Label: "Market delivery speed", Help: termLink(metrics.TermShippingSpeed), Span: 3},
		},
		Columns: []MarketHeader{
			{Label: "Market", Title: "The market total of the step."},
			{Label: "This product", Title: "This product's part of the market total."},
			{Label: "Share", Title: "This product's count / the market total, in %."},
			{Label: "Rate", Title: "CTR = clicks / impressions, cart-add rate = cart adds / clicks, CVR = purchases / clicks."},
			{Label: "Market", Title: "The rate computed from the market totals."},
			{Label: "This product", Title: "The rate computed from this product's counts."},
			{Label: "Market", Title: "The market's median price of the step (weighted over weeks and queries)."},
			{Label: "This product", Title: "This product's median price of the step (weighted over weeks and queries)."},
			{Label: "Same-day", Title: "The market's share of the step on offers with same-day delivery."},
			{Label: "1-day", Title: "The market's share of the step on offers with 1-day delivery."},
			{Label: "2-day", Title: "The market's share of the step on offers with 2-day delivery."},
		},
	}
	market := c.Market()
	for _, s := range marketSteps {
		row := MarketStep{Step: string(s.count), Label: metrics.Label(s.count)}
		row.Cells = append(row.Cells,
			valueCell(FigureMarket, s.count, market.Get(s.count)),
			valueCell(FigureProduct, s.count, c.Get(s.count)),
			valueCell(FigureShare, shareOf[s.count], c.Get(shareOf[s.count])))
		if s.rate == "" {
			row.Cells = append(row.Cells, MarketCell{Figure: FigureRate}, MarketCell{Figure: FigureMarketRate}, MarketCell{Figure: FigureProductRate},
				MarketCell{Figure: FigureMarketPrice}, MarketCell{Figure: FigureProductPrice},
				MarketCell{Figure: FigureSameDay}, MarketCell{Figure: FigureOneDay}, MarketCell{Figure: FigureTwoDay})
			t.Steps = append(t.Steps, row)
			continue
		}
		mp, pp := s.price(m.Prices)
		sp := s.speeds(m.Shipping)
		row.Cells = append(row.Cells,
			MarketCell{Figure: FigureRate, Text: metrics.Label(s.rate)},
			valueCell(FigureMarketRate, s.rate, market.Get(s.rate)),
			valueCell(FigureProductRate, s.rate, c.Get(s.rate)),
			valueCell(FigureMarketPrice, metrics.AvgPrice, mp.Value()),
			valueCell(FigureProductPrice, metrics.AvgPrice, pp.Value()),
			valueCell(FigureSameDay, metrics.CTR, sp.SameDay.Share()),
			valueCell(FigureOneDay, metrics.CTR, sp.OneDay.Share()),
			valueCell(FigureTwoDay, metrics.CTR, sp.TwoDay.Share()))
		t.Steps = append(t.Steps, row)
	}
	t.Summary = marketSummary(c, m, currency)
	return t
}

// valueCell formats v as the metric k is formatted (k gives the kind: count, percent or money).
func valueCell(figure string, k metrics.Key, v metrics.Value) MarketCell {
	return MarketCell{Figure: figure, Text: FormatMetric(k, v), Raw: rawValue(v)}
}

// marketSummary is the folded line of a query's market: "Market: 1,234 purchases · CVR 2.40% (this
// product 3.10%) · median purchase price 24.99 (this product 26.50) USD".
func marketSummary(c metrics.Counts, m metrics.MarketFigures, currency string) string {
	market := c.Market()
	s := "Market: " + FormatMetric(metrics.Purchases, market.Get(metrics.Purchases)) + " purchases · CVR " +
		FormatMetric(metrics.CVR, market.Get(metrics.CVR)) + " (this product " + FormatMetric(metrics.CVR, c.Get(metrics.CVR)) + ")"
	s += " · median purchase price " + FormatMetric(metrics.AvgPrice, m.Prices.MarketPurchase.Value()) +
		" (this product " + FormatMetric(metrics.AvgPrice, m.Prices.ASINPurchase.Value()) + ")"
	if currency != "" {
		s += " " + currency
	}
	return s
}
