package postgres

import "github.com/sqpdash/sqpdash/internal/metrics"

// sumFunnelCounts sums the brand (asin_*) and market (total_*) counts of the four funnel steps, columns
// that the segment views and brand_query_weeks name alike.
const sumFunnelCounts = `
	sum(asin_impressions)::bigint  AS asin_impressions,
	sum(total_impressions)::bigint AS total_impressions,
	sum(asin_clicks)::bigint       AS asin_clicks,
	sum(total_clicks)::bigint      AS total_clicks,
	sum(asin_cart_adds)::bigint    AS asin_cart_adds,
	sum(total_cart_adds)::bigint   AS total_cart_adds,
	sum(asin_purchases)::bigint    AS asin_purchases,
	sum(total_purchases)::bigint   AS total_purchases`

// sumSegmentCounts sums the count columns of brand_product_segments rows. The money amount is kept in
// cents so a range re-aggregates exactly.
const sumSegmentCounts = sumFunnelCounts + `,
	coalesce(round(sum(purchase_price_amount) * 100), 0)::bigint AS price_cents,
	coalesce(sum(priced_purchases), 0)::bigint AS priced_purchases`

// sumQueryCounts sums the count columns of sqp.search_query_performance rows (alias q), the same
// quantities as sumSegmentCounts computed from the base table.
const sumQueryCounts = `
	sum(q.asin_impression_count)::bigint        AS asin_impressions,
	sum(q.total_query_impression_count)::bigint AS total_impressions,
	sum(q.asin_click_count)::bigint             AS asin_clicks,
	sum(q.total_click_count)::bigint            AS total_clicks,
	sum(q.asin_cart_add_count)::bigint          AS asin_cart_adds,
	sum(q.total_cart_add_count)::bigint         AS total_cart_adds,
	sum(q.asin_purchase_count)::bigint          AS asin_purchases,
	sum(q.total_purchase_count)::bigint         AS total_purchases,
	coalesce(round(sum(q.asin_median_purchase_price * q.asin_purchase_count) * 100), 0)::bigint AS price_cents,
	coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL), 0)::bigint AS priced_purchases`

// countsRow is the scan target of the columns of sumSegmentCounts and sumQueryCounts; embed it.
type countsRow struct {
	ASINImpressions  int64 `db:"asin_impressions"`
	TotalImpressions int64 `db:"total_impressions"`
	ASINClicks       int64 `db:"asin_clicks"`
	TotalClicks      int64 `db:"total_clicks"`
	ASINCartAdds     int64 `db:"asin_cart_adds"`
	TotalCartAdds    int64 `db:"total_cart_adds"`
	ASINPurchases    int64 `db:"asin_purchases"`
	TotalPurchases   int64 `db:"total_purchases"`
	PriceCents       int64 `db:"price_cents"`
	PricedPurchases  int64 `db:"priced_purchases"`
}

func (r countsRow) counts() metrics.Counts {
	return metrics.Counts{
		ASINImpressions:    r.ASINImpressions,
		TotalImpressions:   r.TotalImpressions,
		ASINClicks:         r.ASINClicks,
		TotalClicks:        r.TotalClicks,
		ASINCartAdds:       r.ASINCartAdds,
		TotalCartAdds:      r.TotalCartAdds,
		ASINPurchases:      r.ASINPurchases,
		TotalPurchases:     r.TotalPurchases,
		PurchasePriceCents: r.PriceCents,
		PricedPurchases:    r.PricedPurchases,
	}
}

// segmentInRange is the range rule of brand_product_segments rows (corrections #16), with from and to the
// SQL of the range's bounds: a segment lies in a range when the weeks it is built from do, that is its
// reports, earliest_date..latest_date. For a week that is the week itself; a month is in the range as soon
// as its weeks with data are, although the calendar month ends later (the newest month of a range ending
// on a Saturday), and a month whose first or last weeks lie outside the range is left out. The same rule as
// public.get_marketplace_segment_metadata.
func segmentInRange(from, to string) string {
	return "earliest_date >= " + from + " AND latest_date <= " + to
}

// sortExpr returns the ORDER BY expression of a metric over the columns of a countsRow. Ratios are
// ratios of sums, as metrics defines them; an undefined ratio is NULL and sorts last either way.
func sortExpr(key string) (string, bool) {
	switch metrics.Key(key) {
	case metrics.Impressions:
		return "asin_impressions", true
	case metrics.Clicks:
		return "asin_clicks", true
	case metrics.CartAdds:
		return "asin_cart_adds", true
	case metrics.Purchases:
		return "asin_purchases", true
	case metrics.CTR:
		return "asin_clicks::numeric / nullif(asin_impressions, 0)", true
	case metrics.CVR:
		return "asin_purchases::numeric / nullif(asin_clicks, 0)", true
	case metrics.ImpressionShare:
		return "asin_impressions::numeric / nullif(total_impressions, 0)", true
	case metrics.ClickShare:
		return "asin_clicks::numeric / nullif(total_clicks, 0)", true
	case metrics.CartAddShare:
		return "asin_cart_adds::numeric / nullif(total_cart_adds, 0)", true
	case metrics.PurchaseShare:
		return "asin_purchases::numeric / nullif(total_purchases, 0)", true
	case metrics.AvgPrice:
		return "price_cents::numeric / nullif(priced_purchases, 0)", true
	}
	return "", false
}

// orderBy builds an ORDER BY clause from a whitelisted expression; tie is the unique column that makes
// paging stable.
func orderBy(expr string, desc bool, tie string) string {
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	return "ORDER BY " + expr + " " + dir + " NULLS LAST, " + tie
}

// likePattern turns a search into an ILIKE substring pattern, escaping the wildcards.
func likePattern(s string) string {
	r := []rune{'%'}
	for _, c := range s {
		if c == '%' || c == '_' || c == '\\' {
			r = append(r, '\\')
		}
		r = append(r, c)
	}
	return string(append(r, '%'))
}
