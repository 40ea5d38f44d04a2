package views

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// glossaryAnchors renders the glossary page and returns its entries: anchor -> name.
func glossaryAnchors(t *testing.T) map[string]string {
	t.Helper()
	doc := renderDoc(t, GlossaryPageView(NewGlossaryPage(Shell{Title: "Glossary"})))
	out := map[string]string{}
	doc.Find(`dt[data-testid=term]`).Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("id", "")] = strings.Join(strings.Fields(s.Text()), " ")
	})
	return out
}

func TestGlossaryPageListsEveryTermWithItsAnchor(t *testing.T) {
	anchors := glossaryAnchors(t)
	n := 0
	for _, g := range metrics.Glossary() {
		for _, term := range g.Terms {
			n++
			if name, ok := anchors[term.ID]; !ok || !strings.HasPrefix(name, term.Name) {
				t.Errorf("entry #%s: %q, want the term %q", term.ID, name, term.Name)
			}
		}
	}
	if len(anchors) != n {
		t.Errorf("%d entries on the page, %d terms", len(anchors), n)
	}
	for _, id := range []string{"pp", "segments", "like_for_like", "search_query_volume", "diagnosis", "opportunity", "quarter"} {
		if _, ok := anchors[id]; !ok {
			t.Errorf("no entry #%s", id)
		}
	}
}

// TestEveryMetricHeaderLinksToItsDefinition checks the product table, the query table and the KPI cards:
// each metric's header carries its definition and links to an entry the glossary page has.
func TestEveryMetricHeaderLinksToItsDefinition(t *testing.T) {
	anchors := glossaryAnchors(t)
	wantLink := func(t *testing.T, where, metric string, a *goquery.Selection) {
		t.Helper()
		href, _ := a.Attr("href")
		id, ok := strings.CutPrefix(href, GlossaryPath+"#")
		if !ok {
			t.Errorf("%s %s: link %q is not to the glossary", where, metric, href)
			return
		}
		if _, ok := anchors[id]; !ok {
			t.Errorf("%s %s: link to #%s, which the glossary does not have", where, metric, id)
		}
		if title := a.AttrOr("title", ""); !strings.Contains(title, ": ") || len(title) < 20 {
			t.Errorf("%s %s: title %q is no definition", where, metric, title)
		}
	}
	week := sqp.WeekCounts{WeekStart: period.Date(2024, time.August, 4), Counts: metrics.Counts{ASINImpressions: 1000, TotalImpressions: 9000, ASINClicks: 30, TotalClicks: 300}}
	d := DashboardData{Brand: sqp.Brand{ID: "b"}, State: viewstate.Default(), HasData: true, Weeks: []sqp.WeekCounts{week},
		Page: sqp.ProductPage{Products: []sqp.ProductSummary{{ASIN: "B0C1234567", Counts: week.Counts, WeeklySegments: 1}}, Total: 1}}

	t.Run("product table", func(t *testing.T) {
		doc := renderDoc(t, ProductTableRegion(NewProductTable(d, fakeLinks{})))
		for _, k := range append(metrics.All(), "segments") {
			th := doc.Find(`th[data-sort-key="` + string(k) + `"]`)
			if th.Length() != 1 {
				t.Fatalf("no header for %s", k)
			}
			wantLink(t, "product table", string(k), th.Find(`a[data-testid=term-help]`))
		}
		if got := doc.Find(`th[data-sort-key=ctr] abbr`).AttrOr("title", ""); got != "click-through rate" {
			t.Errorf("CTR header abbr title %q", got)
		}
	})
	t.Run("query table", func(t *testing.T) {
		p := ProductPageData{Brand: sqp.Brand{ID: "b"}, Product: sqp.Product{ASIN: "B0C1234567"}, State: viewstate.Default(),
			Queries: sqp.QueryPage{Queries: []sqp.QueryCounts{{Query: "kettle", Counts: week.Counts}}, Total: 1}}
		doc := renderDoc(t, QueryTableRegion(NewQueryTable(p, fakeLinks{})))
		for _, k := range append(metrics.All(), "query") {
			wantLink(t, "query table", string(k), doc.Find(`th[data-sort-key="`+string(k)+`"] a[data-testid=term-help]`))
		}
	})
	t.Run("KPI cards", func(t *testing.T) {
		doc := renderDoc(t, DashboardPage(NewDashboard(Shell{}, d, fakeLinks{})))
		cards := doc.Find(`[data-testid=kpi]`)
		if cards.Length() != len(KPIMetrics()) {
			t.Fatalf("%d KPI cards", cards.Length())
		}
		cards.Each(func(_ int, s *goquery.Selection) {
			wantLink(t, "KPI card", s.AttrOr("data-metric", ""), s.Find(`.kpi-label a[data-testid=term-link]`))
		})
		if doc.Find(`footer a[data-testid=glossary-link]`).AttrOr("href", "") != GlossaryPath {
			t.Error("the layout does not link the glossary")
		}
	})
}

func TestChangesInPointsSpellOutPP(t *testing.T) {
	v := NewDeltaView(metrics.Delta{V: -1.44, Unit: metrics.Points, Dir: metrics.Down, OK: true})
	doc := renderDoc(t, delta(v))
	shown := doc.Find(`[data-testid=delta] span[aria-hidden=true]`).Last()
	if got := strings.TrimSpace(shown.Text()); got != "−1.4 pp" {
		t.Errorf("shown %q, want −1.4 pp", got)
	}
	if title := shown.Find("abbr").AttrOr("title", ""); !strings.HasPrefix(title, "percentage points") {
		t.Errorf("pp abbr title %q", title)
	}
	if p := NewDeltaView(metrics.Delta{V: 12.3, Unit: metrics.PercentChange, Dir: metrics.Up, OK: true}); p.PP != "" {
		t.Errorf("a %% change has PP %q", p.PP)
	}
}

// TestFunnelBarsShowStepRates: each bar is the step's rate of its base step, so a 2.5% CTR is a bar of
// 2.5 and the late steps are compared with clicks, not with the impressions.
func TestFunnelBarsShowStepRates(t *testing.T) {
	sum := metrics.Counts{ASINImpressions: 10000, ASINClicks: 250, ASINCartAdds: 50, ASINPurchases: 25}
	steps := newFunnel(sum)
	want := []struct{ width, label string }{
		{"100.00", "top of the funnel"},
		{"2.50", "CTR 2.50% of impressions"},
		{"20.00", "Cart-add rate 20.00% of clicks"},
		{"10.00", "CVR 10.00% of clicks"},
	}
	for i, w := range want {
		if steps[i].BarWidth != w.width || steps[i].RateLabel != w.label {
			t.Errorf("step %s: bar %s %q, want %s %q", steps[i].Metric, steps[i].BarWidth, steps[i].RateLabel, w.width, w.label)
		}
		if steps[i].Help.URL == "" {
			t.Errorf("step %s has no glossary link", steps[i].Metric)
		}
	}
	t.Run("no clicks: no bars after the impressions, and the rates say —", func(t *testing.T) {
		s := newFunnel(metrics.Counts{ASINImpressions: 30})
		if s[1].BarWidth != "0.00" || s[1].RateLabel != "CTR 0.00% of impressions" {
			t.Errorf("CTR bar %s %q", s[1].BarWidth, s[1].RateLabel)
		}
		if s[2].BarWidth != "0.00" || s[2].RateLabel != "Cart-add rate — of clicks" {
			t.Errorf("cart-add bar %s %q", s[2].BarWidth, s[2].RateLabel)
		}
	})
	t.Run("a tiny rate keeps a visible sliver", func(t *testing.T) {
		s := newFunnel(metrics.Counts{ASINImpressions: 100000, ASINClicks: 10})
		if s[1].BarWidth != "0.50" {
			t.Errorf("CTR 0.01%% bar %s, want the 0.50 sliver", s[1].BarWidth)
		}
	})
}

func TestProductPageLinksDiagnosisAndOpportunity(t *testing.T) {
	week := sqp.WeekCounts{WeekStart: period.Date(2024, time.August, 4), Counts: metrics.Counts{ASINImpressions: 1000, TotalImpressions: 9000, ASINClicks: 30, TotalClicks: 300, ASINPurchases: 3, TotalPurchases: 40}}
	p := ProductPageData{Brand: sqp.Brand{ID: "b"}, Product: sqp.Product{ASIN: "B0C1234567"}, State: viewstate.Default(), HasData: true, Weeks: []sqp.WeekCounts{week}}
	doc := renderDoc(t, ProductPageView(NewProductPage(Shell{}, p, fakeLinks{})))
	for _, tc := range []struct{ sel, want string }{
		{`[data-testid=product-diagnosis] a[data-testid=term-help]`, GlossaryPath + "#" + metrics.TermDiagnosis},
		{`[data-testid=opportunity] a[data-testid=term-link]`, GlossaryPath + "#" + metrics.TermOpportunity},
		{`[data-testid=funnel] li[data-metric=clicks] a[data-testid=term-link]`, GlossaryPath + "#" + string(metrics.Clicks)},
	} {
		if got := doc.Find(tc.sel).AttrOr("href", ""); got != tc.want {
			t.Errorf("%s: href %q, want %q", tc.sel, got, tc.want)
		}
	}
}

func TestQueryPageHeadersLinkToTheirDefinitions(t *testing.T) {
	anchors := glossaryAnchors(t)
	aug4 := period.Date(2024, time.August, 4)
	q := sqp.BrandQuery{Query: "kettle", Volume: 5000, Weeks: 1, Counts: metrics.Counts{ASINImpressions: 1000, TotalImpressions: 9000, ASINClicks: 30, TotalClicks: 300}}
	d := QueryPageData{Brand: sqp.Brand{ID: "b"}, Query: "kettle", State: viewstate.Default(), HasData: true,
		Range: period.Range{From: aug4, To: aug4.AddDate(0, 0, 6)}, Sum: q,
		Weeks: []sqp.BrandQueryWeek{{WeekStart: aug4, BrandQuery: q}},
		ASINs: []sqp.QueryASIN{{ASIN: "B0C1234567", Counts: q.Counts, Weeks: 1}}}
	doc := renderDoc(t, QueryPageView(NewQueryPage(Shell{}, d, fakeLinks{})))
	for _, sel := range []string{`table[data-testid=query-funnel] thead th.num`, `table[data-testid=query-prices] thead th.num`, `table[data-testid=query-asins] thead th.num`} {
		ths := doc.Find(sel)
		if ths.Length() == 0 {
			t.Fatalf("no headers %s", sel)
		}
		ths.Each(func(_ int, th *goquery.Selection) {
			href := th.Find(`a[data-testid=term-help]`).AttrOr("href", "")
			id, ok := strings.CutPrefix(href, GlossaryPath+"#")
			if _, exists := anchors[id]; !ok || !exists {
				t.Errorf("%s %q: link %q to no glossary entry", sel, strings.TrimSpace(th.Text()), href)
			}
		})
	}
	for _, key := range []string{"search_query_volume", "search_query_score"} {
		if got := doc.Find(`[data-key=`+key+`] a[data-testid=term-help]`).AttrOr("href", ""); got != GlossaryPath+"#"+key {
			t.Errorf("%s figure links %q", key, got)
		}
	}
}
