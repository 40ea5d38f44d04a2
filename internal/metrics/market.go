package metrics

// MarketFigures are what the SQP reports say about a set of query rows (a product's queries over a range,
// or one query's) beyond the counts in Counts: the market's and the ASIN's median prices (Prices) and the
// market's delivery speeds (Shipping). They add up like Counts.
type MarketFigures struct {
	Prices   Prices
	Shipping Shipping
}

// Add returns the sum of two sets of market figures.
func (m MarketFigures) Add(o MarketFigures) MarketFigures {
	return MarketFigures{Prices: m.Prices.Add(o.Prices), Shipping: m.Shipping.Add(o.Shipping)}
}
