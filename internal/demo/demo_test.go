package demo

import (
	"hash/fnv"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// reference is a fixed "today" (a Wednesday), so that the tests do not depend on the calendar.
var reference = time.Date(2026, 3, 18, 15, 4, 5, 0, time.UTC)

func newDataset(t *testing.T, scale float64, seed uint64) *Dataset {
	t.Helper()
	d, err := New(Options{Scale: scale, Seed: seed, Reference: reference})
	if err != nil {
		t.Fatalf("New(scale %v, seed %d): %v", scale, seed, err)
	}
	return d
}

// summary is everything a dataset holds, folded into sums and a hash: equal summaries mean equal data.
type summary struct {
	counts                        Counts
	reports, rows                 int
	impressions, clicks, purchase [2]int64 // total, ASIN
	cartAdds                      [2]int64
	volume, priceCents            int64
	nilPrices, nilShipping        int
	textHash                      uint64
}

func summarize(d *Dataset) summary {
	s := summary{counts: d.Counts()}
	h := fnv.New64a()
	for _, b := range d.Brands() {
		h.Write([]byte(b.Name + b.DisplayName))
	}
	for _, m := range d.Mappings() {
		h.Write([]byte(m.ASIN + m.Brand + m.ProductTitle))
	}
	for r := range d.Reports() {
		s.reports++
		h.Write([]byte(r.ASIN + r.WeekStart.Format(time.DateOnly)))
		for _, q := range r.Queries {
			s.rows++
			h.Write([]byte(q.SearchQuery))
			s.impressions[0] += q.TotalQueryImpressionCount
			s.impressions[1] += q.ASINImpressionCount
			s.clicks[0] += q.TotalClickCount
			s.clicks[1] += q.ASINClickCount
			s.cartAdds[0] += q.TotalCartAddCount
			s.cartAdds[1] += q.ASINCartAddCount
			s.purchase[0] += q.TotalPurchaseCount
			s.purchase[1] += q.ASINPurchaseCount
			s.volume += *q.SearchQueryVolume
			for _, p := range []*sqp.Cents{q.TotalMedianClickPrice, q.ASINMedianClickPrice, q.TotalMedianCartAddPrice, q.ASINMedianCartAddPrice, q.TotalMedianPurchasePrice, q.ASINMedianPurchasePrice} {
				if p == nil {
					s.nilPrices++
				} else {
					s.priceCents += int64(*p)
				}
			}
			if q.TotalSameDayShippingClicks == nil {
				s.nilShipping++
			}
		}
	}
	s.textHash = h.Sum64()
	return s
}

func TestNew(t *testing.T) {
	t.Run("same seed gives the same data", func(t *testing.T) {
		a, b := summarize(newDataset(t, 0.2, 7)), summarize(newDataset(t, 0.2, 7))
		if a != b {
			t.Fatalf("two datasets of seed 7 differ:\n%+v\n%+v", a, b)
		}
		if a.rows == 0 || a.impressions[1] == 0 || a.purchase[1] == 0 {
			t.Fatalf("dataset is empty: %+v", a)
		}
	})
	t.Run("a different seed gives different data", func(t *testing.T) {
		a, b := summarize(newDataset(t, 0.2, 7)), summarize(newDataset(t, 0.2, 8))
		if a.textHash == b.textHash || a.impressions == b.impressions {
			t.Fatalf("seeds 7 and 8 gave the same data: %+v", a)
		}
	})
	t.Run("counts announced match the rows generated", func(t *testing.T) {
		d := newDataset(t, 0.2, 1)
		s := summarize(d)
		c := d.Counts()
		asinWeeks := 0
		for range d.ASINWeeks() {
			asinWeeks++
		}
		if s.reports != c.ASINWeeks || asinWeeks != c.ASINWeeks || s.rows != c.QueryRows {
			t.Fatalf("Counts() = %+v, generated %d reports, %d ASIN-weeks and %d rows", c, s.reports, asinWeeks, s.rows)
		}
		if c.Products != len(d.Mappings()) || c.Brands != len(d.Brands()) || c.Weeks != WeeksPerDataset {
			t.Fatalf("Counts() = %+v, mappings %d, brands %d", c, len(d.Mappings()), len(d.Brands()))
		}
	})
	t.Run("scale 1 is about the spec's 204,000 rows", func(t *testing.T) {
		rows := newDataset(t, 1, 1).Counts().QueryRows
		if rows < 198000 || rows > 210000 {
			t.Fatalf("scale 1 has %d query rows, want 204,000 ± 3%%", rows)
		}
	})
	t.Run("a scale out of range is refused", func(t *testing.T) {
		for _, scale := range []float64{0, -1, MaxScale + 1} {
			if _, err := New(Options{Scale: scale, Reference: reference}); err == nil {
				t.Errorf("New(scale %v) succeeded", scale)
			}
		}
	})
}

func TestWeekStarts(t *testing.T) {
	saturday := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		ref     time.Time
		lastEnd time.Time
	}{
		{"a Wednesday ends with last Saturday", time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC), saturday},
		{"a Sunday ends with yesterday", time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), saturday},
		{"a Saturday ends a week earlier: today is not over", time.Date(2026, 3, 21, 23, 0, 0, 0, time.UTC), saturday},
	} {
		t.Run(tc.name, func(t *testing.T) {
			weeks := weekStarts(tc.ref, WeeksPerDataset)
			last := weeks[len(weeks)-1].AddDate(0, 0, 6)
			if !last.Equal(tc.lastEnd) {
				t.Fatalf("last week ends %s, want %s", last.Format(time.DateOnly), tc.lastEnd.Format(time.DateOnly))
			}
			for i, w := range weeks {
				if w.Weekday() != time.Sunday {
					t.Fatalf("week %d starts on %s", i, w.Weekday())
				}
				if i > 0 && w.Sub(weeks[i-1]) != 7*24*time.Hour {
					t.Fatalf("week %d is not 7 days after week %d", i, i-1)
				}
			}
		})
	}
}
