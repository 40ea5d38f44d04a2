package views

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// DashboardData is what the brand dashboard shows, as loaded from storage.
type DashboardData struct {
	Brand  sqp.Brand
	Brands []sqp.Brand
	// Market is the marketplace shown; Markets the brand's marketplaces with data, its default first.
	Market  sqp.Marketplace
	Markets []sqp.MarketplaceData
	State   viewstate.State
	HasData bool
	Range   period.Range
	Base    period.Range
	HasBase bool
	Weeks   []sqp.WeekCounts // the brand per week in Range
	BaseSum metrics.Counts   // the brand over Base
	// BaseWeeks is the number of weeks of Base with data: fewer than len(Weeks) makes the KPI changes
	// not like-for-like.
	BaseWeeks int
	Page      sqp.ProductPage
	BaseByID  map[string]sqp.PeriodCounts // the products of Page over Base, with their weeks of data
	// Expanded holds the segments of the expanded products of Page.
	Expanded map[string]SegmentData
}

// SegmentData is one product's segments for its expansion.
type SegmentData struct {
	Type period.SegmentType
	// Range is the dashboard range; Segments may also hold the segment right before it, the comparison
	// of the first row.
	Range    period.Range
	Segments []sqp.Segment
	Top      map[time.Time][]sqp.QueryCounts
	// Currency is the ISO code of the marketplace's prices.
	Currency string
}

// Dashboard is the brand dashboard page.
type Dashboard struct {
	Shell        Shell
	BrandName    string
	Brands       []BrandOption
	Markets      []BrandOption // the marketplace picker; empty when the brand has no data at all
	MarketLabel  string        // "United States (US) · prices in USD"
	Filters      Filters
	RangeLabel   string
	CompareLabel string
	// CompareNote says on screen why the KPI changes are not a fair comparison, or that there is nothing
	// to compare with ("" when they are fair).
	CompareNote string
	NoData      bool
	NoDataText  string
	KPIs        []KPI
	Table       ProductTable
	// QueriesURL is the brand's query view with the same marketplace, range and comparison.
	QueriesURL string
}

// BrandOption is one entry of the brand picker.
type BrandOption struct {
	Name     string
	URL      string
	Selected bool
}

// Option is one choice of a select.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Filters is the settings form of the dashboard.
type Filters struct {
	Action      string
	Presets     []Option
	From, To    string
	Comparisons []Option
	CmpFrom     string
	CmpTo       string
	Search      string
	MinImpr     string
	Sizes       []Option
	// Hidden are the settings the form does not show but must keep: sort, direction and the expanded
	// rows. htmx changes them after the page loaded, so app.js keeps them in step with the address bar.
	Hidden []Option
}

// KPI is one KPI card.
type KPI struct {
	Metric   string
	Label    string
	Value    string
	HasDelta bool
	Delta    DeltaView
	Spark    LineChart
	// Help links the card's label to its glossary entry.
	Help TermLink
}

// ProductTable is the product table with its header, rows and pager; the region htmx swaps on sort and page.
type ProductTable struct {
	Columns   []Column
	Rows      []ProductRow
	Pager     Pager
	Compare   bool
	ExportURL string
	Empty     string // the message when there are no rows
}

// Column is a sortable column header.
type Column struct {
	Key      string
	Label    string
	URL      string
	AriaSort string // "ascending", "descending" or "none"
	Arrow    string
	Numeric  bool
	Product  bool // the product column: wide, and the first to stay in view
	// Help links the header to its glossary entry (zero when the column has none).
	Help TermLink
}

// Pager is the paging bar of a table.
type Pager struct {
	Summary string // "Products 26–50 of 132"
	PrevURL string
	NextURL string
	Page    string
}

// KPIMetrics are the metrics of the KPI cards, in order.
func KPIMetrics() []metrics.Key {
	return []metrics.Key{metrics.Impressions, metrics.Clicks, metrics.CartAdds, metrics.Purchases, metrics.ImpressionShare, metrics.PurchaseShare, metrics.CTR, metrics.CVR}
}

// NewDashboard builds the dashboard page.
func NewDashboard(shell Shell, d DashboardData, links Links) Dashboard {
	v := Dashboard{
		Shell:      shell,
		BrandName:  d.Brand.DisplayName,
		Filters:    newFilters(d, links),
		NoData:     !d.HasData,
		Table:      NewProductTable(d, links),
		QueriesURL: links.Queries(d.Brand.ID, d.State),
	}
	for _, b := range d.Brands {
		s := d.State
		s.Open, s.Page, s.Search = nil, 1, ""
		v.Brands = append(v.Brands, BrandOption{Name: b.DisplayName, URL: links.Dashboard(b.ID, s), Selected: b.ID == d.Brand.ID})
	}
	v.Markets, v.MarketLabel = newMarketPicker(d, links)
	if !d.HasData {
		v.NoDataText = "This brand has no weekly data yet. Import SQP reports and refresh the segments on the admin page."
		if len(d.Markets) > 0 {
			v.NoDataText = fmt.Sprintf("This brand has no weekly data in marketplace %s. Pick one of its marketplaces above.", marketName(d.Market))
		}
		return v
	}
	v.RangeLabel, v.CompareLabel = rangeLabels(d.Range, d.Base, d.HasBase, d.State.Compare)
	v.KPIs, _ = newKPIs(d.Weeks, d.BaseSum, d.HasBase)
	if d.HasBase {
		v.CompareNote = markComparison(len(d.Weeks), d.BaseWeeks, kpiDeltas(v.KPIs))
	}
	return v
}

// newMarketPicker lists the brand's marketplaces (and the one asked for, when the brand has no data there)
// as links that keep every other setting, and labels the one shown with its currency.
func newMarketPicker(d DashboardData, links Links) ([]BrandOption, string) {
	return marketOptions(d.Market, d.Markets, d.State, func(s viewstate.State) string {
		s.Page = 1
		return links.Dashboard(d.Brand.ID, s)
	})
}

// marketOptions lists markets (and market, the one shown, when the brand has no data there) as links
// built by url from s with the marketplace switched, and labels the one shown with its currency.
func marketOptions(market sqp.Marketplace, markets []sqp.MarketplaceData, s viewstate.State, url func(viewstate.State) string) ([]BrandOption, string) {
	if len(markets) == 0 {
		return nil, ""
	}
	var opts []BrandOption
	found := false
	add := func(m sqp.Marketplace, note string) {
		n := s
		n.Marketplace = m.Code
		selected := m.Code == market.Code
		found = found || selected
		opts = append(opts, BrandOption{Name: marketName(m) + note, URL: url(n), Selected: selected})
	}
	for _, m := range markets {
		add(m.Marketplace, "")
	}
	if !found && market.Code != "" {
		add(market, " (no data)")
	}
	return opts, marketLabel(market)
}

// marketLabel names the marketplace and the currency of its prices: "United Kingdom (UK) · prices in GBP".
func marketLabel(m sqp.Marketplace) string {
	if m.Currency == "" {
		return marketName(m)
	}
	return marketName(m) + " · prices in " + m.Currency
}

// marketName is "United Kingdom (UK)".
func marketName(m sqp.Marketplace) string {
	if m.Name == "" || m.Name == m.Code {
		return m.Code
	}
	return m.Name + " (" + m.Code + ")"
}

// rangeLabels describe the range and its comparison: "Jul 28 – Oct 26, 2024 (13 weeks)" and
// "Previous period: Apr 28 – Jul 27, 2024" ("" without a comparison).
func rangeLabels(r, base period.Range, hasBase bool, c period.Comparison) (string, string) {
	unit := "weeks"
	if r.Weeks() == 1 {
		unit = "week"
	}
	rl := fmt.Sprintf("%s (%d %s)", r, r.Weeks(), unit)
	if !hasBase {
		return rl, ""
	}
	return rl, fmt.Sprintf("%s: %s", period.ComparisonLabel(c), base)
}

// kpiDeltas are the changes of the KPI cards, for markComparison.
func kpiDeltas(kpis []KPI) []*DeltaView {
	out := make([]*DeltaView, len(kpis))
	for i := range kpis {
		out[i] = &kpis[i].Delta
	}
	return out
}

// newKPIs builds the KPI cards of weekly counts (their sum, change and trend line) and returns the sum.
func newKPIs(weeks []sqp.WeekCounts, base metrics.Counts, hasBase bool) ([]KPI, metrics.Counts) {
	var sum metrics.Counts
	for _, w := range weeks {
		sum = sum.Add(w.Counts)
	}
	kpis := make([]KPI, 0, len(KPIMetrics()))
	for _, k := range KPIMetrics() {
		kpi := KPI{Metric: string(k), Label: metrics.Label(k), Value: FormatMetric(k, sum.Get(k)), Spark: newSparkline(k, weeks), Help: termLink(string(k))}
		if len(weeks) == 0 {
			// No report in the range (a week not yet imported): unknown, not zero, and not "down 100%".
			kpi.Value = dash
		}
		if hasBase {
			d := metrics.Change(k, sum, base)
			if len(weeks) == 0 {
				d = metrics.Delta{Unit: d.Unit}
			}
			kpi.HasDelta, kpi.Delta = true, NewDeltaView(d)
		}
		kpis = append(kpis, kpi)
	}
	return kpis, sum
}

func newFilters(d DashboardData, links Links) Filters {
	s := d.State
	f := Filters{
		Action:  links.Dashboard(d.Brand.ID, viewstate.Default()),
		Search:  s.Search,
		CmpFrom: dateValue(s.CompareFrom),
		CmpTo:   dateValue(s.CompareTo),
	}
	if d.HasData {
		f.From, f.To = dateValue(d.Range.From), dateValue(d.Range.To)
		if !d.HasBase || s.Compare != period.CompareCustom {
			f.CmpFrom, f.CmpTo = dateValue(d.Base.From), dateValue(d.Base.To)
		}
	}
	if s.MinImpressions > 0 {
		f.MinImpr = strconv.FormatInt(s.MinImpressions, 10)
	}
	for _, p := range period.Presets() {
		f.Presets = append(f.Presets, Option{Value: string(p), Label: period.PresetLabel(p), Selected: p == s.Preset})
	}
	for _, c := range period.Comparisons() {
		f.Comparisons = append(f.Comparisons, Option{Value: string(c), Label: period.ComparisonLabel(c), Selected: c == s.Compare})
	}
	for _, n := range viewstate.PageSizes() {
		f.Sizes = append(f.Sizes, Option{Value: strconv.Itoa(n), Label: strconv.Itoa(n) + " per page", Selected: n == s.Size})
	}
	// Keep what the form does not edit. The page resets to 1 on purpose: the filter changed.
	keep := s.Values()
	for _, name := range []string{viewstate.ParamMarketplace, viewstate.ParamSort, viewstate.ParamDir, viewstate.ParamOpen} {
		f.Hidden = append(f.Hidden, Option{Value: keep.Get(name), Label: name})
	}
	return f
}

func dateValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// NewProductTable builds the product table region of the dashboard.
func NewProductTable(d DashboardData, links Links) ProductTable {
	s := d.State
	t := ProductTable{Compare: d.HasBase, ExportURL: links.ProductsCSV(d.Brand.ID, s)}
	t.Columns = append(t.Columns, newColumn(sqp.SortTitle, "Product", false, s, func(n viewstate.State) string { return links.Dashboard(d.Brand.ID, n) }))
	for _, k := range metrics.All() {
		t.Columns = append(t.Columns, newColumn(sqp.SortKey(k), metricLabel(k, d.Market.Currency), true, s, func(n viewstate.State) string { return links.Dashboard(d.Brand.ID, n) }))
	}
	t.Columns = append(t.Columns, newColumn(sqp.SortOpportunity, OpportunityLabel, true, s, func(n viewstate.State) string { return links.Dashboard(d.Brand.ID, n) }))
	t.Columns = append(t.Columns, newColumn(sqp.SortSegments, "Segments", true, s, func(n viewstate.State) string { return links.Dashboard(d.Brand.ID, n) }))
	for _, p := range d.Page.Products {
		var base *sqp.PeriodCounts
		if d.HasBase {
			b := d.BaseByID[p.ASIN]
			base = &b
		}
		var seg *SegmentData
		if sd, ok := d.Expanded[p.ASIN]; ok {
			seg = &sd
		}
		t.Rows = append(t.Rows, NewProductRow(d.Brand.ID, d.Market.Currency, p, base, seg, s, links))
	}
	t.Pager = newPager("Products", d.Page.Total, s.Page, s.Size, func(page int) string {
		n := s
		n.Page = page
		return links.Dashboard(d.Brand.ID, n)
	})
	if len(t.Rows) == 0 {
		t.Empty = "No products match these settings."
	}
	return t
}

// newColumn is a sortable header: a click sorts by it, descending first; a second click flips the order.
func newColumn(key sqp.SortKey, label string, numeric bool, s viewstate.State, url func(viewstate.State) string) Column {
	c := Column{Key: string(key), Label: label, Numeric: numeric, Product: key == "title", Help: termLink(string(key))}
	c.AriaSort, c.Arrow, c.URL = sortHeader(s.Sort == key, s.Desc, numeric || key == sqp.SortSegments, func(desc bool) string {
		n := s
		n.Sort, n.Desc, n.Page = key, desc, 1
		return url(n)
	})
	return c
}

// sortHeader is the state of a sortable header, shared by every table: its aria-sort and arrow, and the
// URL of a click on it. active says whether the table is sorted by the header's column, desc in which
// order; a click sorts by the column in the order firstDesc, or flips the order when it is active; link
// returns the URL of a sort by the column in an order, on the table's first page.
func sortHeader(active, desc, firstDesc bool, link func(desc bool) string) (ariaSort, arrow, url string) {
	if !active {
		return "none", "", link(firstDesc)
	}
	if desc {
		return "descending", "▼", link(false)
	}
	return "ascending", "▲", link(true)
}

func newPager(noun string, total, page, size int, url func(int) string) Pager {
	p := Pager{Page: strconv.Itoa(page)}
	first := (page-1)*size + 1
	last := min(page*size, total)
	if total == 0 || first > total {
		p.Summary = fmt.Sprintf("%s: none on page %d of %d in total", noun, page, total)
		if total == 0 {
			p.Summary = fmt.Sprintf("%s: 0", noun)
		}
	} else {
		p.Summary = fmt.Sprintf("%s %s–%s of %s", noun, FormatCount(int64(first)), FormatCount(int64(last)), FormatCount(int64(total)))
	}
	if page > 1 {
		p.PrevURL = url(min(page-1, max(1, (total+size-1)/size)))
	}
	if page*size < total {
		p.NextURL = url(page + 1)
	}
	return p
}

// ProductRow is a product's <tbody>: its row and, when expanded, its segment rows. The full page and the
// htmx partials render it with the same component.
type ProductRow struct {
	ASIN       string
	Title      string
	ProductURL string
	Cells      []Cell
	// Diagnosis is the product's funnel diagnosis over the range, Opportunity its opportunity
	// (docs/diagnosis.md).
	Diagnosis   DiagnosisView
	Opportunity Cell
	// CompareNote says, on screen, that the product has no data in the comparison period or fewer weeks
	// of data there than in the range (its changes are then not coloured); "" when the comparison is fair.
	CompareNote string
	Segments    string // "13 W · 3 M · 1 Q"
	Expandable  bool
	Expanded    bool
	ToggleURL   string // expands (weekly) when collapsed, collapses when expanded
	Expansion   Expansion
}

// Expansion is the segment rows under an expanded product, newest first.
type Expansion struct {
	Type string
	Note string
	// Switch is the weekly / monthly / quarterly buttons, in that order.
	Switch []SegmentSwitch
	CSVURL string
	Rows   []SegmentRow
	Empty  string
	Status string // read out by screen readers after the rows appear
}

// SegmentSwitch is one button of an expansion's segment type switch.
type SegmentSwitch struct {
	ID      string // "segw-B0…", "segm-B0…", "segq-B0…"
	TestID  string // "seg-weekly", "seg-monthly", "seg-quarterly"
	Label   string
	URL     string
	Pressed bool
}

// SegmentRow is one week or month of an expanded product.
type SegmentRow struct {
	Start string // YYYY-MM-DD, for tests and scripts
	Label string
	// Coverage says how many of a month's or quarter's weeks have data: "4 of 5 weeks", "1 of 4 weeks
	// (partial)", "9 of 13 weeks (partial)".
	Coverage string
	// CompareNote says, on screen, why the changes beside the numbers are not a fair comparison: no data
	// in the previous segment, or fewer weeks of data there than here.
	CompareNote string
	Cells       []SegmentCell
	TopQueries  []TopQuery
}

// TopQuery is one of a segment's top search queries.
type TopQuery struct {
	Query     string
	Purchases string // "7 purch."
	Clicks    string // "1 click", "99 clicks"
}

// weekCoverage is "4 of 5 weeks", with "(partial)" when weeks of the month or quarter have no data. n
// counts the weekly reports of one product, one per week.
func weekCoverage(n, of int) string {
	s := fmt.Sprintf("%d of %d weeks", n, of)
	if n < of {
		s += " (partial)"
	}
	return s
}

func weeksText(n int) string {
	if n == 1 {
		return "1 week"
	}
	return fmt.Sprintf("%d weeks", n)
}

// ColumnCount is the number of columns of the product table: toggle, product, metrics, opportunity,
// segments.
func ColumnCount() int { return len(metrics.All()) + 4 }

// NewProductRow builds a product's tbody; seg is nil when the row is collapsed, base nil without a
// comparison. currency is the ISO code of the marketplace's prices.
func NewProductRow(brandID, currency string, p sqp.ProductSummary, base *sqp.PeriodCounts, seg *SegmentData, s viewstate.State, links Links) ProductRow {
	var baseCounts *metrics.Counts
	if base != nil {
		baseCounts = &base.Counts
	}
	r := ProductRow{
		ASIN:        p.ASIN,
		Title:       p.Title,
		ProductURL:  links.Product(brandID, p.ASIN, s),
		Cells:       newCells(p.Counts, baseCounts, currency),
		Diagnosis:   NewDiagnosisView(metrics.Diagnose(p.Counts)),
		Opportunity: newOpportunityCell(p.Opportunity()),
		Segments:    fmt.Sprintf("%d W · %d M · %d Q", p.WeeklySegments, p.MonthlySegments, p.QuarterlySegments),
		Expandable:  p.Expandable(),
		ToggleURL:   links.Segments(brandID, p.ASIN, period.Weekly, s),
	}
	if r.Title == "" {
		r.Title = p.ASIN
	}
	if base != nil {
		deltas := make([]*DeltaView, len(r.Cells))
		for i := range r.Cells {
			deltas[i] = &r.Cells[i].Delta
		}
		r.CompareNote = markComparison(p.Weeks, base.Weeks, deltas)
	}
	if seg == nil {
		return r
	}
	r.Expanded = true
	r.ToggleURL = links.ProductRow(brandID, p.ASIN, s)
	r.Expansion = newExpansion(brandID, p.ASIN, *seg, s, links)
	return r
}

// segmentSwitchIDs are the element id prefixes and test ids of the segment type buttons.
var segmentSwitchIDs = map[period.SegmentType][2]string{
	period.Weekly:    {"segw-", "seg-weekly"},
	period.Monthly:   {"segm-", "seg-monthly"},
	period.Quarterly: {"segq-", "seg-quarterly"},
}

// segmentNotes explain, under the switch, what a segment of each type is built from.
var segmentNotes = map[period.SegmentType]string{
	period.Weekly:    "Weeks run Sunday to Saturday, newest first. Change is against the previous week.",
	period.Monthly:   "Months are built from the weeks that start in them, newest first. Change is against the previous month.",
	period.Quarterly: "Quarters are built from the weeks that start in them, newest first. Change is against the previous quarter.",
}

func newExpansion(brandID, asin string, seg SegmentData, s viewstate.State, links Links) Expansion {
	e := Expansion{
		Type:   string(seg.Type),
		CSVURL: links.SegmentsCSV(brandID, asin, seg.Type, s),
		Note:   segmentNotes[seg.Type],
	}
	for _, t := range period.SegmentTypes() {
		ids := segmentSwitchIDs[t]
		e.Switch = append(e.Switch, SegmentSwitch{ID: ids[0] + asin, TestID: ids[1], Label: segmentTypeLabel(t),
			URL: links.Segments(brandID, asin, t, s), Pressed: t == seg.Type})
	}
	pairs := sqp.PairSegments(seg.Segments, seg.Range)
	e.Rows = make([]SegmentRow, 0, len(pairs))
	for _, pair := range pairs {
		sg := pair.Segment
		// The same rule and wording as the product rows and KPI cards (compare, markComparison: "no data
		// (comparison)" on each change without a previous segment); the not-like-for-like note names the
		// previous segment rather than "the comparison period".
		cmp := compare(sg.DataPoints, pair.PreviousDataPoints)
		row := SegmentRow{Start: dateValue(sg.Start), Label: period.SegmentLabel(seg.Type, sg.Start, sg.End),
			Cells: newSegmentCells(sg.Counts, pair.Previous, cmp, seg.Currency)}
		if seg.Type != period.Weekly {
			row.Coverage = weekCoverage(sg.DataPoints, seg.Type.WeeksIn(sg.Start))
		}
		switch {
		case !pair.HasPrevious:
			row.CompareNote = noComparisonText
		case !pair.LikeForLike():
			row.CompareNote = fmt.Sprintf("Not like-for-like: the previous %s has %s of data, this one %s.",
				seg.Type.Noun(), weeksText(pair.PreviousDataPoints), weeksText(sg.DataPoints))
		}
		if top := seg.Top[sg.Start]; len(top) > 0 {
			row.TopQueries = make([]TopQuery, len(top))
			for i, q := range top {
				row.TopQueries[i] = TopQuery{Query: q.Query, Purchases: FormatCount(q.Counts.ASINPurchases) + " purch.", Clicks: Plural(q.Counts.ASINClicks, "click")}
			}
		}
		e.Rows = append(e.Rows, row)
	}
	if len(e.Rows) == 0 {
		e.Empty = fmt.Sprintf("No %s segments lie in this range (a segment shows when the weeks it is built from do).", seg.Type)
	}
	noun := "segments"
	if len(e.Rows) == 1 {
		noun = "segment"
	}
	e.Status = fmt.Sprintf("%d %s %s of %s shown below.", len(e.Rows), seg.Type, noun, asin)
	return e
}

// segmentTypeLabel is the switch text of a segment type: "Weekly", "Monthly", "Quarterly".
func segmentTypeLabel(t period.SegmentType) string {
	switch t {
	case period.Monthly:
		return "Monthly"
	case period.Quarterly:
		return "Quarterly"
	}
	return "Weekly"
}
