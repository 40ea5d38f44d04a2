package metrics

import "testing"

func TestPriceSum(t *testing.T) {
	tests := []struct {
		name string
		sum  PriceSum
		want Value
	}{
		{"one row is its own median", PriceOf(2999, 7), Known(29.99)},
		// 2 ASINs in one query-week: (29.99 x 7 + 18.99 x 2) / 9 = 247.91 / 9 = 27.5455... -> 27.55
		{"two ASINs weigh by their counts", PriceOf(2999, 7).Add(PriceOf(1899, 2)), Known(27.55)},
		// a half cent rounds up: (10.00 x 1 + 10.01 x 1) / 2 = 10.005 -> 10.01
		{"a half cent rounds up", PriceOf(1000, 1).Add(PriceOf(1001, 1)), Known(10.01)},
		{"a price without a count carries no weight", PriceOf(5000, 0).Add(PriceOf(1000, 3)), Known(10)},
		{"no priced count is undefined", PriceOf(5000, 0), Value{}},
		{"nothing is undefined", PriceSum{}, Value{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sum.Value(); got != tc.want {
				t.Errorf("%+v.Value() = %+v, want %+v", tc.sum, got, tc.want)
			}
		})
	}
}

func TestPriceSumIsAvgPrice(t *testing.T) {
	// The avg. median purchase price of Counts is the same definition at the purchase step.
	c := Counts{PurchasePriceCents: 2999*7 + 1899*2, PricedPurchases: 9}
	p := PriceOf(2999, 7).Add(PriceOf(1899, 2))
	if c.Get(AvgPrice) != p.Value() {
		t.Errorf("Counts.Get(AvgPrice) = %+v, PriceSum.Value() = %+v", c.Get(AvgPrice), p.Value())
	}
}

func TestShippingShare(t *testing.T) {
	s := Speeds{SameDay: Part{N: 10, Of: 400}}.Add(Speeds{SameDay: Part{N: 30, Of: 400}})
	if got := s.SameDay.Share(); got != Known(5) {
		t.Errorf("same-day share = %+v, want 5%%", got)
	}
	if got := s.OneDay.Share(); got.OK {
		t.Errorf("one-day share without a reported week = %+v, want undefined", got)
	}
}

func TestMarketRates(t *testing.T) {
	c := Counts{TotalImpressions: 4000, TotalClicks: 400, TotalCartAdds: 90, TotalPurchases: 40, ASINImpressions: 1}
	m := c.Market()
	if m.Get(CTR) != Known(10) || m.Get(CartAddRate) != Known(22.5) || m.Get(CVR) != Known(10) {
		t.Errorf("market CTR %+v, cart-add rate %+v, CVR %+v; want 10, 22.5, 10", m.Get(CTR), m.Get(CartAddRate), m.Get(CVR))
	}
}
