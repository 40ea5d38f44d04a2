package views

import (
	"strconv"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// QueryPageSize is the page size of the product page's search query table.
const QueryPageSize = 25

// ProductPageData is what the product page shows, as loaded from storage.
type ProductPageData struct {
	Brand   sqp.Brand
	Product sqp.Product
	Market  sqp.Marketplace // the marketplace shown
	State   viewstate.State
	HasData bool
	Range   period.Range
	Base    period.Range
	HasBase bool
	Weeks   []sqp.WeekCounts // the product's weekly segments in Range
	BaseSum metrics.Counts
	// BaseWeeks is the number of weeks of Base the product has data in (sqp.LikeForLike with len(Weeks)).
	BaseWeeks int
	Queries   sqp.QueryPage
	QueryBase map[string]metrics.Counts
	// MarketFigures are the product's median prices and its market's delivery speeds over Range;
	// QueryMarket the same per search query of Queries.
	MarketFigures metrics.MarketFigures
	QueryMarket   map[string]metrics.MarketFigures
}

// ProductPage is the product page.
type ProductPage struct {
	Shell        Shell
	BrandName    string
	BackURL      string
	Title        string
	ASIN         string
	MarketLabel  string // "United States (US) · prices in USD"
	RangeLabel   string
	CompareLabel string
	// CompareNote says on screen that the comparison period has no data or fewer weeks of data than the
	// range (the KPI changes are then not coloured); "" when the comparison is fair.
	CompareNote string
	NoData      bool
	KPIs        []KPI
	CountCharts []LineChart
	ShareCharts []LineChart
	Funnel      []FunnelStep
	// Diagnosis is the product's funnel diagnosis over the range; Opportunity its opportunity with the
	// best weekly purchase share it is measured against (docs/diagnosis.md).
	Diagnosis   DiagnosisView
	Opportunity OpportunityView
	// Market sets the product beside the market of its search queries.
	Market  MarketTable
	Queries QueryTable
	// SegmentCSVs are the product's weekly, monthly and quarterly segments of the range as CSV.
	SegmentCSVs []SegmentCSV
}

// SegmentCSV is a download link of one segment type's rows.
type SegmentCSV struct {
	Label  string // "Weekly"
	URL    string
	TestID string // "segments-csv-weekly"
}

// FunnelStep is one step of impressions -> clicks -> cart adds -> purchases. Its bar shows the step's
// rate, the share of the step the rate is computed from (clicks of impressions, cart adds and purchases
// of clicks), so the small late steps stay readable: bars of the counts themselves would be a sliver for
// every step after the impressions.
type FunnelStep struct {
	Metric   string
	Label    string
	Value    string
	BarWidth string // the rate, in SVG user units out of 100 (100 for the impressions, the funnel's top)
	// RateLabel names the rate and its base, e.g. "CTR 1.23% of impressions"; the impressions say
	// "top of the funnel".
	RateLabel string
	// Help links the step's label to its glossary entry.
	Help TermLink
}

// QueryTable is the product page's search query table: the fragment htmx swaps on sort and page.
type QueryTable struct {
	Filter  QueryFilterBox
	Columns []Column
	Rows    []QueryRow
	Pager   Pager
	Compare bool
	Empty   string
	// Span is the number of columns, spanned by each query's market row.
	Span int
	// DiagnosisHelp links the diagnosis column (after Columns) to its glossary entry.
	DiagnosisHelp TermLink
}

// QueryRow is one search query of the range.
type QueryRow struct {
	Query string
	// URL is the query's page (the brand's figures for the query), with the page's view state.
	URL   string
	Cells []Cell
	// Diagnosis and Opportunity are the product's on this query (docs/diagnosis.md).
	Diagnosis   DiagnosisView
	Opportunity Cell
	// Market is the query's market, folded under the row.
	Market MarketTable
}

// NewProductPage builds the product page.
func NewProductPage(shell Shell, d ProductPageData, links Links) ProductPage {
	v := ProductPage{
		Shell:     shell,
		BrandName: d.Brand.DisplayName,
		BackURL:   links.Dashboard(d.Brand.ID, d.State),
		Title:     d.Product.Title,
		ASIN:      d.Product.ASIN,
		NoData:    !d.HasData,
		Queries:   NewQueryTable(d, links),
	}
	if v.Title == "" {
		v.Title = d.Product.ASIN
	}
	for _, t := range period.SegmentTypes() {
		v.SegmentCSVs = append(v.SegmentCSVs, SegmentCSV{Label: segmentTypeLabel(t), URL: links.SegmentsCSV(d.Brand.ID, d.Product.ASIN, t, d.State), TestID: "segments-csv-" + string(t)})
	}
	if d.Market.Code != "" {
		v.MarketLabel = marketLabel(d.Market)
	}
	if !d.HasData {
		return v
	}
	v.RangeLabel, v.CompareLabel = rangeLabels(d.Range, d.Base, d.HasBase, d.State.Compare)
	var sum metrics.Counts
	v.KPIs, sum = newKPIs(d.Weeks, d.BaseSum, d.HasBase)
	if d.HasBase {
		v.CompareNote = markComparison(len(d.Weeks), d.BaseWeeks, kpiDeltas(v.KPIs))
	}
	for _, k := range []metrics.Key{metrics.Impressions, metrics.Clicks, metrics.CartAdds, metrics.Purchases} {
		v.CountCharts = append(v.CountCharts, NewTrendChart(k, d.Weeks))
	}
	for _, k := range []metrics.Key{metrics.ImpressionShare, metrics.ClickShare, metrics.CartAddShare, metrics.PurchaseShare} {
		v.ShareCharts = append(v.ShareCharts, NewTrendChart(k, d.Weeks))
	}
	v.Funnel = newFunnel(sum)
	v.Diagnosis = NewDiagnosisView(metrics.Diagnose(sum))
	v.Diagnosis.Help = termLink(metrics.TermDiagnosis)
	v.Opportunity = newProductOpportunity(d.Weeks, sum)
	v.Market = NewMarketTable("This product and its market", sum, d.MarketFigures, d.Market.Currency)
	return v
}

// OpportunityView is an opportunity as a sentence: the figure and what it is measured against.
type OpportunityView struct {
	Value string // "15", "—"
	Raw   string // exact, for machines
	Basis string // "at the best weekly purchase share of the range, 15.00% (now 11.25%)"
	// Help links the word "Opportunity" to its glossary entry.
	Help TermLink
}

// noBestWeekBasis is the basis shown beside an undefined opportunity: no week reached the minimum market
// purchases a weekly share needs (metrics.MinWeekMarketPurchases).
var noBestWeekBasis = "(no week of the range has " + strconv.Itoa(metrics.MinWeekMarketPurchases) + " market purchases)"

// newProductOpportunity is the product's opportunity: metrics.OpportunityOf its weekly segments, the same
// figure as its product row.
func newProductOpportunity(weeks []sqp.WeekCounts, sum metrics.Counts) OpportunityView {
	counts := make([]metrics.Counts, len(weeks))
	for i, w := range weeks {
		counts[i] = w.Counts
	}
	o := metrics.OpportunityOf(counts)
	v := OpportunityView{Value: FormatOpportunity(o), Raw: rawValue(o), Basis: noBestWeekBasis, Help: termLink(metrics.TermOpportunity)}
	if best := metrics.BestPurchaseShare(counts); best.OK {
		v.Basis = "purchases at its best weekly purchase share of the range, " + FormatMetric(metrics.PurchaseShare, metrics.Known(best.V*100)) +
			" (over the range " + FormatMetric(metrics.PurchaseShare, sum.Get(metrics.PurchaseShare)) + ")"
	}
	return v
}

func newFunnel(sum metrics.Counts) []FunnelStep {
	steps := []struct {
		k    metrics.Key
		rate metrics.Key
		base string
	}{{metrics.Impressions, "", ""}, {metrics.Clicks, metrics.CTR, "impressions"}, {metrics.CartAdds, metrics.CartAddRate, "clicks"}, {metrics.Purchases, metrics.CVR, "clicks"}}
	var out []FunnelStep
	for _, s := range steps {
		v := sum.Get(s.k)
		f := FunnelStep{Metric: string(s.k), Label: metrics.Label(s.k), Value: FormatMetric(s.k, v), Help: termLink(string(s.k))}
		width := 0.0
		if s.rate == "" {
			f.RateLabel = "top of the funnel"
			if v.V > 0 {
				width = 100
			}
		} else {
			r := sum.Get(s.rate)
			f.RateLabel = metrics.Label(s.rate) + " " + FormatMetric(s.rate, r) + " of " + s.base
			if r.OK && r.V > 0 {
				// A visible sliver for a rate that rounds to nothing; over 100% (a cart add without a
				// click of its own) fills the bar, the label says the number.
				width = min(max(r.V, 0.5), 100)
			}
		}
		f.BarWidth = strconv.FormatFloat(width, 'f', 2, 64)
		out = append(out, f)
	}
	return out
}

// NewQueryTable builds the search query table of the product page.
func NewQueryTable(d ProductPageData, links Links) QueryTable {
	s := d.State
	url := func(n viewstate.State) string { return links.Product(d.Brand.ID, d.Product.ASIN, n) }
	t := QueryTable{Compare: d.HasBase}
	t.Filter = NewQueryFilterBox(s, d.Brand, url, func(n viewstate.State) viewstate.State { n.QueryPage = 1; return n })
	t.Columns = append(t.Columns, newQueryColumn(sqp.SortQuery, "Search query", false, s, url))
	for _, k := range metrics.All() {
		t.Columns = append(t.Columns, newQueryColumn(sqp.SortKey(k), metricLabel(k, d.Market.Currency), true, s, url))
	}
	t.Columns = append(t.Columns, newQueryColumn(sqp.SortOpportunity, OpportunityLabel, true, s, url))
	for _, q := range d.Queries.Queries {
		var base *metrics.Counts
		if d.HasBase {
			b := d.QueryBase[q.Query]
			base = &b
		}
		t.Rows = append(t.Rows, QueryRow{Query: q.Query, URL: links.Query(d.Brand.ID, q.Query, s.WithoutASINTable()), Cells: newCells(q.Counts, base, d.Market.Currency),
			Diagnosis: NewDiagnosisView(metrics.Diagnose(q.Counts)), Opportunity: newOpportunityCell(q.Opportunity()),
			Market: NewMarketTable("“"+q.Query+"” and its market", q.Counts, d.QueryMarket[q.Query], d.Market.Currency)})
	}
	t.Pager = newPager("Search queries", d.Queries.Total, s.QueryPage, QueryPageSize, func(page int) string {
		n := s
		n.QueryPage = page
		return url(n)
	})
	if len(t.Rows) == 0 {
		t.Empty = "No search queries in this range."
		if t.Filter.ClearURL != "" {
			t.Empty = "No search queries in this range match the filter."
		}
	}
	t.DiagnosisHelp = termLink(metrics.TermDiagnosis)
	t.Span = len(t.Columns) + 1 // and the diagnosis
	return t
}

// newQueryColumn is a sortable header of the query table (its own sort parameters, qsort and qdir): the
// figures sort descending first, the query text ascending; a second click flips the order.
func newQueryColumn(key sqp.SortKey, label string, numeric bool, s viewstate.State, url func(viewstate.State) string) Column {
	c := Column{Key: string(key), Label: label, Numeric: numeric, Help: termLink(string(key))}
	c.AriaSort, c.Arrow, c.URL = sortHeader(s.QuerySort == key, s.QueryDesc, numeric, func(desc bool) string {
		n := s
		n.QuerySort, n.QueryDesc, n.QueryPage = key, desc, 1
		return url(n)
	})
	return c
}
