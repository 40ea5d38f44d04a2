package metrics

import (
	"strconv"
	"strings"
	"testing"
)

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
			// Shares 10/30 = 0.3333 and 20/70 = 0.2857: best 1/3. Market 100, brand 30: 100/3 - 30 = 3.3333.
			// (Weeks of 3 and 7 market purchases before the minimum; now below it, so scaled by 10.)
			name:  "fractional purchases are kept",
			weeks: []Counts{week(10, 30), week(20, 70)},
			best:  0.3333, want: 3.3333,
		},
		{
			// Week 1: 1 market purchase, won by the brand: share 1/1 = 1, but 1 < MinWeekMarketPurchases (10)
			// market purchases, so it is skipped. Week 2: 10/100 = 0.10 counts. Best 0.10.
			// Market 1 + 100 = 101, brand 1 + 10 = 11: 0.10 x 101 - 11 = 10.1 - 11 = -0.9 -> 0.
			// Counting the tiny week would have given best 1 and 1 x 101 - 11 = 90 purchases.
			name:  "a tiny week does not set the best share",
			weeks: []Counts{week(1, 1), week(10, 100)},
			best:  0.1, want: 0,
		},
		{
			// Week 1: 9 of 9 market purchases (9 < 10, skipped); week 2: 3/10 = 0.3 (exactly 10: counts);
			// week 3: 5/50 = 0.1. Best 0.3. Market 9 + 10 + 50 = 69, brand 9 + 3 + 5 = 17:
			// 0.3 x 69 - 17 = 20.7 - 17 = 3.7.
			name:  "a week at exactly the minimum counts",
			weeks: []Counts{week(9, 9), week(3, 10), week(5, 50)},
			best:  0.3, want: 3.7,
		},
		{
			// Every week below 10 market purchases (5 and 9): no best share, opportunity undefined.
			name:  "only tiny weeks have no opportunity figure",
			weeks: []Counts{week(5, 5), week(0, 9)},
			best:  -1, want: -1,
		},
		{
			// Bad data with more brand than market purchases: 30/20 = 1.5 is capped at 1; 10/100 = 0.1.
			// Best 1. Market 120, brand 40: 1 x 120 - 40 = 80.
			name:  "the share is capped at 1",
			weeks: []Counts{week(30, 20), week(10, 100)},
			best:  1, want: 80,
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
			// Week 2 has no market purchase and is skipped (fewer than 10; its 0/0 share is undefined);
			// best 5/20 = 0.25.
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

// The glossary definition states the minimum in words; it must be the constant's number.
func TestOpportunityDefinitionNamesTheMinimum(t *testing.T) {
	if want := "at least " + strconv.Itoa(MinWeekMarketPurchases) + " market purchases"; !strings.Contains(OpportunityDefinition, want) {
		t.Errorf("OpportunityDefinition = %q, want it to say %q", OpportunityDefinition, want)
	}
}
