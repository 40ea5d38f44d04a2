package views

import (
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// QueryViewData is what the brand's query view shows, as loaded from storage.
type QueryViewData struct {
	Brand   sqp.Brand
	Market  sqp.Marketplace
	Markets []sqp.MarketplaceData
	State   viewstate.State
	HasData bool
	Range   period.Range
	Base    period.Range
	HasBase bool
	Page    sqp.BrandQueryPage
	// BaseByQuery holds the queries of Page over Base (absent: no data there).
	BaseByQuery map[string]sqp.BrandQuery
}

// QueryView is the brand's query view page (/brands/{id}/queries).
type QueryView struct {
	Shell        Shell
	BrandName    string
	BackURL      string
	Markets      []BrandOption
	MarketLabel  string
	Filters      Filters
	RangeLabel   string
	CompareLabel string
	NoData       bool
	NoDataText   string
	Table        QueryViewTable
}

// QueryViewTable is the query table with its header, rows and pager: the region htmx swaps on sort and page.
type QueryViewTable struct {
	Filter QueryFilterBox
	// Groups are the header's first row: a funnel step or rate over its market and brand columns.
	Groups    []HeaderGroup
	Columns   []QueryViewColumn
	Rows      []QueryViewRow
	Pager     Pager
	Compare   bool
	ExportURL string
	APIURL    string
	Empty     string
}

// HeaderGroup is a header cell of the first header row spanning Span columns; an empty Label is an empty cell.
type HeaderGroup struct {
	Label string
	Span  string
	Help  TermLink // the group's glossary entry
}

// QueryViewColumn is a header of the second header row: a short label ("Market"), its full name for the
// title and screen readers ("Market impressions"), and, when it can be sorted, the URL that sorts by it.
type QueryViewColumn struct {
	Key      string
	Label    string
	Full     string
	URL      string // "" when the column is not sortable
	AriaSort string
	Arrow    string
	Help     TermLink // the column's glossary entry
}

// QueryViewRow is one search query's <tbody>: its row and, when expanded, the brand's ASINs of that query.
// The page and the htmx partials render it with the same component.
type QueryViewRow struct {
	// ID is the tbody's element id, derived from the query text (any text gives a valid id).
	ID    string
	Query string
	// QueryURL is the query's page (trend, funnel, the ASINs that won it).
	QueryURL  string
	ToggleURL string
	Expanded  bool
	Cells     []Cell
	// CompareNote says why the row's changes are not coloured ("" when the comparison is fair).
	CompareNote string
	// Diagnosis is the query's funnel diagnosis over the range (docs/diagnosis.md).
	Diagnosis DiagnosisView
	Expansion QueryExpansion
}

// QueryExpansion is what an expanded query row shows: the query's further market figures and the brand's
// ASINs reporting it.
type QueryExpansion struct {
	Facts  []Fact
	ASINs  []QueryViewASINRow
	Empty  string
	Status string // announced to screen readers
	// More says how many ASINs the row lists of how many, and MoreURL leads to the query page that pages
	// through all of them; both empty when the row lists every one.
	More    string
	MoreURL string
}

// ExpansionASINs is the most ASINs an expanded row of the query view lists, those with most purchases:
// a brand's own name as the query is reported by hundreds of its ASINs, which the query page pages through.
const ExpansionASINs = 25

// Fact is a labelled figure of an expansion.
type Fact struct {
	Label string
	Value string
}

// QueryViewASINRow is one of the brand's ASINs in an expanded query row.
type QueryViewASINRow struct {
	ASIN       string
	Title      string
	ProductURL string
	Weeks      string
	Cells      []Cell
}

// queryViewColumn is one numeric column: its cell key, short and full label, and sort key ("": not sortable).
type queryViewColumn struct {
	key, label, full string
	sort             sqp.BrandQuerySortKey
}

// queryViewTerms maps the query view's column keys that are not metric keys to their glossary entries.
var queryViewTerms = map[string]string{
	"volume":                metrics.TermSearchQueryVolume,
	"score":                 metrics.TermSearchQueryScore,
	"market_impressions":    metrics.TermMarket,
	"market_clicks":         metrics.TermMarket,
	"market_cart_adds":      metrics.TermMarket,
	"market_purchases":      metrics.TermMarket,
	"market_ctr":            metrics.TermMarketRates,
	"market_cart_add_rate":  metrics.TermMarketRates,
	"market_cvr":            metrics.TermMarketRates,
	"market_purchase_price": metrics.TermMedianPrice,
	"purchase_price":        metrics.TermBrandMedianPrice,
}

// queryViewTerm is the glossary link of a query view column or header group key.
func queryViewTerm(key string) TermLink {
	if id, ok := queryViewTerms[key]; ok {
		return termLink(id)
	}
	return termLink(key)
}

// queryViewColumns are the numeric columns of the query view in table order (queryViewGroups spans them).
var queryViewColumns = []queryViewColumn{
	{"volume", "Search query volume", "Search query volume (once per week)", sqp.BrandQuerySortVolume},
	{"score", "Best score", "Best (lowest) search query score", sqp.BrandQuerySortScore},
	{"market_impressions", "Market", "Market impressions", sqp.BrandQuerySortMarketImpressions},
	{"impressions", "Brand", "Brand impressions", sqp.BrandQuerySortKey(metrics.Impressions)},
	{"impression_share", "Share", "Brand impression share", sqp.BrandQuerySortKey(metrics.ImpressionShare)},
	{"market_clicks", "Market", "Market clicks", sqp.BrandQuerySortMarketClicks},
	{"clicks", "Brand", "Brand clicks", sqp.BrandQuerySortKey(metrics.Clicks)},
	{"click_share", "Share", "Brand click share", sqp.BrandQuerySortKey(metrics.ClickShare)},
	{"market_cart_adds", "Market", "Market cart adds", sqp.BrandQuerySortMarketCartAdds},
	{"cart_adds", "Brand", "Brand cart adds", sqp.BrandQuerySortKey(metrics.CartAdds)},
	{"cart_add_share", "Share", "Brand cart-add share", sqp.BrandQuerySortKey(metrics.CartAddShare)},
	{"market_purchases", "Market", "Market purchases", sqp.BrandQuerySortMarketPurchases},
	{"purchases", "Brand", "Brand purchases", sqp.BrandQuerySortKey(metrics.Purchases)},
	{"purchase_share", "Share", "Brand purchase share", sqp.BrandQuerySortKey(metrics.PurchaseShare)},
	{"market_ctr", "Market", "Market CTR (clicks per impression)", ""},
	{"ctr", "Brand", "Brand CTR (clicks per impression)", sqp.BrandQuerySortKey(metrics.CTR)},
	{"market_cart_add_rate", "Market", "Market cart-add rate (cart adds per click)", ""},
	{"cart_add_rate", "Brand", "Brand cart-add rate (cart adds per click)", sqp.BrandQuerySortKey(metrics.CartAddRate)},
	{"market_cvr", "Market", "Market CVR (purchases per click)", ""},
	{"cvr", "Brand", "Brand CVR (purchases per click)", sqp.BrandQuerySortKey(metrics.CVR)},
	{"market_purchase_price", "Market", "Market median purchase price", ""},
	{"purchase_price", "Brand", "Brand median purchase price (count-weighted)", sqp.BrandQuerySortKey(metrics.AvgPrice)},
	{opportunityMetric, OpportunityLabel, "Opportunity (purchases at the brand's best weekly purchase share)", sqp.BrandQuerySortOpportunity},
}

// QueryViewColumnKeys are the cell keys of the query view's numeric columns, in table order (the CSV
// export and the tests use them).
func QueryViewColumnKeys() []string {
	out := make([]string, len(queryViewColumns))
	for i, c := range queryViewColumns {
		out[i] = c.key
	}
	return out
}

// queryViewGroups is the first header row: the toggle and query columns, volume and score, then the
// groups over queryViewColumns.
func queryViewGroups(currency string) []HeaderGroup {
	price := "Median purchase price"
	if currency != "" {
		price += " (" + currency + ")"
	}
	return []HeaderGroup{{"", "4", TermLink{}},
		{"Impressions", "3", termLink(string(metrics.Impressions))}, {"Clicks", "3", termLink(string(metrics.Clicks))},
		{"Cart adds", "3", termLink(string(metrics.CartAdds))}, {"Purchases", "3", termLink(string(metrics.Purchases))},
		{"CTR", "2", termLink(string(metrics.CTR))}, {"Cart-add rate", "2", termLink(string(metrics.CartAddRate))},
		{"CVR", "2", termLink(string(metrics.CVR))}, {price, "2", termLink(metrics.TermBrandMedianPrice)}, {"", "1", TermLink{}}}
}

// QueryRowID is the element id of a query's <tbody>: a hash of the text, since a search query may hold
// any character.
func QueryRowID(query string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(query)) // a hash.Hash never fails to write
	return fmt.Sprintf("q-%016x", h.Sum64())
}

// NewQueryView builds the query view page.
func NewQueryView(shell Shell, d QueryViewData, links Links) QueryView {
	v := QueryView{
		Shell:     shell,
		BrandName: d.Brand.DisplayName,
		BackURL:   links.Dashboard(d.Brand.ID, d.State),
		Filters:   newQueryViewFilters(d, links),
		NoData:    !d.HasData,
		Table:     NewQueryViewTable(d, links),
	}
	v.Markets, v.MarketLabel = marketOptions(d.Market, d.Markets, d.State, func(s viewstate.State) string {
		s.ViewPage = 1
		return links.Queries(d.Brand.ID, s)
	})
	if !d.HasData {
		v.NoDataText = "This brand has no weekly data yet. Import SQP reports and refresh the segments on the admin page."
		if len(d.Markets) > 0 {
			v.NoDataText = fmt.Sprintf("This brand has no weekly data in marketplace %s. Pick one of its marketplaces above.", marketName(d.Market))
		}
		return v
	}
	v.RangeLabel, v.CompareLabel = rangeLabels(d.Range, d.Base, d.HasBase, d.State.Compare)
	return v
}

// newQueryViewFilters is the settings form of the query view: range, comparison and page size; the
// marketplace and the sort travel as hidden fields.
func newQueryViewFilters(d QueryViewData, links Links) Filters {
	f := newFilters(DashboardData{Brand: d.Brand, State: d.State, HasData: d.HasData, Range: d.Range, Base: d.Base, HasBase: d.HasBase}, links)
	f.Action = links.Queries(d.Brand.ID, viewstate.Default())
	keep := d.State.Values()
	f.Hidden = nil
	for _, name := range []string{viewstate.ParamMarketplace, viewstate.ParamViewSort, viewstate.ParamViewDir} {
		f.Hidden = append(f.Hidden, Option{Value: keep.Get(name), Label: name})
	}
	return f
}

// NewQueryViewTable builds the query table region.
func NewQueryViewTable(d QueryViewData, links Links) QueryViewTable {
	s := d.State
	url := func(n viewstate.State) string { return links.Queries(d.Brand.ID, n) }
	t := QueryViewTable{
		Groups:    queryViewGroups(d.Market.Currency),
		Compare:   d.HasBase,
		ExportURL: links.QueriesCSV(d.Brand.ID, s),
		APIURL:    links.APIQueries(d.Brand.ID, s),
	}
	t.Filter = NewQueryFilterBox(s, d.Brand, url, func(n viewstate.State) viewstate.State { n.ViewPage = 1; return n })
	t.Columns = append(t.Columns, newQueryViewColumn(queryViewColumn{"query", "Search query", "Search query", sqp.BrandQuerySortQuery}, s, url))
	for _, c := range queryViewColumns {
		t.Columns = append(t.Columns, newQueryViewColumn(c, s, url))
	}
	for _, q := range d.Page.Queries {
		var base *sqp.BrandQuery
		if d.HasBase {
			b := d.BaseByQuery[q.Query]
			base = &b
		}
		t.Rows = append(t.Rows, NewQueryViewRow(d.Brand.ID, d.Market.Currency, q, base, nil, s, links))
	}
	t.Pager = newPager("Search queries", d.Page.Total, s.ViewPage, s.Size, func(page int) string {
		n := s
		n.ViewPage = page
		return url(n)
	})
	if len(t.Rows) == 0 {
		t.Empty = "No search queries of this brand in this range."
		if t.Filter.ClearURL != "" {
			t.Empty = "No search queries of this brand in this range match the filter."
		}
	}
	return t
}

// newQueryViewColumn is a header of the query view: sortable columns sort descending first (ascending for
// the query text and the score, where lower is better) and flip on a second click.
func newQueryViewColumn(c queryViewColumn, s viewstate.State, url func(viewstate.State) string) QueryViewColumn {
	col := QueryViewColumn{Key: c.key, Label: c.label, Full: c.full, Help: queryViewTerm(c.key)}
	if c.sort == "" {
		return col
	}
	firstDesc := c.sort != sqp.BrandQuerySortQuery && c.sort != sqp.BrandQuerySortScore
	col.AriaSort, col.Arrow, col.URL = sortHeader(s.ViewSort == c.sort, s.ViewDesc, firstDesc, func(desc bool) string {
		n := s
		n.ViewSort, n.ViewDesc, n.ViewPage = c.sort, desc, 1
		return url(n)
	})
	return col
}

// NewQueryViewRow builds one query's <tbody>: its cells and changes against base (nil: no comparison; a
// zero BrandQuery: no data in the comparison period), and, with asins (the first page of the query's
// ASINs, at most ExpansionASINs), its expansion.
func NewQueryViewRow(brandID, currency string, q sqp.BrandQuery, base *sqp.BrandQuery, asins *sqp.QueryASINPage, s viewstate.State, links Links) QueryViewRow {
	s = s.WithoutASINTable() // the view has no ASIN table: none of its links carries one's settings
	r := QueryViewRow{ID: QueryRowID(q.Query), Query: q.Query, QueryURL: links.Query(brandID, q.Query, s), ToggleURL: links.QueryASINs(brandID, q.Query, s),
		Diagnosis: NewDiagnosisView(metrics.Diagnose(q.Counts))}
	r.Cells = queryCells(q, base, currency, false)
	if base != nil {
		var deltas []*DeltaView
		for i := range r.Cells {
			if r.Cells[i].HasDelta {
				deltas = append(deltas, &r.Cells[i].Delta)
			}
		}
		if note := markComparison(q.Weeks, base.Weeks, deltas); note != "" {
			r.CompareNote = note
		}
	}
	if asins == nil {
		return r
	}
	r.Expanded, r.ToggleURL = true, links.QueryRow(brandID, q.Query, s)
	r.Expansion = newQueryExpansion(brandID, currency, q, asins, s, links)
	return r
}

// newQueryExpansion lists the query's further market figures and the brand's ASINs of the query.
func newQueryExpansion(brandID, currency string, q sqp.BrandQuery, page *sqp.QueryASINPage, s viewstate.State, links Links) QueryExpansion {
	asins := page.ASINs
	total := max(page.Total, len(asins))
	e := QueryExpansion{Status: fmt.Sprintf("%s of %q: %s", "ASINs", q.Query, Plural(int64(total), "ASIN"))}
	if total > len(asins) {
		e.More = fmt.Sprintf("%s of %s ASINs, most purchases first: all of them on the query page", FormatCount(int64(len(asins))), FormatCount(int64(total)))
		e.MoreURL = links.Query(brandID, q.Query, s.WithoutASINTable())
	}
	price := func(p metrics.PriceSum) string { return moneyText(p.Value(), currency) }
	e.Facts = []Fact{
		{"Median click price, market / brand", price(q.Prices.MarketClick) + " / " + price(q.Prices.ASINClick)},
		{"Median cart-add price, market / brand", price(q.Prices.MarketCartAdd) + " / " + price(q.Prices.ASINCartAdd)},
		{"Market clicks with same-day / 1-day / 2-day delivery", speedsText(q.Shipping.Clicks)},
		{"Market cart adds with same-day / 1-day / 2-day delivery", speedsText(q.Shipping.CartAdds)},
		{"Market purchases with same-day / 1-day / 2-day delivery", speedsText(q.Shipping.Purchases)},
		{"Weeks with data", strconv.Itoa(q.Weeks)},
		{"Most ASINs of the brand in one week", strconv.Itoa(q.MaxASINs)},
	}
	for _, a := range asins {
		c := a.Counts
		row := QueryViewASINRow{
			ASIN:       a.ASIN,
			Title:      a.Title,
			ProductURL: links.Product(brandID, a.ASIN, s),
			Weeks:      Plural(int64(a.Weeks), "week"),
			Cells: queryCells(sqp.BrandQuery{Counts: c, Prices: metrics.Prices{
				ASINPurchase: metrics.PriceSum{AmountCents: c.PurchasePriceCents, Weight: c.PricedPurchases},
			}}, nil, currency, true),
		}
		if row.Title == "" {
			row.Title = a.ASIN
		}
		e.ASINs = append(e.ASINs, row)
	}
	if len(asins) == 0 {
		e.Empty = "None of the brand's active ASINs reports this query in this range."
	}
	return e
}

// speedsText is "12.50% / 30.00% / 41.20%", each share of the market's count over the weeks reporting it.
func speedsText(s metrics.Speeds) string {
	return FormatMetric(metrics.ClickShare, s.SameDay.Share()) + " / " + FormatMetric(metrics.ClickShare, s.OneDay.Share()) +
		" / " + FormatMetric(metrics.ClickShare, s.TwoDay.Share())
}

// moneyText formats a price with its currency code, "—" when undefined.
func moneyText(v metrics.Value, currency string) string {
	t := FormatMetric(metrics.AvgPrice, v)
	if v.OK && currency != "" {
		t += " " + currency
	}
	return t
}

// priceCounts holds a price sum where metrics.Change reads the price (AvgPrice), so a price's change has
// the one definition of every money change.
func priceCounts(p metrics.PriceSum) metrics.Counts {
	return metrics.Counts{PurchasePriceCents: p.AmountCents, PricedPurchases: p.Weight}
}

// countOf holds n where metrics.Change reads a count, so a count's change has the one definition.
func countOf(n int64) metrics.Counts { return metrics.Counts{ASINImpressions: n} }

// QueryViewFigure is one number of a query row in queryViewColumns order: what the page shows, the CSV
// exports and the JSON API returns, so the three carry the same numbers. Kind is the metric whose
// formatting and change rules apply; Change is set when a comparison is on and the figure has a change.
type QueryViewFigure struct {
	Key    string
	Kind   metrics.Key
	Value  metrics.Value
	Change *metrics.Delta
	// Blank marks a figure an ASIN row does not have (the query's volume, score and market price).
	Blank bool
}

// QueryViewFigures are the numbers of a query over a range (or, asinRow, of one ASIN's rows of the query: no
// volume, score or market price, which are the query's), with their changes against base when given.
func QueryViewFigures(q sqp.BrandQuery, base *sqp.BrandQuery, asinRow bool) []QueryViewFigure {
	cur, mkt := q.Counts, q.Counts.Market()
	var bc, bm metrics.Counts
	if base != nil {
		bc, bm = base.Counts, base.Counts.Market()
	}
	out := make([]QueryViewFigure, 0, len(queryViewColumns))
	add := func(key string, k metrics.Key, v metrics.Value, change func() metrics.Delta) {
		f := QueryViewFigure{Key: key, Kind: k, Value: v}
		if base != nil && change != nil {
			d := change()
			f.Change = &d
		}
		out = append(out, f)
	}
	blank := func(key string, k metrics.Key) { out = append(out, QueryViewFigure{Key: key, Kind: k, Blank: true}) }
	if asinRow {
		blank("volume", metrics.Impressions)
		blank("score", metrics.Impressions)
	} else {
		add("volume", metrics.Impressions, metrics.Known(float64(q.Volume)), func() metrics.Delta {
			return metrics.Change(metrics.Impressions, countOf(q.Volume), countOf(base.Volume))
		})
		score := metrics.Value{}
		if q.HasScore {
			score = metrics.Known(float64(q.BestScore))
		}
		add("score", metrics.Impressions, score, nil)
	}
	brand := func(key string, k metrics.Key) {
		add(key, k, cur.Get(k), func() metrics.Delta { return metrics.Change(k, cur, bc) })
	}
	market := func(key string, k metrics.Key) {
		add(key, k, mkt.Get(k), func() metrics.Delta { return metrics.Change(k, mkt, bm) })
	}
	for _, step := range []struct {
		count, share metrics.Key
	}{{metrics.Impressions, metrics.ImpressionShare}, {metrics.Clicks, metrics.ClickShare},
		{metrics.CartAdds, metrics.CartAddShare}, {metrics.Purchases, metrics.PurchaseShare}} {
		market("market_"+string(step.count), step.count)
		brand(string(step.count), step.count)
		brand(string(step.share), step.share)
	}
	for _, k := range []metrics.Key{metrics.CTR, metrics.CartAddRate, metrics.CVR} {
		market("market_"+string(k), k)
		brand(string(k), k)
	}
	if asinRow {
		blank("market_purchase_price", metrics.AvgPrice)
	} else {
		add("market_purchase_price", metrics.AvgPrice, q.Prices.MarketPurchase.Value(), func() metrics.Delta {
			return metrics.Change(metrics.AvgPrice, priceCounts(q.Prices.MarketPurchase), priceCounts(base.Prices.MarketPurchase))
		})
	}
	add("purchase_price", metrics.AvgPrice, q.Prices.ASINPurchase.Value(), func() metrics.Delta {
		return metrics.Change(metrics.AvgPrice, priceCounts(q.Prices.ASINPurchase), priceCounts(base.Prices.ASINPurchase))
	})
	// The opportunity (docs/diagnosis.md) has no change: each period is measured against its own best
	// week. An ASIN row has none: the best weekly share is the brand's on the query.
	if asinRow {
		blank(opportunityMetric, metrics.Purchases)
	} else {
		add(opportunityMetric, metrics.Purchases, metrics.OpportunityFrom(q.BestPurchaseShare, q.Counts.TotalPurchases, q.Counts.ASINPurchases), nil)
	}
	return out
}

// QueryFigureHasChange reports whether the figure key has a change against the comparison: the score
// (a rank) and the opportunity do not.
func QueryFigureHasChange(key string) bool { return key != "score" && key != opportunityMetric }

// queryCells formats QueryViewFigures as table cells; prices carry the currency code.
func queryCells(q sqp.BrandQuery, base *sqp.BrandQuery, currency string, asinRow bool) []Cell {
	figs := QueryViewFigures(q, base, asinRow)
	cells := make([]Cell, len(figs))
	for i, f := range figs {
		c := Cell{Metric: f.Key}
		if !f.Blank {
			c.Text, c.Raw = FormatMetric(f.Kind, f.Value), rawValue(f.Value)
			if metrics.KindOf(f.Kind) == metrics.Money && f.Value.OK && currency != "" {
				c.Text += " " + currency
			}
		}
		if f.Change != nil {
			c.HasDelta, c.Delta = true, NewDeltaView(*f.Change)
		}
		cells[i] = c
	}
	return cells
}
