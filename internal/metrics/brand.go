package metrics

import "time"

// Brand-level figures (the KPI cards, brand_performance_enhanced, any number about a brand rather than one
// of its products) are defined the way Amazon's Brand View reports them: for each search query and week,
// the brand's counts are the sum over its ASINs, and the query's market totals are counted once; a range
// adds up those query-weeks. The market total of a query is the same number on every ASIN row of that
// query and week, so adding up per-ASIN totals (as the spec's brand view did) counts the market once per
// ASIN that reports the query, and the brand's shares come out too low. Per product the per-ASIN sums are
// right and stay as they are.
//
// The materialized view brand_marketplace_segments computes the same in SQL (one marketplace at a time:
// figures of different marketplaces are never added); Brand is the definition its tests are checked
// against.

// ASINQuery is one row of an ASIN's weekly SQP report: one search query in one week, with the ASIN's
// counts and the query's market totals as Amazon reports them (Counts.Total* are the market's).
type ASINQuery struct {
	WeekStart time.Time
	Query     string
	Counts    Counts
}

// Brand adds up the rows of a brand's ASINs (of one marketplace) into brand-level counts: ASIN counts and
// priced purchases summed over every row, market totals counted once per query and week. Should two
// ASINs' rows of one query-week disagree on a market total, the larger counts (the market is at least as
// big as any report of it says).
func Brand(rows []ASINQuery) Counts {
	type queryWeek struct {
		week  time.Time
		query string
	}
	market := map[queryWeek]Counts{}
	var sum Counts
	for _, r := range rows {
		c := r.Counts
		sum.ASINImpressions += c.ASINImpressions
		sum.ASINClicks += c.ASINClicks
		sum.ASINCartAdds += c.ASINCartAdds
		sum.ASINPurchases += c.ASINPurchases
		sum.PurchasePriceCents += c.PurchasePriceCents
		sum.PricedPurchases += c.PricedPurchases
		k := queryWeek{r.WeekStart.UTC(), r.Query}
		m := market[k]
		m.TotalImpressions = max(m.TotalImpressions, c.TotalImpressions)
		m.TotalClicks = max(m.TotalClicks, c.TotalClicks)
		m.TotalCartAdds = max(m.TotalCartAdds, c.TotalCartAdds)
		m.TotalPurchases = max(m.TotalPurchases, c.TotalPurchases)
		market[k] = m
	}
	for _, m := range market {
		sum.TotalImpressions += m.TotalImpressions
		sum.TotalClicks += m.TotalClicks
		sum.TotalCartAdds += m.TotalCartAdds
		sum.TotalPurchases += m.TotalPurchases
	}
	return sum
}
