package importer

import (
	"strings"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// columnKind says how a Seller Central CSV cell is read.
type columnKind int

const (
	kindQuery      columnKind = iota // the search query text
	kindScore                        // search query score, optional
	kindCount                        // one of the eight core counts: required, never NULL
	kindOptional                     // an optional count (volume, shipping speeds): missing -> NULL
	kindPrice                        // a median price: missing -> NULL
	kindShare                        // an ASIN share %: not stored (recomputed from counts), checked for > 100
	kindRate                         // a rate %: not stored, not checked
	kindReportDate                   // Reporting Date: the period end
)

// column is one known header of the Seller Central CSV (ASIN view).
type column struct {
	header   string   // the US header, as Amazon writes it
	aliases  []string // other locales' spellings (UK first of all)
	kind     columnKind
	count    func(*sqp.QueryRow) *int64
	optional func(*sqp.QueryRow) **int64
	price    func(*sqp.QueryRow) **sqp.Cents
	// total is the header of the market total this ASIN count or share belongs to, for the
	// "ASIN count above total" warning.
	total string
}

// sellerCentralColumns is the alias table of the Seller Central CSV header. Columns are found by name,
// never by position, because Amazon's locales spell them differently and the order is not promised.
// The UK locale writes "Basket Add" for "Cart Add" and hyphenates the shipping speeds; those spellings
// are listed here. Case and repeated spaces never matter (see headerKey).
func sellerCentralColumns() []column {
	return []column{
		{header: "Search Query", kind: kindQuery},
		{header: "Search Query Score", kind: kindScore},
		{header: "Search Query Volume", kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.SearchQueryVolume }},

		{header: "Impressions: Total Count", kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.TotalQueryImpressionCount }},
		{header: "Impressions: ASIN Count", kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.ASINImpressionCount }, total: "Impressions: Total Count"},
		{header: "Impressions: ASIN Share %", kind: kindShare},

		{header: "Clicks: Total Count", kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.TotalClickCount }},
		{header: "Clicks: Click Rate %", kind: kindRate},
		{header: "Clicks: ASIN Count", kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.ASINClickCount }, total: "Clicks: Total Count"},
		{header: "Clicks: ASIN Share %", kind: kindShare},
		{header: "Clicks: Price (Median)", kind: kindPrice, price: func(r *sqp.QueryRow) **sqp.Cents { return &r.TotalMedianClickPrice }},
		{header: "Clicks: ASIN Price (Median)", kind: kindPrice, price: func(r *sqp.QueryRow) **sqp.Cents { return &r.ASINMedianClickPrice }},
		{header: "Clicks: Same Day Shipping Speed", aliases: []string{"Clicks: Same-Day Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalSameDayShippingClicks }},
		{header: "Clicks: 1D Shipping Speed", aliases: []string{"Clicks: 1D-Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalOneDayShippingClicks }},
		{header: "Clicks: 2D Shipping Speed", aliases: []string{"Clicks: 2D-Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalTwoDayShippingClicks }},

		{header: "Cart Adds: Total Count", aliases: []string{"Basket Adds: Total Count"}, kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.TotalCartAddCount }},
		{header: "Cart Adds: Cart Add Rate %", aliases: []string{"Basket Adds: Basket Add Rate %"}, kind: kindRate},
		{header: "Cart Adds: ASIN Count", aliases: []string{"Basket Adds: ASIN Count"}, kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.ASINCartAddCount }, total: "Cart Adds: Total Count"},
		{header: "Cart Adds: ASIN Share %", aliases: []string{"Basket Adds: ASIN Share %"}, kind: kindShare},
		{header: "Cart Adds: Price (Median)", aliases: []string{"Basket Adds: Price (Median)"}, kind: kindPrice, price: func(r *sqp.QueryRow) **sqp.Cents { return &r.TotalMedianCartAddPrice }},
		{header: "Cart Adds: ASIN Price (Median)", aliases: []string{"Basket Adds: ASIN Price (Median)"}, kind: kindPrice, price: func(r *sqp.QueryRow) **sqp.Cents { return &r.ASINMedianCartAddPrice }},
		{header: "Cart Adds: Same Day Shipping Speed", aliases: []string{"Basket Adds: Same-Day Shipping Speed", "Basket Adds: Same Day Shipping Speed", "Cart Adds: Same-Day Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalSameDayShippingCartAdds }},
		{header: "Cart Adds: 1D Shipping Speed", aliases: []string{"Basket Adds: 1D-Shipping Speed", "Basket Adds: 1D Shipping Speed", "Cart Adds: 1D-Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalOneDayShippingCartAdds }},
		{header: "Cart Adds: 2D Shipping Speed", aliases: []string{"Basket Adds: 2D-Shipping Speed", "Basket Adds: 2D Shipping Speed", "Cart Adds: 2D-Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalTwoDayShippingCartAdds }},

		{header: "Purchases: Total Count", kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.TotalPurchaseCount }},
		{header: "Purchases: Purchase Rate %", kind: kindRate},
		{header: "Purchases: ASIN Count", kind: kindCount, count: func(r *sqp.QueryRow) *int64 { return &r.ASINPurchaseCount }, total: "Purchases: Total Count"},
		{header: "Purchases: ASIN Share %", kind: kindShare},
		{header: "Purchases: Price (Median)", kind: kindPrice, price: func(r *sqp.QueryRow) **sqp.Cents { return &r.TotalMedianPurchasePrice }},
		{header: "Purchases: ASIN Price (Median)", kind: kindPrice, price: func(r *sqp.QueryRow) **sqp.Cents { return &r.ASINMedianPurchasePrice }},
		{header: "Purchases: Same Day Shipping Speed", aliases: []string{"Purchases: Same-Day Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalSameDayShippingPurchases }},
		{header: "Purchases: 1D Shipping Speed", aliases: []string{"Purchases: 1D-Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalOneDayShippingPurchases }},
		{header: "Purchases: 2D Shipping Speed", aliases: []string{"Purchases: 2D-Shipping Speed"}, kind: kindOptional, optional: func(r *sqp.QueryRow) **int64 { return &r.TotalTwoDayShippingPurchases }},

		{header: "Reporting Date", kind: kindReportDate},
	}
}

// headerKey is the form headers are compared in: case, surrounding and repeated spaces do not matter.
func headerKey(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}
