package postgres

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// marketReports are hand-built base rows for the market figures: one ASIN over three weeks in the US
// (prices present and missing, shipping speeds present, missing for a whole report and missing for one
// speed, a row priced in another currency), the same ASIN in the UK in the same weeks, and another ASIN
// with the same query in the US.
func marketReports() []sqp.WeeklyReport {
	c := func(v int64) *sqp.Cents { x := sqp.Cents(v); return &x }
	n := func(v int64) *int64 { return &v }
	week := func(asin, market string, sunday time.Time, qs ...sqp.QueryRow) sqp.WeeklyReport {
		return sqp.WeeklyReport{ASIN: asin, Marketplace: market, WeekStart: sunday, WeekEnd: sunday.AddDate(0, 0, 6), Queries: qs}
	}
	w1, w2, w3, before := period.Date(2024, 8, 4), period.Date(2024, 8, 11), period.Date(2024, 8, 18), period.Date(2024, 7, 28)
	full := func(q string, k int64) sqp.QueryRow {
		return sqp.QueryRow{SearchQuery: q, CurrencyCode: "USD",
			TotalQueryImpressionCount: 10000 * k, ASINImpressionCount: 900 * k,
			TotalClickCount: 700 * k, ASINClickCount: 61 * k, TotalCartAddCount: 210 * k, ASINCartAddCount: 19 * k,
			TotalPurchaseCount: 97 * k, ASINPurchaseCount: 9 * k,
			TotalMedianClickPrice: c(2345 + k), ASINMedianClickPrice: c(2499),
			TotalMedianCartAddPrice: c(2211 + 3*k), ASINMedianCartAddPrice: c(2489),
			TotalMedianPurchasePrice: c(2150 + 7*k), ASINMedianPurchasePrice: c(2479 - k),
			TotalSameDayShippingClicks: n(13 * k), TotalOneDayShippingClicks: n(171 * k), TotalTwoDayShippingClicks: n(402 * k),
			TotalSameDayShippingCartAdds: n(5 * k), TotalOneDayShippingCartAdds: n(61 * k), TotalTwoDayShippingCartAdds: n(99 * k),
			TotalSameDayShippingPurchases: n(3 * k), TotalOneDayShippingPurchases: n(29 * k), TotalTwoDayShippingPurchases: n(41 * k),
		}
	}
	bare := func(q string) sqp.QueryRow { // no price, no shipping speed
		return sqp.QueryRow{SearchQuery: q, TotalQueryImpressionCount: 5000, ASINImpressionCount: 100,
			TotalClickCount: 333, ASINClickCount: 7, TotalCartAddCount: 80, ASINCartAddCount: 1, TotalPurchaseCount: 31}
	}
	oneSpeedMissing := full("garden hose", 3)
	oneSpeedMissing.TotalSameDayShippingClicks = nil
	oneSpeedMissing.ASINMedianPurchasePrice = nil
	otherCurrency := full("hose reel", 5)
	otherCurrency.CurrencyCode = "EUR"
	uk := full("garden hose", 11)
	uk.CurrencyCode = "GBP"
	return []sqp.WeeklyReport{
		week("B0MARKET01", "US", before, full("garden hose", 100)), // before the range
		week("B0MARKET01", "US", w1, full("garden hose", 1), full("hose reel", 2), bare("hose nozzle")),
		week("B0MARKET01", "US", w2, oneSpeedMissing, otherCurrency),
		week("B0MARKET01", "US", w3, bare("garden hose"), full("hose nozzle", 4)),
		week("B0MARKET01", "UK", w1, uk),
		week("B0MARKET02", "US", w1, full("garden hose", 6)),
	}
}

// expectMarket recomputes, from the reports alone, the market figures of asin in market over r, for the
// queries in only (all when nil): each price weighted by its step's count on the priced rows of the
// currency, each speed over the rows that report it.
func expectMarket(reports []sqp.WeeklyReport, asin, market, currency string, r period.Range, only map[string]bool) metrics.MarketFigures {
	var m metrics.MarketFigures
	price := func(s *metrics.PriceSum, p *sqp.Cents, count int64, cur string) {
		if p != nil && cur == currency {
			s.AmountCents += int64(*p) * count
			s.Weight += count
		}
	}
	speed := func(p *metrics.Part, n *int64, of int64) {
		if n != nil {
			p.N += *n
			p.Of += of
		}
	}
	for _, rep := range reports {
		if rep.ASIN != asin || rep.Marketplace != market || rep.WeekStart.Before(r.From) || rep.WeekEnd.After(r.To) {
			continue
		}
		for _, q := range rep.Queries {
			if only != nil && !only[q.SearchQuery] {
				continue
			}
			price(&m.Prices.MarketClick, q.TotalMedianClickPrice, q.TotalClickCount, q.CurrencyCode)
			price(&m.Prices.ASINClick, q.ASINMedianClickPrice, q.ASINClickCount, q.CurrencyCode)
			price(&m.Prices.MarketCartAdd, q.TotalMedianCartAddPrice, q.TotalCartAddCount, q.CurrencyCode)
			price(&m.Prices.ASINCartAdd, q.ASINMedianCartAddPrice, q.ASINCartAddCount, q.CurrencyCode)
			price(&m.Prices.MarketPurchase, q.TotalMedianPurchasePrice, q.TotalPurchaseCount, q.CurrencyCode)
			price(&m.Prices.ASINPurchase, q.ASINMedianPurchasePrice, q.ASINPurchaseCount, q.CurrencyCode)
			s := &m.Shipping
			speed(&s.Clicks.SameDay, q.TotalSameDayShippingClicks, q.TotalClickCount)
			speed(&s.Clicks.OneDay, q.TotalOneDayShippingClicks, q.TotalClickCount)
			speed(&s.Clicks.TwoDay, q.TotalTwoDayShippingClicks, q.TotalClickCount)
			speed(&s.CartAdds.SameDay, q.TotalSameDayShippingCartAdds, q.TotalCartAddCount)
			speed(&s.CartAdds.OneDay, q.TotalOneDayShippingCartAdds, q.TotalCartAddCount)
			speed(&s.CartAdds.TwoDay, q.TotalTwoDayShippingCartAdds, q.TotalCartAddCount)
			speed(&s.Purchases.SameDay, q.TotalSameDayShippingPurchases, q.TotalPurchaseCount)
			speed(&s.Purchases.OneDay, q.TotalOneDayShippingPurchases, q.TotalPurchaseCount)
			speed(&s.Purchases.TwoDay, q.TotalTwoDayShippingPurchases, q.TotalPurchaseCount)
		}
	}
	return m
}

// ratText is num/den to 2 decimals, half up, computed exactly (independently of metrics' rounding).
func ratText(num, den int64) string {
	if den == 0 {
		return "undefined"
	}
	return new(big.Rat).SetFrac64(num, den).FloatString(2)
}

func valueText(v metrics.Value) string {
	if !v.OK {
		return "undefined"
	}
	return new(big.Rat).SetFloat64(v.V).FloatString(2)
}

func TestMarketFiguresRecomputed(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	reports := marketReports()
	if _, err := db.ImportWeeklyReports(ctx, reports); err != nil {
		t.Fatal(err)
	}
	r := period.Range{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 24)}

	check := func(t *testing.T, got, want metrics.MarketFigures) {
		t.Helper()
		if got != want {
			t.Fatalf("sums:\n got %+v\nwant %+v", got, want)
		}
		// The shown values, recomputed exactly from the hand sums.
		p, wp := got.Prices, want.Prices
		for name, c := range map[string][2]metrics.PriceSum{
			"market click": {p.MarketClick, wp.MarketClick}, "asin click": {p.ASINClick, wp.ASINClick},
			"market cart add": {p.MarketCartAdd, wp.MarketCartAdd}, "asin cart add": {p.ASINCartAdd, wp.ASINCartAdd},
			"market purchase": {p.MarketPurchase, wp.MarketPurchase}, "asin purchase": {p.ASINPurchase, wp.ASINPurchase},
		} {
			if g, w := valueText(c[0].Value()), ratText(c[1].AmountCents, c[1].Weight*100); g != w {
				t.Errorf("%s price = %s, want %s", name, g, w)
			}
		}
		s := want.Shipping
		for name, part := range map[string]metrics.Part{
			"same-day clicks": s.Clicks.SameDay, "1-day cart adds": s.CartAdds.OneDay, "2-day purchases": s.Purchases.TwoDay,
		} {
			if g, w := valueText(part.Share()), ratText(100*part.N, part.Of); g != w {
				t.Errorf("%s share = %s, want %s", name, g, w)
			}
		}
	}

	t.Run("the product's figures are the hand sums of its rows in the range and marketplace", func(t *testing.T) {
		got, err := db.ProductMarket(ctx, "US", "USD", "B0MARKET01", r)
		if err != nil {
			t.Fatal(err)
		}
		want := expectMarket(reports, "B0MARKET01", "US", "USD", r, nil)
		if want.Prices.MarketClick.Weight == 0 || want.Shipping.Clicks.SameDay.Of == want.Shipping.Clicks.OneDay.Of {
			t.Fatalf("the hand data no longer covers missing prices and speeds: %+v", want)
		}
		check(t, got, want)
	})
	t.Run("the UK's figures are the UK rows' alone, in pounds", func(t *testing.T) {
		got, err := db.ProductMarket(ctx, "UK", "GBP", "B0MARKET01", r)
		if err != nil {
			t.Fatal(err)
		}
		check(t, got, expectMarket(reports, "B0MARKET01", "UK", "GBP", r, nil))
	})
	t.Run("each query's figures are the hand sums of that query's rows", func(t *testing.T) {
		queries := []string{"garden hose", "hose reel", "hose nozzle", "not reported"}
		got, err := db.QueryMarket(ctx, "US", "USD", "B0MARKET01", r, queries)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("got %d queries, want the 3 reported: %v", len(got), got)
		}
		for _, q := range queries[:3] {
			check(t, got[q], expectMarket(reports, "B0MARKET01", "US", "USD", r, map[string]bool{q: true}))
		}
	})
	t.Run("a product without rows in the range has no figures", func(t *testing.T) {
		got, err := db.ProductMarket(ctx, "US", "USD", "B0MARKET01", period.Range{From: period.Date(2023, 1, 1), To: period.Date(2023, 1, 7)})
		if err != nil {
			t.Fatal(err)
		}
		if got != (metrics.MarketFigures{}) {
			t.Fatalf("got %+v, want zero", got)
		}
	})
}
