package metrics

import "testing"

// funnel builds counts from the brand's and the market's four steps.
func funnel(bi, mi, bc, mc, ba, ma, bp, mp int64) Counts {
	return Counts{
		ASINImpressions: bi, TotalImpressions: mi,
		ASINClicks: bc, TotalClicks: mc,
		ASINCartAdds: ba, TotalCartAdds: ma,
		ASINPurchases: bp, TotalPurchases: mp,
	}
}

func TestDiagnose(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Counts
		want Leak
		// listing and conversion ratios, rounded to 4 decimals; -1: undefined.
		listing, conversion float64
		step                Key
	}{
		{
			// IS 20000/100000 = 20%, CS 100/1000 = 10%: listing 10/20 = 0.5.
			// AS 50/400 = 12.5%, PS 20/160 = 12.5%: conversion 12.5/10 = 1.25 (cart add, the first of a tie).
			// 0.5 < 0.8 -> Listing.
			name: "click share half the impression share is a listing leak",
			c:    funnel(20000, 100000, 100, 1000, 50, 400, 20, 160),
			want: LeakListing, listing: 0.5, conversion: 1.25, step: CartAddShare,
		},
		{
			// IS 20%, CS 200/1000 = 20%: listing 1. AS 80/400 = 20%: 1; PS 10/160 = 6.25%: 0.3125.
			// Lower conversion ratio 0.3125 (purchase) < 0.8 -> Conversion.
			name: "purchase share a third of the click share is a conversion leak",
			c:    funnel(20000, 100000, 200, 1000, 80, 400, 10, 160),
			want: LeakConversion, listing: 1, conversion: 0.3125, step: PurchaseShare,
		},
		{
			// IS 20%, CS 140/1000 = 14%: listing 0.7. AS 20/400 = 5%: 5/14 = 0.3571; PS 22/160 = 13.75%:
			// 0.9821. The conversion ratio 0.3571 is lower than 0.7 -> Conversion (cart add).
			name: "the lower of two leaks wins",
			c:    funnel(20000, 100000, 140, 1000, 20, 400, 22, 160),
			want: LeakConversion, listing: 0.7, conversion: 0.3571, step: CartAddShare,
		},
		{
			// IS 20%, CS 100/1000 = 10%: 0.5. AS 20/400 = 5%: 0.5; PS 16/160 = 10%: 1. Tie 0.5 = 0.5 -> the
			// earlier step, Listing.
			name: "a tie goes to the earlier step",
			c:    funnel(20000, 100000, 100, 1000, 20, 400, 16, 160),
			want: LeakListing, listing: 0.5, conversion: 0.5, step: CartAddShare,
		},
		{
			// IS 5000/100000 = 5% < 10%. CS 45/1000 = 4.5%: 0.9. AS 18/400 = 4.5%: 1; PS 8/160 = 5%: 1.1111.
			// No ratio below 0.8 -> Visibility.
			name: "converting like the market but seen rarely is a visibility leak",
			c:    funnel(5000, 100000, 45, 1000, 18, 400, 8, 160),
			want: LeakVisibility, listing: 0.9, conversion: 1, step: CartAddShare,
		},
		{
			// IS 20%, CS 18%: 0.9. AS 80/400 = 20%: 1.1111; PS 30/160 = 18.75%: 1.0417 -> None.
			name: "no step well below the market is no leak",
			c:    funnel(20000, 100000, 180, 1000, 80, 400, 30, 160),
			want: LeakNone, listing: 0.9, conversion: 1.0417, step: PurchaseShare,
		},
		{
			// Exactly 0.8: CS 160/1000 = 16% vs IS 20%. Not below 0.8 -> not a leak; AS 64/400 = 16%: 1,
			// PS 26/160 = 16.25%: 1.0156 -> None.
			name: "a ratio of exactly 0.8 is not a leak",
			c:    funnel(20000, 100000, 160, 1000, 64, 400, 26, 160),
			want: LeakNone, listing: 0.8, conversion: 1, step: CartAddShare,
		},
		{
			// Market 999 impressions < 1000 -> too little data, whatever the shares.
			name: "fewer than 1000 market impressions is too little data",
			c:    funnel(900, 999, 1, 100, 1, 50, 1, 20),
			want: LeakUnknown, listing: -1, conversion: -1,
		},
		{
			// IS 1000/1000 = 100%; market clicks 9: expected clicks 1 x 9 = 9 < 10 -> listing not judged;
			// expected cart adds CS (0/9 = 0) x 5 = 0 -> not judged. IS 100% >= 10% -> too little data.
			name: "a high impression share with too few clicks to judge is too little data",
			c:    funnel(1000, 1000, 0, 9, 0, 5, 0, 2),
			want: LeakUnknown, listing: -1, conversion: -1,
		},
		{
			// IS 0/100000 = 0%: expected clicks 0 -> nothing judged, but 0% < 10% -> Visibility.
			name: "a brand never seen is a visibility leak",
			c:    funnel(0, 100000, 0, 1000, 0, 400, 0, 160),
			want: LeakVisibility, listing: -1, conversion: -1,
		},
		{
			// A zero market: 0 < 1000 -> too little data, shares undefined.
			name: "a zero market is too little data",
			c:    Counts{},
			want: LeakUnknown, listing: -1, conversion: -1,
		},
		{
			// IS 20%, CS 5/100 = 5%: expected clicks 0.2 x 100 = 20 >= 10 -> listing 0.25.
			// Expected cart adds 0.05 x 40 = 2 < 10, expected purchases 0.05 x 16 = 0.8 < 10 -> not judged.
			// Listing 0.25 < 0.8 -> Listing.
			name: "a judged listing step without a judged conversion step",
			c:    funnel(20000, 100000, 5, 100, 1, 40, 0, 16),
			want: LeakListing, listing: 0.25, conversion: -1,
		},
		{
			// IS 20%, CS 200/1000 = 20%: listing 1. Cart adds: 0.2 x 400 = 80 >= 10 -> 80/400 = 20%: 1.
			// Purchases: 0.2 x 40 = 8 < 10 -> not judged, although 0 of 40 purchases would be a ratio of 0.
			// -> None.
			name: "a purchase step with fewer than 10 expected purchases is not judged",
			c:    funnel(20000, 100000, 200, 1000, 80, 400, 0, 40),
			want: LeakNone, listing: 1, conversion: 1, step: CartAddShare,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.c)
			if d.Leak != tc.want {
				t.Errorf("leak = %s, want %s (%+v)", d.Leak, tc.want, d)
			}
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
			check("listing ratio", d.ListingRatio, tc.listing)
			check("conversion ratio", d.ConversionRatio, tc.conversion)
			if tc.conversion >= 0 && d.ConversionStep != tc.step {
				t.Errorf("conversion step = %s, want %s", d.ConversionStep, tc.step)
			}
			// The shares returned are the ones every table shows.
			for k, v := range map[Key]Value{ImpressionShare: d.ImpressionShare, ClickShare: d.ClickShare, CartAddShare: d.CartAddShare, PurchaseShare: d.PurchaseShare} {
				if v != tc.c.Get(k) {
					t.Errorf("%s = %+v, want %+v", k, v, tc.c.Get(k))
				}
			}
		})
	}
}

func TestDiagnoseSharesAreTheTables(t *testing.T) {
	// IS 20000/100000 = 20%, CS 100/1000 = 10%, AS 50/400 = 12.5%, PS 20/160 = 12.5%.
	d := Diagnose(funnel(20000, 100000, 100, 1000, 50, 400, 20, 160))
	for name, got := range map[string]Value{"impression": d.ImpressionShare, "click": d.ClickShare, "cart add": d.CartAddShare, "purchase": d.PurchaseShare} {
		want := map[string]float64{"impression": 20, "click": 10, "cart add": 12.5, "purchase": 12.5}[name]
		if !got.OK || got.V != want {
			t.Errorf("%s share = %+v, want %v", name, got, want)
		}
	}
}

func round4(x float64) float64 {
	return float64(int64(x*10000+0.5)) / 10000
}
