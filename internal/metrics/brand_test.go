package metrics

import (
	"testing"
	"time"
)

// TestBrandCountsTheMarketOncePerQueryAndWeek checks Brand against numbers added up by hand: two ASINs
// that share the query "shoes" in week 1 (market 1,000 impressions on both rows), one of them also in
// week 2, and a query only one ASIN has.
func TestBrandCountsTheMarketOncePerQueryAndWeek(t *testing.T) {
	w1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w2 := w1.AddDate(0, 0, 7)
	rows := []ASINQuery{
		{w1, "shoes", Counts{ASINImpressions: 50, TotalImpressions: 1000, ASINClicks: 5, TotalClicks: 100, ASINPurchases: 2, TotalPurchases: 20, PurchasePriceCents: 2 * 1999, PricedPurchases: 2}},
		{w1, "shoes", Counts{ASINImpressions: 30, TotalImpressions: 1000, ASINClicks: 3, TotalClicks: 100, ASINPurchases: 1, TotalPurchases: 20}},
		{w1, "boots", Counts{ASINImpressions: 20, TotalImpressions: 400, ASINClicks: 2, TotalClicks: 40, ASINPurchases: 1, TotalPurchases: 8, PurchasePriceCents: 4999, PricedPurchases: 1}},
		{w2, "shoes", Counts{ASINImpressions: 60, TotalImpressions: 1100, ASINClicks: 6, TotalClicks: 110, ASINPurchases: 3, TotalPurchases: 22}},
	}
	got := Brand(rows)
	// By hand: ASIN impressions 50+30+20+60 = 160; market 1,000 (shoes, w1, once) + 400 + 1,100 = 2,500.
	want := Counts{ASINImpressions: 160, TotalImpressions: 2500, ASINClicks: 16, TotalClicks: 250,
		ASINPurchases: 7, TotalPurchases: 50, PurchasePriceCents: 2*1999 + 4999, PricedPurchases: 3}
	if got != want {
		t.Fatalf("Brand = %+v\nwant    %+v", got, want)
	}
	// 160 / 2,500 = 6.40%; summing the per-ASIN totals (3,500) would say 4.57%.
	if v := got.Get(ImpressionShare); !v.OK || v.V != 6.4 {
		t.Errorf("impression share %v, want 6.4", v)
	}
	if Brand(nil) != (Counts{}) {
		t.Error("no rows: want zero counts")
	}
}
