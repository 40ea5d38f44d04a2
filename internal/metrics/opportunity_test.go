package metrics

import "testing"

// week is one week's purchases: the brand's and the market's.
func week(brand, market int64) Counts { return Counts{ASINPurchases: brand, TotalPurchases: market} }

func TestOpportunity(t *testing.T) {
	for _, tc := range []struct {
		name  string
		weeks []Counts
		best  float64 // -1: undefined
		want  float64 // -1: undefined
	}{
		{
			// Shares 10/100 = 0.10, 30/200 = 0.15, 5/100 = 0.05: best 0.15.
			// Market 400, brand 45: 0.15 x 400 - 45 = 60 - 45 = 15 purchases.
			name:  "best week's share on the range's market",
			weeks: []Counts{week(10, 100), week(30, 200), week(5, 100)},
			best:  0.15, want: 15,
		},
		{
			// Shares 1/3 = 0.3333 and 2/7 = 0.2857: best 1/3. Market 10, brand 3: 10/3 - 3 = 0.3333.
			name:  "fractional purchases are kept",
			weeks: []Counts{week(1, 3), week(2, 7)},
			best:  0.3333, want: 0.3333,
		},
		{
			// One week: best = its share 0.2; 0.2 x 50 - 10 = 0: the brand already is at its best.
			name:  "one week has no opportunity",
			weeks: []Counts{week(10, 50)},
			best:  0.2, want: 0,
		},
		{
			// Equal shares 0.1 and 0.1: 0.1 x 300 - 30 = 0.
			name:  "a steady share has no opportunity",
			weeks: []Counts{week(10, 100), week(20, 200)},
			best:  0.1, want: 0,
		},
		{
			// Week 2 has no market purchase and is skipped (its 0/0 share is undefined); best 5/20 = 0.25.
			// Market 20 + 0 + 80 = 100, brand 5 + 0 + 4 = 9: 0.25 x 100 - 9 = 16.
			name:  "weeks without market purchases are skipped",
			weeks: []Counts{week(5, 20), week(0, 0), week(4, 80)},
			best:  0.25, want: 16,
		},
		{
			// The brand sold nothing: best 0, 0 x 500 - 0 = 0.
			name:  "a brand that never sold has no opportunity",
			weeks: []Counts{week(0, 200), week(0, 300)},
			best:  0, want: 0,
		},
		{
			// No market purchase in any week: best and opportunity undefined.
			name:  "a zero market has no opportunity figure",
			weeks: []Counts{week(0, 0), week(0, 0)},
			best:  -1, want: -1,
		},
		{
			name: "no weeks has no opportunity figure",
			best: -1, want: -1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(name string, got Value, want float64) {
				t.Helper()
				if want < 0 {
					if got.OK {
						t.Errorf("%s = %v, want undefined", name, got.V)
					}
					return
				}
				if !got.OK || round4(got.V) != want {
					t.Errorf("%s = %+v, want %v", name, got, want)
				}
			}
			check("best share", BestPurchaseShare(tc.weeks), tc.best)
			check("opportunity", OpportunityOf(tc.weeks), tc.want)
		})
	}
}

func TestOpportunityFrom(t *testing.T) {
	// 0.15 x 400 - 45 = 15; never negative: 0.05 x 400 - 45 = -25 -> 0.
	if got := OpportunityFrom(Known(0.15), 400, 45); !got.OK || round4(got.V) != 15 {
		t.Errorf("OpportunityFrom(0.15, 400, 45) = %+v, want 15", got)
	}
	if got := OpportunityFrom(Known(0.05), 400, 45); !got.OK || got.V != 0 {
		t.Errorf("OpportunityFrom(0.05, 400, 45) = %+v, want 0", got)
	}
	if got := OpportunityFrom(Value{}, 400, 45); got.OK {
		t.Errorf("OpportunityFrom(undefined) = %+v, want undefined", got)
	}
	if got := OpportunityFrom(Known(0.5), 0, 0); got.OK {
		t.Errorf("OpportunityFrom(zero market) = %+v, want undefined", got)
	}
}
