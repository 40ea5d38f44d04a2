package metrics

import "strings"

// Term is one entry of the glossary: the definition of a figure or a word the dashboard shows. The
// glossary page lists every term, and every header and KPI card that shows a term carries its
// definition (title) and links to its entry (#ID), so a definition is written once, here.
type Term struct {
	// ID is the entry's anchor on the glossary page; for a metric it is the metric's Key.
	ID string
	// Name is how the dashboard names the figure ("CTR", "Impr. share").
	Name string
	// Expansion spells out an abbreviated Name ("click-through rate"); "" when Name is not abbreviated.
	Expansion string
	// Definition says what the figure counts or how it is computed, in one or two sentences.
	Definition string
}

// Title is the term as a tooltip: "CTR (click-through rate): clicks / impressions, in %."
func (t Term) Title() string {
	name := t.Name
	if t.Expansion != "" {
		name += " (" + t.Expansion + ")"
	}
	return name + ": " + t.Definition
}

// TermGroup is a section of the glossary page.
type TermGroup struct {
	Title string
	Terms []Term
}

// Glossary IDs of the terms that are not metric keys.
const (
	TermSearchQuery       = "search_query"
	TermSearchQueryVolume = "search_query_volume"
	TermSearchQueryScore  = "search_query_score"
	TermMarket            = "market_total"
	TermBrandCount        = "brand_count"
	TermShare             = "share"
	TermMarketRates       = "market_rates"
	TermMedianPrice       = "median_price"
	TermBrandMedianPrice  = "brand_median_price"
	TermShippingSpeed     = "shipping_speed_share"
	TermChange            = "change"
	TermPercentagePoints  = "pp"
	TermLikeForLike       = "like_for_like"
	TermRange             = "range"
	TermWeek              = "week"
	TermMonth             = "month"
	TermQuarter           = "quarter"
	TermSegments          = "segments"
	TermWeeksOfData       = "weeks_of_data"
	TermDiagnosis         = "diagnosis"
	TermOpportunity       = "opportunity"
	TermUndefined         = "undefined"
)

// glossary is every term, grouped as the glossary page shows them.
var glossary = []TermGroup{
	{Title: "Funnel counts", Terms: []Term{
		{ID: string(Impressions), Name: "Impressions", Definition: "How often the product (on the brand page: the brand's products) was shown in Amazon's search results for the search queries of the report, as Amazon counts it in the Search Query Performance report."},
		{ID: string(Clicks), Name: "Clicks", Definition: "How often shoppers clicked the product in those search results."},
		{ID: string(CartAdds), Name: "Cart adds", Definition: "How often shoppers added the product to their cart after such a search."},
		{ID: string(Purchases), Name: "Purchases", Definition: "How many units of the product were bought after such a search."},
		{ID: TermMarket, Name: "Market total", Definition: "The impressions (clicks, cart adds, purchases) of all products on Amazon for the same search query and week, as the report gives them. For the brand, each query's market total counts once per week, however many of the brand's products report it; labelled \"market\" wherever it is shown."},
		{ID: TermBrandCount, Name: "Brand count", Definition: "The sum of the counts of the brand's products for a search query and week (its ASINs' impressions, clicks, cart adds, purchases)."},
	}},
	{Title: "Shares", Terms: []Term{
		{ID: TermShare, Name: "Share", Definition: "The product's (brand's) count at a funnel step / the market total of the same step, search queries and weeks, in %: impression, click, cart-add and purchase share."},
		{ID: string(ImpressionShare), Name: "Impr. share", Expansion: "impression share", Definition: "The product's (brand's) impressions / the market's impressions of the same search queries and weeks, in %. Computed from summed counts, never averaged."},
		{ID: string(ClickShare), Name: "Click share", Definition: "Clicks / the market's clicks of the same search queries and weeks, in %."},
		{ID: string(CartAddShare), Name: "Cart-add share", Definition: "Cart adds / the market's cart adds of the same search queries and weeks, in %."},
		{ID: string(PurchaseShare), Name: "Purchase share", Definition: "Purchases / the market's purchases of the same search queries and weeks, in %."},
	}},
	{Title: "Rates", Terms: []Term{
		{ID: string(CTR), Name: "CTR", Expansion: "click-through rate", Definition: "Clicks / impressions, in %: how many of the shoppers who saw the product clicked it."},
		{ID: string(CartAddRate), Name: "Cart-add rate", Definition: "Cart adds / clicks, in %."},
		{ID: string(CVR), Name: "CVR", Expansion: "conversion rate, purchase rate", Definition: "Purchases / clicks, in %: purchases per click, not per impression."},
		{ID: TermMarketRates, Name: "Market rates", Definition: "The same rates computed from the market totals: market clicks / market impressions (CTR), market cart adds / market clicks, market purchases / market clicks (CVR). The brand's rates are computed from the brand's counts."},
	}},
	{Title: "Search queries", Terms: []Term{
		{ID: TermSearchQuery, Name: "Search query", Definition: "The words shoppers typed into Amazon's search box, as the report gives them. A report lists up to 100 search queries per product and week."},
		{ID: TermSearchQueryVolume, Name: "Search Query Volume", Definition: "How often shoppers searched for the query in the week, as Amazon reports it. It is a property of the query, not of the product: it counts once per query and week, never summed over the brand's products; over a range the weekly volumes add up."},
		{ID: TermSearchQueryScore, Name: "Search Query Score", Definition: "Amazon's rank of the query among the product's (brand's) search queries of the week by importance: 1 is the best. Over a range the best (lowest) weekly score is shown."},
	}},
	{Title: "Prices", Terms: []Term{
		{ID: string(AvgPrice), Name: "Avg. median purchase price", Definition: "The purchase-weighted mean of the product's median purchase prices per search query and week, in the marketplace's currency. Queries without a price carry no weight."},
		{ID: TermMedianPrice, Name: "Median price", Definition: "The median price of the clicked (added to cart, purchased) products for a search query and week, as Amazon reports it: the market's median over all products, the ASIN's own median for the product. In the marketplace's currency."},
		{ID: TermBrandMedianPrice, Name: "Median price over several weeks or products", Definition: "Amazon publishes medians, never the prices behind them, so a median over several rows is approximated: the count-weighted mean of the rows' medians, each weighted by its count at that step (clicks for the click price, cart adds for the cart-add price, purchases for the purchase price). Exact for a single product and week."},
	}},
	{Title: "Delivery", Terms: []Term{
		{ID: TermShippingSpeed, Name: "Shipping-speed share", Definition: "The market's clicks (cart adds, purchases) on offers with same-day, 1-day or 2-day delivery / the market's clicks (cart adds, purchases), in %, over the reports that give the speeds."},
	}},
	{Title: "Changes and comparisons", Terms: []Term{
		{ID: TermChange, Name: "Change", Definition: "The difference to the comparison period (or, in segment rows, to the previous segment): in % for counts and prices, in percentage points (pp) for shares and rates. ▲ green is up, ▼ red is down, ▬ is unchanged (under 0.05); \"—\" means there is nothing to compare with."},
		{ID: TermPercentagePoints, Name: "pp", Expansion: "percentage points", Definition: "The difference of two percentages: a CTR going from 2.0% to 2.5% is +0.5 pp (a 25% rise)."},
		{ID: TermLikeForLike, Name: "Like-for-like", Definition: "A change is coloured only when the comparison period has at least as many weeks of data as the period shown; otherwise it is shown in grey italics with a note (\"Not like-for-like\"), because a rise may only be missing data."},
	}},
	{Title: "Time and coverage", Terms: []Term{
		{ID: TermRange, Name: "Date range", Definition: "The weeks the figures add up. Dates snap to whole Sunday–Saturday weeks; a segment shows when it lies wholly inside the range."},
		{ID: TermWeek, Name: "Week (weekly)", Definition: "An Amazon reporting week, Sunday to Saturday: one weekly SQP report."},
		{ID: TermMonth, Name: "Month (monthly)", Definition: "A calendar month built from the weeks that start in it (4 or 5 weeks)."},
		{ID: TermQuarter, Name: "Quarter (quarterly)", Definition: "A calendar quarter built from the weeks that start in it (12 to 14 weeks)."},
		{ID: TermSegments, Name: "Segments (13 W · 3 M · 1 Q)", Definition: "How many weekly (W), monthly (M) and quarterly (Q) segments of the product lie in the range: \"13 W · 3 M · 1 Q\" is 13 weeks with data, 3 months and 1 quarter built from them."},
		{ID: TermWeeksOfData, Name: "Weeks of data (coverage)", Definition: "How many weeks of a month (quarter, range) have a report: \"4 of 5 weeks (partial)\" is a month with one week missing. Its figures are the sum of the weeks that have data."},
	}},
	{Title: "Diagnosis", Terms: []Term{
		{ID: TermDiagnosis, Name: "Funnel diagnosis", Definition: strings.TrimPrefix(DiagnosisDefinition, "Funnel diagnosis: ")},
		{ID: TermOpportunity, Name: "Opportunity", Definition: strings.TrimPrefix(OpportunityDefinition, "Opportunity: ") + " In purchases."},
		{ID: TermUndefined, Name: "— (dash)", Definition: "A figure that does not exist: a ratio whose denominator is 0 (a CTR without impressions), a price without a priced purchase, a change from nothing. Never shown as 0."},
	}},
}

// Glossary returns every term, grouped for the glossary page.
func Glossary() []TermGroup { return glossary }

// termByID indexes the glossary.
var termByID = func() map[string]Term {
	m := map[string]Term{}
	for _, g := range glossary {
		for _, t := range g.Terms {
			m[t.ID] = t
		}
	}
	return m
}()

// TermOf returns the glossary term with the given ID (a metric Key, a column key, or one of the Term*
// constants).
func TermOf(id string) (Term, bool) {
	t, ok := termByID[id]
	return t, ok
}
