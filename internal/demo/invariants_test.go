package demo

import (
	"testing"
	"time"
)

// within reports whether count is frac x base for some frac in [lo, hi], allowing the rounding to whole
// counts that the generator does.
func within(count, base int64, lo, hi float64) bool {
	return float64(count) >= lo*float64(base)-0.5 && float64(count) <= hi*float64(base)+0.5
}

func TestReportsInvariants(t *testing.T) {
	d := newDataset(t, 0.5, 3)
	weeks := d.Weeks()
	inWeeks := map[time.Time]bool{}
	for _, w := range weeks {
		inWeeks[w] = true
	}

	t.Run("one inactive brand and a few inactive mappings", func(t *testing.T) {
		inactiveBrands, inactiveMappings := 0, 0
		for _, b := range d.Brands() {
			if !b.Active {
				inactiveBrands++
			}
			if b.Name == "" || b.DisplayName == "" {
				t.Errorf("brand without a name: %+v", b)
			}
		}
		for _, m := range d.Mappings() {
			if !m.Active {
				inactiveMappings++
			}
			if len(m.ASIN) != 10 || m.ProductTitle == "" {
				t.Errorf("mapping without a proper ASIN or title: %+v", m)
			}
		}
		if len(d.Brands()) < 5 || inactiveBrands != 1 || inactiveMappings < 2 {
			t.Fatalf("%d brands, %d inactive; %d inactive mappings", len(d.Brands()), inactiveBrands, inactiveMappings)
		}
	})

	var (
		perASIN      = map[string]int{}
		nilPurchase  int // purchase price missing although there were purchases
		zeroShown    int // query-weeks where the product got no impression
		nilShipping  int
		rowsChecked  int
		queriesCount = map[int]bool{}
	)
	for r := range d.Reports() {
		perASIN[r.ASIN]++
		if r.WeekStart.Weekday() != time.Sunday || !r.WeekEnd.Equal(r.WeekStart.AddDate(0, 0, 6)) || !inWeeks[r.WeekStart] {
			t.Fatalf("report %s runs %s..%s, want a dataset week, Sunday to Saturday", r.ASIN, r.WeekStart, r.WeekEnd)
		}
		n := len(r.Queries)
		queriesCount[n] = true
		if n < minQueries || n > maxQueries {
			t.Fatalf("report %s %s has %d queries", r.ASIN, r.WeekStart, n)
		}
		seen := map[string]bool{}
		for i, q := range r.Queries {
			rowsChecked++
			if seen[q.SearchQuery] {
				t.Fatalf("report %s %s repeats query %q", r.ASIN, r.WeekStart, q.SearchQuery)
			}
			seen[q.SearchQuery] = true
			if *q.SearchQueryScore != int32(i+1) || q.CurrencyCode != "USD" {
				t.Fatalf("query %q: score %d at position %d, currency %q", q.SearchQuery, *q.SearchQueryScore, i, q.CurrencyCode)
			}
			if !within(q.TotalClickCount, q.TotalQueryImpressionCount, minCTR, maxCTR) ||
				!within(q.TotalCartAddCount, q.TotalClickCount, minCartRate, maxCartRate) ||
				!within(q.TotalPurchaseCount, q.TotalCartAddCount, minBuyRate, maxBuyRate) {
				t.Fatalf("market funnel out of range: %+v", q)
			}
			for _, s := range [][2]int64{
				{q.ASINImpressionCount, q.TotalQueryImpressionCount}, {q.ASINClickCount, q.TotalClickCount},
				{q.ASINCartAddCount, q.TotalCartAddCount}, {q.ASINPurchaseCount, q.TotalPurchaseCount},
			} {
				if s[0] < 0 || s[0] > s[1] || !within(s[0], s[1], 0, maxShare) {
					t.Fatalf("ASIN count %d of market %d: share out of 0-30%%: %+v", s[0], s[1], q)
				}
			}
			if q.ASINClickCount > q.ASINImpressionCount || q.ASINCartAddCount > q.ASINClickCount || q.ASINPurchaseCount > q.ASINCartAddCount {
				t.Fatalf("ASIN funnel grows: %+v", q)
			}
			if (q.ASINMedianClickPrice != nil) != (q.ASINClickCount > 0) || (q.ASINMedianCartAddPrice != nil) != (q.ASINCartAddCount > 0) ||
				(q.TotalMedianPurchasePrice != nil) != (q.TotalPurchaseCount > 0) || (q.ASINMedianPurchasePrice != nil && q.ASINPurchaseCount == 0) {
				t.Fatalf("a price is present without its count, or missing with it: %+v", q)
			}
			if q.ASINMedianPurchasePrice == nil && q.ASINPurchaseCount > 0 {
				nilPurchase++
			}
			if q.ASINImpressionCount == 0 {
				zeroShown++
			}
			if q.TotalSameDayShippingClicks == nil {
				nilShipping++
			} else if *q.TotalTwoDayShippingClicks > q.TotalClickCount || *q.TotalOneDayShippingPurchases > q.TotalPurchaseCount {
				t.Fatalf("shipping-speed count above its total: %+v", q)
			}
		}
	}

	t.Run("every product reports, some late or with gaps", func(t *testing.T) {
		partial := 0
		for _, m := range d.Mappings() {
			n := perASIN[m.ASIN]
			if n == 0 {
				t.Fatalf("product %s has no report", m.ASIN)
			}
			if n < WeeksPerDataset*3/4 {
				partial++
			}
		}
		if partial == 0 {
			t.Fatal("no product launched late or has a long gap")
		}
	})
	t.Run("missing prices, unseen queries and missing shipping counts occur", func(t *testing.T) {
		if nilPurchase == 0 || zeroShown == 0 || nilShipping == 0 || nilShipping == rowsChecked {
			t.Fatalf("missing purchase prices %d, zero-impression rows %d, rows without shipping counts %d of %d",
				nilPurchase, zeroShown, nilShipping, rowsChecked)
		}
	})
	t.Run("query counts span 6 to 14", func(t *testing.T) {
		if !queriesCount[minQueries] || !queriesCount[maxQueries] {
			t.Fatalf("query counts seen: %v", queriesCount)
		}
	})
}

func BenchmarkReports(b *testing.B) {
	d, err := New(Options{Scale: 1, Seed: 1, Reference: reference})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for range d.Reports() {
		}
	}
	b.ReportMetric(float64(d.Counts().QueryRows), "rows/op")
}
