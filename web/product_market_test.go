package web

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// asinMarket is the product of the market test: prices and delivery speeds in every report.
const asinMarket = "B0MARKET77"

// marketReports are asinMarket's reports: three weeks in the range (one without delivery speeds, one
// query without prices), one week before it, and the same weeks in the UK with prices in pounds.
func marketReports() []sqp.WeeklyReport {
	n := func(v int64) *int64 { return &v }
	row := func(q string, k int64, currency string) sqp.QueryRow {
		return sqp.QueryRow{SearchQuery: q, CurrencyCode: currency,
			TotalQueryImpressionCount: 20000 + 37*k, ASINImpressionCount: 1500 + 11*k,
			TotalClickCount: 1300 + 5*k, ASINClickCount: 90 + k, TotalCartAddCount: 410 + 3*k, ASINCartAddCount: 31 + k,
			TotalPurchaseCount: 170 + k, ASINPurchaseCount: 13 + k%4,
			TotalMedianClickPrice: cents(2310 + 9*k), ASINMedianClickPrice: cents(2599 - k),
			TotalMedianCartAddPrice: cents(2280 + 7*k), ASINMedianCartAddPrice: cents(2589),
			TotalMedianPurchasePrice: cents(2250 + 13*k), ASINMedianPurchasePrice: cents(2579 - 2*k),
			TotalSameDayShippingClicks: n(40 + k), TotalOneDayShippingClicks: n(300 + 2*k), TotalTwoDayShippingClicks: n(700 - k),
			TotalSameDayShippingCartAdds: n(11 + k), TotalOneDayShippingCartAdds: n(97), TotalTwoDayShippingCartAdds: n(222 + k),
			TotalSameDayShippingPurchases: n(5), TotalOneDayShippingPurchases: n(44 + k), TotalTwoDayShippingPurchases: n(90),
		}
	}
	noSpeeds := func(r sqp.QueryRow) sqp.QueryRow {
		r.TotalSameDayShippingClicks, r.TotalOneDayShippingClicks, r.TotalTwoDayShippingClicks = nil, nil, nil
		r.TotalSameDayShippingCartAdds, r.TotalOneDayShippingCartAdds, r.TotalTwoDayShippingCartAdds = nil, nil, nil
		r.TotalSameDayShippingPurchases, r.TotalOneDayShippingPurchases, r.TotalTwoDayShippingPurchases = nil, nil, nil
		return r
	}
	noPrices := func(r sqp.QueryRow) sqp.QueryRow {
		r.TotalMedianClickPrice, r.ASINMedianClickPrice, r.TotalMedianCartAddPrice = nil, nil, nil
		r.ASINMedianCartAddPrice, r.TotalMedianPurchasePrice, r.ASINMedianPurchasePrice = nil, nil, nil
		return r
	}
	week := func(market string, n int, qs ...sqp.QueryRow) sqp.WeeklyReport {
		ws := weekStart(n)
		return sqp.WeeklyReport{ASIN: asinMarket, Marketplace: market, WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: qs}
	}
	return []sqp.WeeklyReport{
		week("US", 0, row("hose pipe", 1, "USD"), noPrices(row("water hose", 2, "USD"))),
		week("US", 1, noSpeeds(row("hose pipe", 3, "USD")), row("water hose", 4, "USD")),
		week("US", 5, row("hose pipe", 5, "USD")),
		week("US", 20, row("hose pipe", 90, "USD")), // before the range
		week("UK", 0, row("hose pipe", 50, "GBP")),
		week("UK", 1, row("hose pipe", 60, "GBP")),
	}
}

// marketExpect is the expected text of each cell of a market table, keyed "step/figure", computed from
// the reports of the US weeks in the default range, for the queries in only (all when nil).
func marketExpect(only map[string]bool) map[string]string {
	type price struct{ amount, weight int64 }
	type part struct{ n, of int64 }
	var mk, pr [4]int64 // market, product counts: impressions, clicks, cart adds, purchases
	var mp, pp [4]price // market, product prices by step (1..3)
	var sp [4][3]part   // speeds by step (1..3) and speed
	addPrice := func(p *price, c *sqp.Cents, w int64) {
		if c != nil {
			p.amount += int64(*c) * w
			p.weight += w
		}
	}
	addPart := func(p *part, v *int64, of int64) {
		if v != nil {
			p.n += *v
			p.of += of
		}
	}
	for _, r := range marketReports() {
		if r.Marketplace != "US" || r.WeekStart.Before(curFrom) || r.WeekEnd.After(curTo) {
			continue
		}
		for _, q := range r.Queries {
			if only != nil && !only[q.SearchQuery] {
				continue
			}
			mk = [4]int64{mk[0] + q.TotalQueryImpressionCount, mk[1] + q.TotalClickCount, mk[2] + q.TotalCartAddCount, mk[3] + q.TotalPurchaseCount}
			pr = [4]int64{pr[0] + q.ASINImpressionCount, pr[1] + q.ASINClickCount, pr[2] + q.ASINCartAddCount, pr[3] + q.ASINPurchaseCount}
			addPrice(&mp[1], q.TotalMedianClickPrice, q.TotalClickCount)
			addPrice(&pp[1], q.ASINMedianClickPrice, q.ASINClickCount)
			addPrice(&mp[2], q.TotalMedianCartAddPrice, q.TotalCartAddCount)
			addPrice(&pp[2], q.ASINMedianCartAddPrice, q.ASINCartAddCount)
			addPrice(&mp[3], q.TotalMedianPurchasePrice, q.TotalPurchaseCount)
			addPrice(&pp[3], q.ASINMedianPurchasePrice, q.ASINPurchaseCount)
			for i, v := range []*int64{q.TotalSameDayShippingClicks, q.TotalOneDayShippingClicks, q.TotalTwoDayShippingClicks} {
				addPart(&sp[1][i], v, q.TotalClickCount)
			}
			for i, v := range []*int64{q.TotalSameDayShippingCartAdds, q.TotalOneDayShippingCartAdds, q.TotalTwoDayShippingCartAdds} {
				addPart(&sp[2][i], v, q.TotalCartAddCount)
			}
			for i, v := range []*int64{q.TotalSameDayShippingPurchases, q.TotalOneDayShippingPurchases, q.TotalTwoDayShippingPurchases} {
				addPart(&sp[3][i], v, q.TotalPurchaseCount)
			}
		}
	}
	money := func(p price) string {
		if p.weight == 0 {
			return "—"
		}
		return new(big.Rat).SetFrac64(p.amount, p.weight*100).FloatString(2)
	}
	steps := []string{"impressions", "clicks", "cart_adds", "purchases"}
	rates := []string{"", "CTR", "Cart-add rate", "CVR"}
	out := map[string]string{}
	for i, s := range steps {
		out[s+"/market"] = thousands(mk[i])
		out[s+"/product"] = thousands(pr[i])
		out[s+"/share"] = pct(pr[i], mk[i])
		if i == 0 {
			continue
		}
		prev := i - 1
		if i == 3 { // CVR is purchases per click
			prev = 1
		}
		out[s+"/rate"] = rates[i]
		out[s+"/market_rate"] = pct(mk[i], mk[prev])
		out[s+"/product_rate"] = pct(pr[i], pr[prev])
		out[s+"/market_price"] = money(mp[i])
		out[s+"/product_price"] = money(pp[i])
		for j, f := range []string{"same_day", "one_day", "two_day"} {
			out[s+"/"+f] = pct(sp[i][j].n, sp[i][j].of)
		}
	}
	return out
}

// marketCells reads a market table's cells, keyed "step/figure".
func marketCells(table *goquery.Selection) map[string]string {
	out := map[string]string{}
	table.Find("tbody tr").Each(func(_ int, tr *goquery.Selection) {
		step, _ := tr.Attr("data-step")
		tr.Find("td").Each(func(_ int, td *goquery.Selection) {
			fig, _ := td.Attr("data-figure")
			if text := strings.TrimSpace(td.Text()); text != "" {
				out[step+"/"+fig] = text
			}
		})
	})
	return out
}

func TestProductPageShowsTheMarket(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: asinMarket, Brand: brandMain, ProductTitle: "Hose Pipe", Active: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ImportWeeklyReports(ctx, marketReports()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	d, _ := f.doc("/brands/"+f.brandID+"/products/"+asinMarket, 200, nil)

	check := func(t *testing.T, table *goquery.Selection, want map[string]string) {
		t.Helper()
		if table.Length() != 1 {
			t.Fatalf("found %d market tables, want 1", table.Length())
		}
		got := marketCells(table)
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s = %q, want %q", k, got[k], w)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected cell %s = %q", k, got[k])
			}
		}
	}
	t.Run("the market panel shows the product's market equal to the sums of its US rows in the range", func(t *testing.T) {
		panel := d.Find("[data-testid=market-panel]")
		check(t, panel.Find("[data-testid=market-table]"), marketExpect(nil))
		if h := panel.Find("thead").Text(); !strings.Contains(h, "Median price (USD)") {
			t.Errorf("the prices do not name their currency: %q", h)
		}
	})
	t.Run("each query's folded market row shows that query's market", func(t *testing.T) {
		rows := d.Find("[data-testid=query-row]")
		if rows.Length() != 2 {
			t.Fatalf("%d query rows, want 2", rows.Length())
		}
		rows.Each(func(_ int, row *goquery.Selection) {
			q := strings.TrimSpace(row.Find("th").First().Text())
			market := row.Next()
			if v, _ := market.Attr("data-testid"); v != "query-market" {
				t.Fatalf("the row after %q is not its market row", q)
			}
			check(t, market.Find("[data-testid=market-table]"), marketExpect(map[string]bool{q: true}))
			if s := market.Find("summary").Text(); !strings.Contains(s, "CVR") || !strings.HasSuffix(strings.TrimSpace(s), "USD") {
				t.Errorf("summary of %q = %q", q, s)
			}
		})
	})
	t.Run("each query text links to its query page, which shows that query", func(t *testing.T) {
		links := d.Find("[data-testid=query-row] [data-testid=query-link]")
		if links.Length() != 2 {
			t.Fatalf("%d query links, want 2", links.Length())
		}
		links.Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			want := "/brands/" + f.brandID + "/queries/" + strings.ReplaceAll(a.Text(), " ", "%20")
			if !strings.HasPrefix(href, want) {
				t.Fatalf("link of %q = %q, want %s...", a.Text(), href, want)
			}
			page, _ := f.doc(href, 200, nil)
			if !strings.Contains(page.Find("h1").Text(), a.Text()) {
				t.Fatalf("the page at %s is headed %q, not the query %q", href, page.Find("h1").Text(), a.Text())
			}
		})
	})
	t.Run("the UK page shows the UK's market, in pounds", func(t *testing.T) {
		d, _ := f.doc("/brands/"+f.brandID+"/products/"+asinMarket+"?mp=UK", 200, nil)
		panel := d.Find("[data-testid=market-panel]")
		if h := panel.Find("thead").Text(); !strings.Contains(h, "Median price (GBP)") {
			t.Fatalf("the UK prices are not in GBP: %q", h)
		}
		if us := marketExpect(nil)["clicks/market"]; marketCells(panel)["clicks/market"] == us {
			t.Fatalf("the UK page shows the US market's clicks %s", us)
		}
	})
}

func TestProductMarketInBrowser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: asinMarket, Brand: brandMain, ProductTitle: "Hose Pipe", Active: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ImportWeeklyReports(ctx, marketReports()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	d := startDashBrowser(t, f)
	t.Run("a query's market unfolds under its row, inside the page's width", func(t *testing.T) {
		tab := d.tab(t, "/brands/"+f.brandID+"/products/"+asinMarket)
		const table = `document.querySelector('[data-testid=query-market] [data-testid=market-table]')`
		if browsertest.Eval[bool](tab, table+`.checkVisibility()`) {
			t.Fatal("the query's market is unfolded before a click")
		}
		tab.Run("unfold the first query's market", browsertest.Click(`[data-testid=query-market] summary`))
		tab.WaitFor("the market table shows", table+`.checkVisibility()`)
		tab.Screenshot("product-market.png")
		if w := browsertest.Eval[int](tab, `document.documentElement.scrollWidth`); w > browsertest.ViewportWidth {
			t.Errorf("the page is %d px wide, wider than the %d px viewport", w, browsertest.ViewportWidth)
		}
		noCSPViolations(t, tab)
	})
}
