package sqp

import "time"

// WeeklyReport is the unit of import: the search queries of one ASIN in one Amazon reporting week
// (Sunday to Saturday). Storage replaces an ASIN-week's query set with the report's as a whole, so a
// report must hold every query of that week, never a part.
type WeeklyReport struct {
	ASIN string
	// Marketplace is the country code of the Amazon marketplace the report is from (US, UK, DE, ...): the
	// report key is ASIN, marketplace and week, so a report replaces only its own marketplace's week.
	Marketplace string
	WeekStart   time.Time // a Sunday, midnight UTC
	WeekEnd     time.Time // WeekStart + 6 days
	Queries     []QueryRow
}

// QueryRow is one search query of a weekly report, with every count Amazon reports for it.
//
// Only counts are kept: shares and rates are recomputed from counts wherever they are shown (Amazon's
// documents disagree about their units). A nil pointer is a value Amazon left out; it is stored as NULL
// so that "unknown" never turns into a zero that would skew medians and sums.
type QueryRow struct {
	SearchQuery       string
	SearchQueryScore  *int32 // rank among the ASIN's queries, 1 = best
	SearchQueryVolume *int64

	// The eight core counts: total_* is the whole market for the query, ASIN* this product's part of it.
	TotalQueryImpressionCount int64
	ASINImpressionCount       int64
	TotalClickCount           int64
	ASINClickCount            int64
	TotalCartAddCount         int64
	ASINCartAddCount          int64
	TotalPurchaseCount        int64
	ASINPurchaseCount         int64

	TotalMedianClickPrice    *Cents
	ASINMedianClickPrice     *Cents
	TotalMedianCartAddPrice  *Cents
	ASINMedianCartAddPrice   *Cents
	TotalMedianPurchasePrice *Cents
	ASINMedianPurchasePrice  *Cents
	CurrencyCode             string // ISO 4217; empty when unknown

	TotalSameDayShippingClicks *int64
	TotalOneDayShippingClicks  *int64
	TotalTwoDayShippingClicks  *int64

	TotalSameDayShippingCartAdds *int64
	TotalOneDayShippingCartAdds  *int64
	TotalTwoDayShippingCartAdds  *int64

	TotalSameDayShippingPurchases *int64
	TotalOneDayShippingPurchases  *int64
	TotalTwoDayShippingPurchases  *int64
}

// Cents is an amount of money in hundredths of the currency unit, the precision the database keeps
// (numeric(12,2)). An integer, unlike a float, survives a re-import unchanged, so an identical file is
// recognised as identical.
type Cents int64

// BrandMapping assigns an ASIN to a brand, as one line of the brand-mapping CSV says.
type BrandMapping struct {
	ASIN         string
	Brand        string // brand_name; the brand is created when it does not exist yet
	ProductTitle string // empty: no title
	Active       bool
}

// ImportCounts says what storing weekly reports changed. An ASIN-week is "changed" when any of its query
// rows was inserted, updated or deleted; re-importing the same file yields only unchanged ASIN-weeks.
type ImportCounts struct {
	ASINWeeksNew       int
	ASINWeeksChanged   int
	ASINWeeksUnchanged int
	QueryRowsInserted  int
	QueryRowsUpdated   int
	QueryRowsDeleted   int
}

// Add returns the sum of two counts, for a summary over several files.
func (c ImportCounts) Add(o ImportCounts) ImportCounts {
	return ImportCounts{
		ASINWeeksNew:       c.ASINWeeksNew + o.ASINWeeksNew,
		ASINWeeksChanged:   c.ASINWeeksChanged + o.ASINWeeksChanged,
		ASINWeeksUnchanged: c.ASINWeeksUnchanged + o.ASINWeeksUnchanged,
		QueryRowsInserted:  c.QueryRowsInserted + o.QueryRowsInserted,
		QueryRowsUpdated:   c.QueryRowsUpdated + o.QueryRowsUpdated,
		QueryRowsDeleted:   c.QueryRowsDeleted + o.QueryRowsDeleted,
	}
}

// MappingCounts says what a brand-mapping import changed.
type MappingCounts struct {
	BrandsCreated     int
	MappingsNew       int
	MappingsChanged   int
	MappingsUnchanged int
}

// Add returns the sum of two counts, for a summary over several files.
func (c MappingCounts) Add(o MappingCounts) MappingCounts {
	return MappingCounts{
		BrandsCreated:     c.BrandsCreated + o.BrandsCreated,
		MappingsNew:       c.MappingsNew + o.MappingsNew,
		MappingsChanged:   c.MappingsChanged + o.MappingsChanged,
		MappingsUnchanged: c.MappingsUnchanged + o.MappingsUnchanged,
	}
}
