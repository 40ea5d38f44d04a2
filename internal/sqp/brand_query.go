package sqp

import (
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
)

// BrandQuery is one row of the brand's query view: one search query of a brand in one marketplace over a
// range of weeks (from brand_query_weeks). Brand-level figures: the brand's counts are the sum over its
// ASINs, the query's market figures are counted once per week (corrections #14).
type BrandQuery struct {
	Query string
	// Volume is the Search Query Volume over the range: each week's volume once, never summed over ASINs.
	Volume int64
	// BestScore is the best (lowest) Search Query Score of the range; HasScore is false when no week
	// reported one.
	BestScore int
	HasScore  bool
	// Counts are the brand's counts and the market totals; PurchasePriceCents/PricedPurchases are the
	// brand's purchase price amounts (Counts.Get(AvgPrice) equals Prices.ASINPurchase.Value()).
	Counts metrics.Counts
	// Prices are the market's and the brand's median prices (metrics.PriceSum), in Currency.
	Prices metrics.Prices
	// Shipping is the market's delivery-speed counts.
	Shipping metrics.Shipping
	// Weeks is the number of weeks of the range in which the brand reports the query.
	Weeks int
	// MaxASINs is the most of the brand's ASINs that reported the query in one week of the range.
	MaxASINs int
	// BestPurchaseShare is the brand's highest weekly purchase share in the range, as a fraction (0..1),
	// among the weeks with enough market purchases (metrics.BestPurchaseShare); undefined without such a week.
	// With Counts.TotalPurchases and Counts.ASINPurchases it gives the opportunity (metrics.OpportunityFrom).
	BestPurchaseShare metrics.Value
	// Currency is the currency of the prices (the marketplace's).
	Currency string
}

// BrandQuerySortKey is a column the brand's query view can be sorted by.
type BrandQuerySortKey string

// Sort keys of the query view: the query text, volume and score, the brand's counts, shares and rates
// (metric keys), the market totals, and the opportunity.
const (
	BrandQuerySortQuery             BrandQuerySortKey = "query"
	BrandQuerySortVolume            BrandQuerySortKey = "volume"
	BrandQuerySortScore             BrandQuerySortKey = "score"
	BrandQuerySortMarketImpressions BrandQuerySortKey = "market_impressions"
	BrandQuerySortMarketClicks      BrandQuerySortKey = "market_clicks"
	BrandQuerySortMarketCartAdds    BrandQuerySortKey = "market_cart_adds"
	BrandQuerySortMarketPurchases   BrandQuerySortKey = "market_purchases"
	BrandQuerySortOpportunity       BrandQuerySortKey = "opportunity"
)

// BrandQuerySortKeys are the sort keys of the brand's query view.
func BrandQuerySortKeys() []BrandQuerySortKey {
	keys := []BrandQuerySortKey{BrandQuerySortQuery, BrandQuerySortVolume, BrandQuerySortScore,
		BrandQuerySortMarketImpressions, BrandQuerySortMarketClicks, BrandQuerySortMarketCartAdds, BrandQuerySortMarketPurchases}
	for _, k := range []metrics.Key{metrics.Impressions, metrics.Clicks, metrics.CartAdds, metrics.Purchases,
		metrics.ImpressionShare, metrics.ClickShare, metrics.CartAddShare, metrics.PurchaseShare,
		metrics.CTR, metrics.CartAddRate, metrics.CVR, metrics.AvgPrice} {
		keys = append(keys, BrandQuerySortKey(k))
	}
	return append(keys, BrandQuerySortOpportunity)
}

// BrandQueryFilter selects, orders and pages the brand's query view.
type BrandQueryFilter struct {
	BrandID     string
	Marketplace string // country code: one marketplace at a time
	Range       period.Range
	// Queries, when set, restricts the rows to these search queries (the comparison of a page).
	Queries []string
	// Match is the filter box and the branded switch.
	Match  QueryMatch
	Sort   BrandQuerySortKey
	Desc   bool
	Limit  int // 0: all rows (the CSV export)
	Offset int
}

// BrandQueryPage is one page of the query view and the number of queries over all pages.
type BrandQueryPage struct {
	Queries []BrandQuery
	Total   int
}

// QueryASIN is one of the brand's ASINs reporting a search query over a range (the expansion of a query
// row): the ASIN's counts of that query, with the market totals of the weeks it reports it.
type QueryASIN struct {
	ASIN   string
	Title  string
	Counts metrics.Counts
	// Weeks is the number of weeks of the range in which the ASIN reports the query.
	Weeks int
}

// QueryASINSortKey is a column the query page's ASIN table can be sorted by: the ASIN, its weeks, or a
// metric key of the table's columns.
type QueryASINSortKey string

// Sort keys of the ASIN table that are not metric keys.
const (
	QueryASINSortASIN  QueryASINSortKey = "asin"
	QueryASINSortWeeks QueryASINSortKey = "weeks"
)

// QueryASINMetrics are the metric columns of the ASIN table (and sort keys of it).
func QueryASINMetrics() []metrics.Key {
	return []metrics.Key{metrics.Impressions, metrics.Clicks, metrics.CartAdds, metrics.Purchases,
		metrics.ImpressionShare, metrics.ClickShare, metrics.CartAddShare, metrics.PurchaseShare, metrics.CTR, metrics.CVR}
}

// QueryASINSortKeys are the sort keys of the ASIN table.
func QueryASINSortKeys() []QueryASINSortKey {
	keys := []QueryASINSortKey{QueryASINSortASIN, QueryASINSortWeeks}
	for _, k := range QueryASINMetrics() {
		keys = append(keys, QueryASINSortKey(k))
	}
	return keys
}

// QueryASINFilter selects, orders and pages the brand's ASINs of one search query (the query page's ASIN
// table and a query row's expansion).
type QueryASINFilter struct {
	BrandID     string
	Marketplace string
	Query       string
	Range       period.Range
	// Base, when set, is the comparison period: the page's ASINs are summed over it too.
	Base   *period.Range
	Sort   QueryASINSortKey
	Desc   bool
	Limit  int // 0: every ASIN
	Offset int
}

// QueryASINPage is one page of the brand's ASINs of a search query, ordered as asked, with the same ASINs
// over the comparison period (those that report the query there) and the number of ASINs over all pages.
type QueryASINPage struct {
	ASINs []QueryASIN
	Base  []QueryASIN
	Total int
}
