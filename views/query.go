package views

import (
	"fmt"
	"strconv"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// QueryPageData is what the query page shows, as loaded from storage: one search query of one brand in
// one marketplace.
type QueryPageData struct {
	Brand   sqp.Brand
	Query   string
	Market  sqp.Marketplace
	State   viewstate.State
	HasData bool // the brand has data in the marketplace (Range is set)
	Range   period.Range
	Base    period.Range
	HasBase bool
	Weeks   []sqp.BrandQueryWeek // the query's weeks in Range with a report of the brand, oldest first
	Sum     sqp.BrandQuery       // the query over Range: the query view's row
	// ASINs are one page of the brand's ASINs on the query over Range, in the order of State.ASINSort;
	// ASINTotal is the number of them over all pages.
	ASINs     []sqp.QueryASIN
	ASINTotal int
	// BaseSum and BaseASINs are the same over Base (when HasBase).
	BaseSum   sqp.BrandQuery
	BaseASINs []sqp.QueryASIN
}

// QueryPage is the query page.
type QueryPage struct {
	Shell        Shell
	BrandName    string
	BackURL      string
	QueriesURL   string // the brand's query view
	Query        string
	MarketLabel  string
	RangeLabel   string
	CompareLabel string
	CompareNote  string
	// NoData: the brand has no data in the marketplace; NoRows: none of its ASINs reported the query in
	// the range (the page still says so, with the range to change).
	NoData  bool
	NoRows  bool
	Summary []QueryFigure
	Chart   QueryChart
	Funnel  QueryFunnel
	// Diagnosis and Opportunity are the query's funnel diagnosis and opportunity over the range
	// (metrics.Diagnose, metrics.OpportunityFrom), as the product page shows a product's.
	Diagnosis   DiagnosisView
	Opportunity OpportunityView
	ASINs       QueryASINTable
}

// QueryFigure is one headline number of the query page.
type QueryFigure struct {
	Key      string
	Label    string
	Title    string // what the number is, for the title attribute
	Value    string
	HasDelta bool
	Delta    DeltaView
	Help     TermLink // the figure's glossary entry
}

// QueryFunnel is the funnel of the range: per step the market, the brand and its share, the rates, the
// median prices and the shipping speeds.
type QueryFunnel struct {
	Currency string
	Steps    []QueryFunnelStep
	Compare  bool
	// Help are the glossary entries of the column groups: market total, brand count, market rates, median
	// price, brand median price, shipping speed.
	MarketHelp, BrandHelp, RatesHelp, PriceHelp, BrandPriceHelp, ShippingHelp TermLink
	// ShareHelp is the brand share's entry.
	ShareHelp TermLink
}

// QueryFunnelStep is one step of the funnel.
type QueryFunnelStep struct {
	Metric      string
	Label       string
	Help        TermLink
	Market      string
	Brand       Cell
	Share       Cell
	RateLabel   string // "CTR", "Cart-add rate", "CVR"; "" for impressions
	MarketRate  string
	BrandRate   Cell
	MarketPrice string // "" for impressions: Amazon reports no impression price
	BrandPrice  string
	SameDay     string
	OneDay      string
	TwoDay      string
	HasPrice    bool
}

// QueryASINTable is one page of the brand's ASINs that won the query, sortable by each column.
type QueryASINTable struct {
	Columns []Column
	Rows    []QueryASINRow
	Compare bool
	Empty   string
	Pager   Pager
}

// QueryColumn is a column header of the query page's tables, with its glossary entry.
type QueryColumn struct {
	Label string
	Help  TermLink
}

// QueryASINRow is one ASIN of the brand on the query.
type QueryASINRow struct {
	ASIN  string
	Title string
	URL   string // the product page
	Weeks string
	Cells []Cell
}

// NewQueryPage builds the query page.
func NewQueryPage(shell Shell, d QueryPageData, links Links) QueryPage {
	v := QueryPage{
		Shell:      shell,
		BrandName:  d.Brand.DisplayName,
		BackURL:    links.Dashboard(d.Brand.ID, d.State.WithoutASINTable()),
		QueriesURL: links.Queries(d.Brand.ID, d.State.WithoutASINTable()),
		Query:      d.Query,
		NoData:     !d.HasData,
	}
	if d.Market.Code != "" {
		v.MarketLabel = marketLabel(d.Market)
	}
	if !d.HasData {
		return v
	}
	v.RangeLabel, v.CompareLabel = rangeLabels(d.Range, d.Base, d.HasBase, d.State.Compare)
	v.NoRows = len(d.Weeks) == 0
	sum := d.Sum
	var base *sqp.BrandQuery
	if d.HasBase {
		base = &d.BaseSum
	}
	v.Summary = newQuerySummary(sum, base, d.ASINTotal)
	v.Chart = NewQueryChart(d.Range, d.Weeks)
	v.Funnel = newQueryFunnel(sum, base, d.Market.Currency)
	v.Diagnosis = NewDiagnosisView(metrics.Diagnose(sum.Counts))
	v.Diagnosis.Help = termLink(metrics.TermDiagnosis)
	v.Opportunity = newQueryOpportunity(sum)
	v.ASINs = newQueryASINTable(d, links)
	if d.HasBase && !v.NoRows {
		deltas := []*DeltaView{}
		for i := range v.Summary {
			if v.Summary[i].HasDelta {
				deltas = append(deltas, &v.Summary[i].Delta)
			}
		}
		for i := range v.Funnel.Steps {
			st := &v.Funnel.Steps[i]
			deltas = append(deltas, &st.Brand.Delta, &st.Share.Delta)
			if st.BrandRate.HasDelta {
				deltas = append(deltas, &st.BrandRate.Delta)
			}
		}
		v.CompareNote = markComparison(sum.Weeks, d.BaseSum.Weeks, deltas)
	}
	return v
}

// newQuerySummary are the headline figures: Search Query Volume, best score, weeks and ASINs.
func newQuerySummary(sum sqp.BrandQuery, base *sqp.BrandQuery, asins int) []QueryFigure {
	vol := QueryFigure{Key: "search_query_volume", Label: "Search Query Volume", Value: FormatCount(sum.Volume),
		Title: "How often shoppers searched this query in the range: Amazon's weekly figure, counted once per week and added up"}
	if base != nil {
		vol.HasDelta = true
		vol.Delta = NewDeltaView(countChange(sum.Volume, base.Volume))
	}
	score := QueryFigure{Key: "search_query_score", Label: "Best Search Query Score", Value: dash,
		Title: "The query's best (lowest) rank among the brand's ASINs' queries in the range; 1 is the most searched"}
	if sum.HasScore {
		score.Value = strconv.Itoa(sum.BestScore)
	}
	weeks := QueryFigure{Key: "weeks", Label: "Weeks with data", Value: strconv.Itoa(sum.Weeks),
		Title: "Weeks of the range in which at least one of the brand's ASINs reported this query"}
	n := QueryFigure{Key: "asins", Label: "ASINs", Value: strconv.Itoa(asins),
		Title: "The brand's ASINs that reported this query in the range"}
	vol.Help, score.Help, weeks.Help = termLink(metrics.TermSearchQueryVolume), termLink(metrics.TermSearchQueryScore), termLink(metrics.TermWeeksOfData)
	return []QueryFigure{vol, score, weeks, n}
}

// newQueryOpportunity is the query's opportunity: the purchases the brand would win at its best weekly
// purchase share of the range on the range's market purchases (the query view's figure).
func newQueryOpportunity(sum sqp.BrandQuery) OpportunityView {
	o := metrics.OpportunityFrom(sum.BestPurchaseShare, sum.Counts.TotalPurchases, sum.Counts.ASINPurchases)
	v := OpportunityView{Value: FormatOpportunity(o), Raw: rawValue(o), Basis: noBestWeekBasis, Help: termLink(metrics.TermOpportunity)}
	if best := sum.BestPurchaseShare; best.OK {
		v.Basis = "purchases at the brand's best weekly purchase share of the range, " + FormatMetric(metrics.PurchaseShare, metrics.Known(best.V*100)) +
			" (over the range " + FormatMetric(metrics.PurchaseShare, sum.Counts.Get(metrics.PurchaseShare)) + ")"
	}
	return v
}

// countChange is the change of a count as metrics computes it for counts (in %).
func countChange(cur, base int64) metrics.Delta {
	return metrics.Change(metrics.Impressions, metrics.Counts{ASINImpressions: cur}, metrics.Counts{ASINImpressions: base})
}

func newQueryFunnel(sum sqp.BrandQuery, base *sqp.BrandQuery, currency string) QueryFunnel {
	f := QueryFunnel{Currency: currency, Compare: base != nil,
		MarketHelp: termLink(metrics.TermMarket), BrandHelp: termLink(metrics.TermBrandCount), RatesHelp: termLink(metrics.TermMarketRates),
		PriceHelp: termLink(metrics.TermMedianPrice), BrandPriceHelp: termLink(metrics.TermBrandMedianPrice), ShippingHelp: termLink(metrics.TermShippingSpeed),
		ShareHelp: termLink(metrics.TermShare)}
	p := sum.Prices
	steps := []struct {
		count, share, rate metrics.Key
		market, brand      metrics.PriceSum
		ship               metrics.Speeds
		total              int64
	}{
		{metrics.Impressions, metrics.ImpressionShare, "", metrics.PriceSum{}, metrics.PriceSum{}, metrics.Speeds{}, sum.Counts.TotalImpressions},
		{metrics.Clicks, metrics.ClickShare, metrics.CTR, p.MarketClick, p.ASINClick, sum.Shipping.Clicks, sum.Counts.TotalClicks},
		{metrics.CartAdds, metrics.CartAddShare, metrics.CartAddRate, p.MarketCartAdd, p.ASINCartAdd, sum.Shipping.CartAdds, sum.Counts.TotalCartAdds},
		{metrics.Purchases, metrics.PurchaseShare, metrics.CVR, p.MarketPurchase, p.ASINPurchase, sum.Shipping.Purchases, sum.Counts.TotalPurchases},
	}
	market := sum.Counts.Market()
	for _, s := range steps {
		st := QueryFunnelStep{
			Metric: string(s.count),
			Label:  metrics.Label(s.count),
			Help:   termLink(string(s.count)),
			Market: FormatCount(s.total),
			Brand:  newCell(s.count, sum.Counts, base, ""),
			Share:  newCell(s.share, sum.Counts, base, ""),
		}
		if s.rate != "" {
			st.RateLabel = metrics.Label(s.rate)
			st.MarketRate = FormatMetric(s.rate, market.Get(s.rate))
			st.BrandRate = newCell(s.rate, sum.Counts, base, "")
			st.HasPrice = true
			st.MarketPrice = formatPrice(s.market.Value(), currency)
			st.BrandPrice = formatPrice(s.brand.Value(), currency)
			st.SameDay = FormatMetric(s.share, s.ship.SameDay.Share())
			st.OneDay = FormatMetric(s.share, s.ship.OneDay.Share())
			st.TwoDay = FormatMetric(s.share, s.ship.TwoDay.Share())
		}
		f.Steps = append(f.Steps, st)
	}
	return f
}

// newCell formats one metric of cur, with its change against base when given.
func newCell(k metrics.Key, cur metrics.Counts, base *sqp.BrandQuery, currency string) Cell {
	v := cur.Get(k)
	c := Cell{Metric: string(k), Text: FormatMetric(k, v), Raw: rawValue(v)}
	if metrics.KindOf(k) == metrics.Money && v.OK && currency != "" {
		c.Text += " " + currency
	}
	if base != nil {
		c.HasDelta = true
		c.Delta = NewDeltaView(metrics.Change(k, cur, base.Counts))
	}
	return c
}

// formatPrice is a price with its currency, "—" when undefined.
func formatPrice(v metrics.Value, currency string) string {
	if !v.OK {
		return dash
	}
	if currency == "" {
		return formatDecimal(v.V)
	}
	return formatDecimal(v.V) + " " + currency
}

func newQueryASINTable(d QueryPageData, links Links) QueryASINTable {
	s := d.State
	url := func(n viewstate.State) string { return links.Query(d.Brand.ID, d.Query, n) }
	t := QueryASINTable{Compare: d.HasBase}
	t.Columns = append(t.Columns, newQueryASINColumn("asin", "Product", TermLink{}, false, s, url),
		newQueryASINColumn(string(sqp.QueryASINSortWeeks), "Weeks", termLink(metrics.TermWeeksOfData), true, s, url))
	for _, k := range sqp.QueryASINMetrics() {
		c := newQueryASINColumn(string(k), metrics.Label(k), termLink(string(k)), true, s, url)
		t.Columns = append(t.Columns, c)
	}
	base := map[string]metrics.Counts{}
	for _, a := range d.BaseASINs {
		base[a.ASIN] = a.Counts
	}
	for _, a := range d.ASINs {
		r := QueryASINRow{ASIN: a.ASIN, Title: a.Title, URL: links.Product(d.Brand.ID, a.ASIN, d.State.WithoutASINTable()), Weeks: strconv.Itoa(a.Weeks)}
		if r.Title == "" {
			r.Title = a.ASIN
		}
		for _, k := range sqp.QueryASINMetrics() {
			v := a.Counts.Get(k)
			c := Cell{Metric: string(k), Text: FormatMetric(k, v), Raw: rawValue(v)}
			if d.HasBase {
				c.HasDelta = true
				c.Delta = NewDeltaView(metrics.Change(k, a.Counts, base[a.ASIN]))
			}
			r.Cells = append(r.Cells, c)
		}
		t.Rows = append(t.Rows, r)
	}
	t.Pager = newPager("ASINs", d.ASINTotal, s.ASINPage, s.Size, func(page int) string {
		n := s
		n.ASINPage = page
		return url(n)
	})
	if len(t.Rows) == 0 {
		t.Empty = fmt.Sprintf("None of the brand's products reported %q in this range.", d.Query)
	}
	return t
}

// QueryASINsID is the id of the query page's ASIN table region, which htmx swaps on sort and page: it
// selects the region from the full page of the new URL, so the page and its table share one URL.
const QueryASINsID = "query-asins"

// newQueryASINColumn is a header of the ASIN table: the figures sort descending first, the ASIN
// ascending, and a second click flips the order; a new order starts on the first page.
func newQueryASINColumn(key, label string, help TermLink, numeric bool, s viewstate.State, url func(viewstate.State) string) Column {
	col := Column{Key: key, Label: label, Numeric: numeric, Product: !numeric, Help: help}
	k := sqp.QueryASINSortKey(key)
	col.AriaSort, col.Arrow, col.URL = sortHeader(s.ASINSort == k, s.ASINDesc, k != sqp.QueryASINSortASIN, func(desc bool) string {
		n := s
		n.ASINSort, n.ASINDesc, n.ASINPage = k, desc, 1
		return url(n)
	})
	return col
}
