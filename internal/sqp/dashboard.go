package sqp

import (
	"slices"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/queryfilter"
)

// Brand is a brand whose products the dashboard shows. Inactive brands are hidden from the web.
type Brand struct {
	ID          string
	Name        string // brand_name, the import key
	DisplayName string
	Active      bool
	// Terms are the brand terms an admin set (normalised, queryfilter.NormalizeTerm); empty when none
	// were set. SearchTerms is what decides whether a query is branded.
	Terms []string
}

// SearchTerms returns the terms that make a search query branded: the ones an admin set, or else the
// brand's names.
func (b Brand) SearchTerms() []string {
	if len(b.Terms) > 0 {
		return b.Terms
	}
	return queryfilter.DefaultTerms(b.DisplayName, b.Name)
}

// QueryMatch narrows a table of search queries: the filter typed in the box and the branded switch, which
// needs the brand's search terms (Brand.SearchTerms).
type QueryMatch struct {
	Filter     queryfilter.Filter
	Branded    queryfilter.Branding
	BrandTerms []string
}

// Keeps reports whether m keeps query: the same rule internal/postgres applies in SQL.
func (m QueryMatch) Keeps(query string) bool {
	return m.Filter.Match(query) && m.Branded.Keeps(query, m.BrandTerms)
}

// Product is an ASIN mapped to a brand.
type Product struct {
	BrandID string
	ASIN    string
	Title   string
}

// ProductSummary is one row of the product table: an ASIN's weekly segments in a range, summed, plus the
// segment metadata that decides whether the row can expand.
type ProductSummary struct {
	ASIN            string
	Title           string
	Counts          metrics.Counts
	WeeklySegments  int
	MonthlySegments int
	// QuarterlySegments counts the calendar quarters whose weeks lie in the range, as MonthlySegments.
	QuarterlySegments int
	// Weeks is the number of weeks in the range the product has data in (its weekly segments).
	Weeks int
	// BestPurchaseShare is the product's highest weekly purchase share in the range, as a fraction
	// (metrics.BestPurchaseShare of its weekly segments): the input of its opportunity.
	BestPurchaseShare metrics.Value
}

// Opportunity is the product's opportunity over the range (metrics.OpportunityFrom on its own weekly
// totals, docs/diagnosis.md).
func (p ProductSummary) Opportunity() metrics.Value {
	return metrics.OpportunityFrom(p.BestPurchaseShare, p.Counts.TotalPurchases, p.Counts.ASINPurchases)
}

// PeriodCounts is a product's weekly segments in a comparison period, summed, and how many weeks of it
// have data.
type PeriodCounts struct {
	Counts metrics.Counts
	Weeks  int
}

// LikeForLike reports whether a period with weeks weeks of data is fairly compared with one that has
// comparisonWeeks: the comparison must have at least as many weeks of data. A month with four weeks of data
// against one that had a single week would show a growth that is only missing data. Every comparison of
// the dashboard (segment rows, KPI cards, product rows) follows this rule.
func LikeForLike(weeks, comparisonWeeks int) bool {
	return comparisonWeeks >= weeks
}

// Expandable reports whether the row has segments to show.
func (p ProductSummary) Expandable() bool {
	return p.WeeklySegments > 0 || p.MonthlySegments > 0 || p.QuarterlySegments > 0
}

// ProductFilter selects, orders and pages the product table.
type ProductFilter struct {
	BrandID        string
	Marketplace    string // country code; the table shows one marketplace at a time
	Range          period.Range
	ASIN           string // exactly this ASIN; empty: all
	Search         string // ASIN or title, case-insensitive substring; empty: all
	MinImpressions int64
	Sort           SortKey
	Desc           bool
	Limit          int // 0: all rows (the CSV export)
	Offset         int
}

// ProductPage is one page of the product table and the number of products over all pages.
type ProductPage struct {
	Products []ProductSummary
	Total    int
}

// Segment is one row of brand_product_segments: one ASIN in one week or calendar month.
type Segment struct {
	Type       period.SegmentType
	Start, End time.Time
	// DataStart..DataEnd are the days of the weekly reports the segment is built from (earliest_date,
	// latest_date): for a month, its first week with data to the end of its last one.
	DataStart, DataEnd time.Time
	Counts             metrics.Counts
	DataPoints         int
}

// InRange reports whether the segment lies in r: the weeks it is built from do (corrections #16). A
// segment without data dates is judged by its calendar dates.
func (s Segment) InRange(r period.Range) bool {
	if s.DataStart.IsZero() || s.DataEnd.IsZero() {
		return r.Contains(s.Start, s.End)
	}
	return r.Contains(s.DataStart, s.DataEnd)
}

// MarketplaceData is a marketplace a brand has data in, and the end of its newest week there.
type MarketplaceData struct {
	Marketplace Marketplace
	LastWeekEnd time.Time
}

// WeekCounts is the counts of one week, the unit of every trend line.
type WeekCounts struct {
	WeekStart time.Time
	Counts    metrics.Counts
}

// QueryCounts is one search query's counts summed over some weeks.
type QueryCounts struct {
	Query  string
	Counts metrics.Counts
	// BestPurchaseShare is the highest weekly purchase share of those weeks, as a fraction (set by the
	// product page's query table, metrics.BestPurchaseShare): the input of the query's opportunity.
	BestPurchaseShare metrics.Value
}

// Opportunity is the query's opportunity over its weeks (metrics.OpportunityFrom, docs/diagnosis.md).
func (q QueryCounts) Opportunity() metrics.Value {
	return metrics.OpportunityFrom(q.BestPurchaseShare, q.Counts.TotalPurchases, q.Counts.ASINPurchases)
}

// QueryFilter selects, orders and pages the search queries of one product.
type QueryFilter struct {
	BrandID     string
	Marketplace string // country code
	ASIN        string
	Range       period.Range
	Match       QueryMatch
	Sort        SortKey
	Desc        bool
	Limit       int // 0: all
	Offset      int
}

// QueryPage is one page of search queries and the number of queries over all pages.
type QueryPage struct {
	Queries []QueryCounts
	Total   int
}

// SortKey is a column the product or query table can be sorted by: a metric key, or one of the keys below.
type SortKey string

// Sort keys that are not metrics.
const (
	SortASIN     SortKey = "asin"
	SortTitle    SortKey = "title"
	SortSegments SortKey = "segments"
	SortQuery    SortKey = "query"
	// SortOpportunity orders by the opportunity (metrics.OpportunityFrom), undefined last.
	SortOpportunity SortKey = "opportunity"
)

// ProductSortKeys are the sort keys of the product table.
func ProductSortKeys() []SortKey {
	return append([]SortKey{SortASIN, SortTitle, SortSegments, SortOpportunity}, metricSortKeys()...)
}

// QuerySortKeys are the sort keys of a product's search query table.
func QuerySortKeys() []SortKey {
	return append(append([]SortKey{SortQuery}, metricSortKeys()...), SortOpportunity)
}

func metricSortKeys() []SortKey {
	out := make([]SortKey, len(metrics.All()))
	for i, k := range metrics.All() {
		out[i] = SortKey(k)
	}
	return out
}

// SegmentPair is a segment and its comparison: the segment of the same type right before it, matched by
// date (the previous week or calendar month), never by position. Previous is zero when there is none;
// PreviousDataPoints is how many weekly reports it was built from.
type SegmentPair struct {
	Segment            Segment
	Previous           metrics.Counts
	PreviousDataPoints int
	HasPrevious        bool
}

// LikeForLike reports whether the comparison is fair (LikeForLike of the weekly reports each segment was
// built from).
func (p SegmentPair) LikeForLike() bool {
	return p.HasPrevious && LikeForLike(p.Segment.DataPoints, p.PreviousDataPoints)
}

// PairSegments pairs the segments lying in r (Segment.InRange) with their previous segments, found among segs
// (which may hold segments before r for that purpose). The result is newest first, the order in which every
// list of segment rows (the expansion, its CSV and JSON) shows them: the latest week is what a brand
// manager looks at first.
func PairSegments(segs []Segment, r period.Range) []SegmentPair {
	byStart := make(map[time.Time]Segment, len(segs))
	for _, s := range segs {
		byStart[s.Start] = s
	}
	out := make([]SegmentPair, 0, len(segs))
	ascending := true // strictly, oldest first: how the storage reads them
	for _, s := range segs {
		if !s.InRange(r) {
			continue
		}
		if n := len(out); n > 0 && !out[n-1].Segment.Start.Before(s.Start) {
			ascending = false
		}
		prev, ok := byStart[s.Type.Previous(s.Start)]
		out = append(out, SegmentPair{Segment: s, Previous: prev.Counts, PreviousDataPoints: prev.DataPoints, HasPrevious: ok})
	}
	if len(out) == 0 {
		return nil
	}
	if ascending {
		// The sort's result in one pass: sorting a reversed year of large pairs moved each about 26 times
		// (14% of the view model's CPU for a year of weeks).
		slices.Reverse(out)
		return out
	}
	slices.SortStableFunc(out, func(a, b SegmentPair) int { return b.Segment.Start.Compare(a.Segment.Start) })
	return out
}

// ExpansionQuery asks for what one product row of the table shows, expanded or not: its numbers over
// Range in Marketplace, its comparison over Base when HasBase, and, when Type is set, its segments of that
// type in Range (with the one right before it, the first row's comparison) and their TopQueries top search
// queries.
type ExpansionQuery struct {
	BrandID     string
	ASIN        string
	Marketplace string
	Range       period.Range
	Base        period.Range
	HasBase     bool
	Type        period.SegmentType // "": the row alone
	TopQueries  int
}

// ProductExpansion is the answer to an ExpansionQuery, read at one moment, with the brand's marketplaces
// and their newest weeks as they were then: a caller that chose Range from older ones can tell.
type ProductExpansion struct {
	Product  ProductSummary
	Base     PeriodCounts
	Segments []Segment
	// Top are each segment's top search queries by segment start; only their purchases and clicks are
	// set.
	Top     map[time.Time][]QueryCounts
	Markets []MarketplaceData
}
