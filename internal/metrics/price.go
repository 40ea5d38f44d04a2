package metrics

// Median prices. Amazon publishes, per search query and week, the market's median click, cart-add and
// purchase prices and each ASIN's own, never the prices behind them, so a median over several rows (a
// brand's ASINs in one query-week, or the weeks of a range) cannot be computed. sqpdash approximates it by
// the count-weighted mean of the rows' medians, each weighted by the step's count on that row: clicks for
// the click price, cart adds for the cart-add price, purchases for the purchase price; the market's counts
// for the market's medians, the ASIN's (the brand's) for the ASIN's. It is exact for a single row (one ASIN
// in one week). Rows without a price carry no weight. The avg. median purchase price of Counts (AvgPrice)
// is this definition at the purchase step.

// PriceSum re-aggregates median prices: it adds up, so any range is re-aggregated exactly from its weeks
// and any set of ASINs from its rows.
type PriceSum struct {
	// AmountCents is the sum over the priced rows of median price (in cents) x count.
	AmountCents int64
	// Weight is the sum of the counts of those rows.
	Weight int64
}

// PriceOf is one row's median price (in cents) at a step with the step's count on that row.
func PriceOf(cents, count int64) PriceSum { return PriceSum{AmountCents: cents * count, Weight: count} }

// Add returns the sum of two price sums.
func (p PriceSum) Add(o PriceSum) PriceSum {
	return PriceSum{AmountCents: p.AmountCents + o.AmountCents, Weight: p.Weight + o.Weight}
}

// Value is the weighted median price in currency units, rounded to cents like every price shown;
// undefined without a priced count.
func (p PriceSum) Value() Value {
	if p.Weight <= 0 || p.AmountCents < 0 {
		return Value{}
	}
	// Rounded half up in integers: a float division could land just below a half cent.
	cents := (2*p.AmountCents + p.Weight) / (2 * p.Weight)
	return Known(float64(cents) / 100)
}

// Prices are the market's and the ASIN's (or the brand's) median prices at the three priced funnel steps,
// in one currency (a marketplace's): prices of different currencies are never added.
type Prices struct {
	MarketClick, ASINClick       PriceSum
	MarketCartAdd, ASINCartAdd   PriceSum
	MarketPurchase, ASINPurchase PriceSum
}

// Add returns the sum of two sets of prices.
func (p Prices) Add(o Prices) Prices {
	return Prices{
		MarketClick: p.MarketClick.Add(o.MarketClick), ASINClick: p.ASINClick.Add(o.ASINClick),
		MarketCartAdd: p.MarketCartAdd.Add(o.MarketCartAdd), ASINCartAdd: p.ASINCartAdd.Add(o.ASINCartAdd),
		MarketPurchase: p.MarketPurchase.Add(o.MarketPurchase), ASINPurchase: p.ASINPurchase.Add(o.ASINPurchase),
	}
}
