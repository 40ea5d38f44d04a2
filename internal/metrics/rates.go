package metrics

// Market returns the market's totals as if the market were one product: its ASIN counts are the market
// totals, so Get(CTR), Get(CartAddRate) and Get(CVR) of the result are the market rates (clicks per
// impression, cart adds per click, purchases per click, computed from the totals) with the one definition
// every product rate has. Shares and the price of the result mean nothing and are left undefined.
func (c Counts) Market() Counts {
	return Counts{
		ASINImpressions: c.TotalImpressions,
		ASINClicks:      c.TotalClicks,
		ASINCartAdds:    c.TotalCartAdds,
		ASINPurchases:   c.TotalPurchases,
	}
}
