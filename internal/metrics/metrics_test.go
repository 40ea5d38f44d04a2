package metrics

import "testing"

func TestSharesAreRatiosOfSums(t *testing.T) {
	// Two queries: 1/10 and 99/100 impressions. Averaging the shares would give 54.5%; the ratio of the
	// sums is 100/110.
	a := Counts{ASINImpressions: 1, TotalImpressions: 10}
	b := Counts{ASINImpressions: 99, TotalImpressions: 100}
	got := a.Add(b).Get(ImpressionShare)
	if !got.OK || got.V != 90.91 {
		t.Fatalf("impression share = %+v, want 90.91", got)
	}
}

func TestRatesAndUndefinedValues(t *testing.T) {
	c := Counts{ASINImpressions: 400, ASINClicks: 30, ASINCartAdds: 6, ASINPurchases: 3, TotalPurchases: 0, PurchasePriceCents: 2*1999 + 1*2499, PricedPurchases: 3}
	for k, want := range map[Key]Value{
		CTR:           Known(7.5),
		CVR:           Known(10),
		CartAddRate:   Known(20),
		PurchaseShare: {},
		ClickShare:    {},
		AvgPrice:      Known(21.66), // (39.98 + 24.99) / 3
		Purchases:     Known(3),
	} {
		if got := c.Get(k); got != want {
			t.Errorf("%s = %+v, want %+v", k, got, want)
		}
	}
	if got := (Counts{}).Get(AvgPrice); got.OK {
		t.Errorf("price without priced purchases = %+v", got)
	}
}

func TestChangeRule(t *testing.T) {
	base := Counts{ASINImpressions: 200, TotalImpressions: 1000, ASINClicks: 10}
	cur := Counts{ASINImpressions: 250, TotalImpressions: 1000, ASINClicks: 10}
	for _, tc := range []struct {
		name      string
		k         Key
		cur, base Counts
		want      Delta
	}{
		{"count up in percent", Impressions, cur, base, Delta{V: 25, Unit: PercentChange, Dir: Up, OK: true}},
		{"count down in percent", Impressions, base, cur, Delta{V: -20, Unit: PercentChange, Dir: Down, OK: true}},
		{"share in points", ImpressionShare, cur, base, Delta{V: 5, Unit: Points, Dir: Up, OK: true}},
		{"unchanged is flat", Clicks, cur, base, Delta{V: 0, Unit: PercentChange, Dir: Flat, OK: true}},
		{"zero base has no change", Purchases, cur, base, Delta{Unit: PercentChange}},
		{"undefined rate has no change", CTR, cur, Counts{}, Delta{Unit: Points}},
		{"rate change from exact rates, rounded once", CTR, Counts{ASINClicks: 3456, ASINImpressions: 100000}, Counts{ASINClicks: 2504, ASINImpressions: 100000}, Delta{V: 0.95, Unit: Points, Dir: Up, OK: true}},
		{"tiny change is flat", Impressions, Counts{ASINImpressions: 100001}, Counts{ASINImpressions: 100000}, Delta{V: 0, Unit: PercentChange, Dir: Flat, OK: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Change(tc.k, tc.cur, tc.base); got != tc.want {
				t.Fatalf("Change(%s) = %+v, want %+v", tc.k, got, tc.want)
			}
		})
	}
}
