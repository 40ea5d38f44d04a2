package postgres

import (
	"context"
	"testing"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// TestBrandQueryWeeks reads one search query of a brand, week by week, from hand-built base rows after a
// refresh: two of its ASINs share the query in the first week (the market is counted once), one reports
// it again in the second, and rows in another marketplace, of another brand, of an inactive mapping and of
// another query stay out. The weeks add up to the query view's row of the range. The sums are computed by
// hand in the comments.
func TestBrandQueryWeeks(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.ImportBrandMappings(ctx, []sqp.BrandMapping{
		{ASIN: "B0QRYA0001", Brand: "knives", ProductTitle: "Knife A", Active: true},
		{ASIN: "B0QRYB0002", Brand: "knives", ProductTitle: "Knife B", Active: true},
		{ASIN: "B0QRYC0003", Brand: "knives", ProductTitle: "Retired", Active: false},
		{ASIN: "B0OTHR0004", Brand: "rival", ProductTitle: "Rival knife", Active: true},
	}); err != nil {
		t.Fatal(err)
	}
	c := func(v int64) *sqp.Cents { x := sqp.Cents(v); return &x }
	n := func(v int64) *int64 { return &v }
	s := func(v int32) *int32 { return &v }
	w1, w2 := period.Date(2024, 8, 4), period.Date(2024, 8, 11)
	report := func(asin, market string, week period.Range, rows ...sqp.QueryRow) sqp.WeeklyReport {
		return sqp.WeeklyReport{ASIN: asin, Marketplace: market, WeekStart: week.From, WeekEnd: week.To, Queries: rows}
	}
	week1 := period.Range{From: w1, To: w1.AddDate(0, 0, 6)}
	week2 := period.Range{From: w2, To: w2.AddDate(0, 0, 6)}
	other := sqp.QueryRow{SearchQuery: "knife", TotalQueryImpressionCount: 7000, ASINImpressionCount: 700}
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{
		report("B0QRYA0001", "US", week1, sqp.QueryRow{SearchQuery: "chef knife", SearchQueryVolume: n(5000), SearchQueryScore: s(3),
			TotalQueryImpressionCount: 1000, ASINImpressionCount: 100, TotalClickCount: 200, ASINClickCount: 10,
			TotalCartAddCount: 50, ASINCartAddCount: 4, TotalPurchaseCount: 20, ASINPurchaseCount: 2,
			TotalMedianClickPrice: c(3000), ASINMedianClickPrice: c(2900), TotalMedianPurchasePrice: c(3100), ASINMedianPurchasePrice: c(2800),
			CurrencyCode: "USD", TotalSameDayShippingClicks: n(20), TotalOneDayShippingClicks: n(50), TotalTwoDayShippingClicks: n(80)}, other),
		report("B0QRYB0002", "US", week1, sqp.QueryRow{SearchQuery: "chef knife", SearchQueryVolume: n(5000), SearchQueryScore: s(7),
			TotalQueryImpressionCount: 1000, ASINImpressionCount: 50, TotalClickCount: 200, ASINClickCount: 5,
			TotalCartAddCount: 50, ASINCartAddCount: 1, TotalPurchaseCount: 20, ASINPurchaseCount: 1,
			TotalMedianClickPrice: c(3000), TotalMedianPurchasePrice: c(3100), ASINMedianPurchasePrice: c(3500), CurrencyCode: "USD",
			TotalSameDayShippingClicks: n(20), TotalOneDayShippingClicks: n(50), TotalTwoDayShippingClicks: n(80)}),
		report("B0QRYA0001", "US", week2, sqp.QueryRow{SearchQuery: "chef knife", SearchQueryVolume: n(5200), SearchQueryScore: s(2),
			TotalQueryImpressionCount: 1100, ASINImpressionCount: 120, TotalClickCount: 220, ASINClickCount: 12,
			TotalCartAddCount: 55, ASINCartAddCount: 3, TotalPurchaseCount: 30, ASINPurchaseCount: 3,
			TotalMedianPurchasePrice: c(3200), ASINMedianPurchasePrice: c(2700), CurrencyCode: "USD"}),
		report("B0QRYA0001", "UK", week1, sqp.QueryRow{SearchQuery: "chef knife", TotalQueryImpressionCount: 9999, ASINImpressionCount: 999, CurrencyCode: "GBP"}),
		report("B0QRYC0003", "US", week1, sqp.QueryRow{SearchQuery: "chef knife", TotalQueryImpressionCount: 1000, ASINImpressionCount: 400}),
		report("B0OTHR0004", "US", week1, sqp.QueryRow{SearchQuery: "chef knife", TotalQueryImpressionCount: 1000, ASINImpressionCount: 500},
			sqp.QueryRow{SearchQuery: "rival only", TotalQueryImpressionCount: 10, ASINImpressionCount: 1}),
		report("B0QRYC0003", "US", week2, sqp.QueryRow{SearchQuery: "retired only", TotalQueryImpressionCount: 10, ASINImpressionCount: 1}),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
		t.Fatal(err)
	}
	brandID := ""
	brands, err := db.ActiveBrands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range brands {
		if b.Name == "knives" {
			brandID = b.ID
		}
	}
	both := period.Range{From: w1, To: week2.To}

	weeks, err := db.BrandQueryWeeks(ctx, brandID, "US", "chef knife", both)
	if err != nil {
		t.Fatal(err)
	}
	if len(weeks) != 2 || !weeks[0].WeekStart.Equal(w1) || !weeks[1].WeekStart.Equal(w2) {
		t.Fatalf("weeks %+v", weeks)
	}

	t.Run("the market is counted once per week, the brand summed over its ASINs", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			got  sqp.BrandQuery
			want metrics.Counts
			vol  int64
			asin int
		}{
			// Week 1: A and B, impressions 100+50 of 1000 (once), clicks 10+5 of 200, cart adds 4+1 of 50,
			// purchases 2+1 of 20 (priced at 28.00 and 35.00).
			{"week 1", weeks[0].BrandQuery, metrics.Counts{ASINImpressions: 150, TotalImpressions: 1000, ASINClicks: 15, TotalClicks: 200,
				ASINCartAdds: 5, TotalCartAdds: 50, ASINPurchases: 3, TotalPurchases: 20, PurchasePriceCents: 2800*2 + 3500, PricedPurchases: 3}, 5000, 2},
			// Week 2: A alone.
			{"week 2", weeks[1].BrandQuery, metrics.Counts{ASINImpressions: 120, TotalImpressions: 1100, ASINClicks: 12, TotalClicks: 220,
				ASINCartAdds: 3, TotalCartAdds: 55, ASINPurchases: 3, TotalPurchases: 30, PurchasePriceCents: 2700 * 3, PricedPurchases: 3}, 5200, 1},
		} {
			if tc.got.Counts != tc.want || tc.got.Volume != tc.vol || tc.got.MaxASINs != tc.asin || tc.got.Weeks != 1 || tc.got.Currency != "USD" {
				t.Errorf("%s: %+v\nwant counts %+v, volume %d, %d ASINs", tc.name, tc.got, tc.want, tc.vol, tc.asin)
			}
		}
		if s := weeks[0]; !s.HasScore || s.BestScore != 3 || weeks[1].BestScore != 2 {
			t.Errorf("scores %d and %d, want 3 and 2", s.BestScore, weeks[1].BestScore)
		}
		if got := weeks[0].Counts.Get(metrics.ImpressionShare); got != metrics.Known(15) {
			t.Errorf("week 1 impression share %v, want 150/1000 = 15%%", got)
		}
		p := weeks[0].Prices
		for _, tc := range []struct {
			name string
			p    metrics.PriceSum
			want metrics.Value
		}{
			{"brand purchase price", p.ASINPurchase, metrics.Known(30.33)}, // (28.00x2 + 35.00x1) / 3
			{"market purchase price", p.MarketPurchase, metrics.Known(31.00)},
			{"market click price", p.MarketClick, metrics.Known(30.00)},
			{"brand click price", p.ASINClick, metrics.Known(29.00)}, // only A reports one
			{"no cart-add price", p.MarketCartAdd, metrics.Value{}},
		} {
			if got := tc.p.Value(); got != tc.want {
				t.Errorf("week 1 %s %v, want %v", tc.name, got, tc.want)
			}
		}
		// 20, 50 and 80 of the week's 200 market clicks, counted once although both ASINs report them.
		sh := weeks[0].Shipping.Clicks
		if sh.SameDay.Share() != metrics.Known(10) || sh.OneDay.Share() != metrics.Known(25) || sh.TwoDay.Share() != metrics.Known(40) {
			t.Errorf("click shipping %+v, want 10%% 25%% 40%%", sh)
		}
	})

	t.Run("the weeks add up to the query view's row", func(t *testing.T) {
		page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: brandID, Marketplace: "US", Range: both, Queries: []string{"chef knife"}, Sort: sqp.BrandQuerySortQuery})
		if err != nil || len(page.Queries) != 1 {
			t.Fatalf("query view %+v, %v", page, err)
		}
		row := page.Queries[0]
		if sum := weeks[0].Counts.Add(weeks[1].Counts); row.Counts != sum || row.Volume != weeks[0].Volume+weeks[1].Volume || row.Weeks != 2 {
			t.Errorf("query view %+v, weeks sum to %+v", row, sum)
		}
	})

	t.Run("another marketplace is read on its own", func(t *testing.T) {
		uk, err := db.BrandQueryWeeks(ctx, brandID, "UK", "chef knife", both)
		if err != nil || len(uk) != 1 || uk[0].Counts.ASINImpressions != 999 || uk[0].Currency != "GBP" {
			t.Errorf("UK weeks %+v, %v", uk, err)
		}
	})

	t.Run("a range outside the reports has no week", func(t *testing.T) {
		none, err := db.BrandQueryWeeks(ctx, brandID, "US", "chef knife", period.Range{From: w1.AddDate(0, 0, -14), To: w1.AddDate(0, 0, -1)})
		if err != nil || len(none) != 0 {
			t.Errorf("weeks %+v, %v", none, err)
		}
	})

	t.Run("the brand has the queries of its active ASINs in its marketplaces only", func(t *testing.T) {
		for q, want := range map[string]bool{"chef knife": true, "knife": true, "rival only": false, "retired only": false, "CHEF KNIFE": false} {
			if got, err := db.BrandHasQuery(ctx, brandID, q, []string{"US", "UK"}); err != nil || got != want {
				t.Errorf("BrandHasQuery(%q) = %v, %v; want %v", q, got, err, want)
			}
		}
		if got, err := db.BrandHasQuery(ctx, brandID, "chef knife", []string{"DE"}); err != nil || got {
			t.Errorf("in DE: %v, %v", got, err)
		}
	})
}
