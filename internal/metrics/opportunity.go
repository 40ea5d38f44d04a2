package metrics

import "math"

// The opportunity is the number of purchases the brand would have won over a range had it held, every week,
// its own best weekly purchase share of that range:
//
//	opportunity = max(0, best_share x market_purchases - brand_purchases)
//
// best_share is the brand's highest weekly purchase share (brand purchases / market purchases, capped at 1)
// among the weeks of the range with at least MinWeekMarketPurchases market purchases, market_purchases and
// brand_purchases are the sums over the range. It is a share the brand has reached on that market, so the
// figure needs no outside benchmark; it is undefined ("—") when no week of the range had that many market
// purchases. The minimum keeps a week of tiny volume from setting the share: 1 market purchase that the
// brand won is a 100% share, and would make the opportunity the whole range's market purchases.
//
// For a search query the counts are the query's (the brand's ASINs summed, the market counted once per
// week). For a product they are the product's weekly totals over all its queries: the best week of the
// product as a whole, not the sum of its queries' opportunities (which would need every query-week of
// every product and would credit the product with each query's luckiest week at once).

// MinWeekMarketPurchases is the least number of market purchases a week needs for its purchase share to
// count toward the best weekly purchase share: the same round number as the diagnosis's MinExpectedCount
// (fewer events say nothing about a rate). It must be at least 1 (the SQL divides by the week's market
// purchases only in weeks that reach it); the SQL receives it as a query parameter, never as a literal.
const MinWeekMarketPurchases = 10

// OpportunityDefinition is the one-line definition of the opportunity, for the glossary and header titles.
const OpportunityDefinition = "Opportunity: the purchases the brand would have won at its own best weekly purchase share " +
	"of the range (among weeks with at least 10 market purchases) on the range's market purchases, minus the purchases " +
	"it won (never below 0)."

// BestPurchaseShare returns the highest purchase share, as a fraction from 0 to 1 (not %; a week whose
// brand purchases exceed the market's counts as 1), of the weeks with at least MinWeekMarketPurchases market
// purchases; undefined when no week has that many.
func BestPurchaseShare(weeks []Counts) Value {
	var best Value
	for _, w := range weeks {
		if w.TotalPurchases < MinWeekMarketPurchases || w.TotalPurchases <= 0 {
			continue
		}
		s := math.Min(1, float64(w.ASINPurchases)/float64(w.TotalPurchases))
		if !best.OK || s > best.V {
			best = Known(s)
		}
	}
	return best
}

// OpportunityFrom returns the opportunity of a range from its best weekly purchase share (a fraction, as
// BestPurchaseShare returns it) and the range's market and brand purchases; undefined without a best
// share or market purchases.
func OpportunityFrom(best Value, marketPurchases, brandPurchases int64) Value {
	if !best.OK || marketPurchases <= 0 {
		return Value{}
	}
	return Known(math.Max(0, best.V*float64(marketPurchases)-float64(brandPurchases)))
}

// OpportunityOf returns the opportunity of the given weeks (one query's or one product's).
func OpportunityOf(weeks []Counts) Value {
	var sum Counts
	for _, w := range weeks {
		sum = sum.Add(w)
	}
	return OpportunityFrom(BestPurchaseShare(weeks), sum.TotalPurchases, sum.ASINPurchases)
}
