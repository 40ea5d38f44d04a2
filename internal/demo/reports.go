package demo

import (
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// ASINWeeks yields the ASIN and week start of every weekly report, in the order Reports yields the
// reports. It is cheap: no query row is generated.
func (d *Dataset) ASINWeeks() iter.Seq2[string, time.Time] {
	return func(yield func(string, time.Time) bool) {
		for i := range d.products {
			p := &d.products[i]
			for _, w := range p.weeks {
				if !yield(p.asin, d.weeks[w.week]) {
					return
				}
			}
		}
	}
}

// Reports yields every weekly report, product by product, oldest week first. Each report is generated
// when it is yielded and not kept, so the caller can stream any scale.
func (d *Dataset) Reports() iter.Seq[sqp.WeeklyReport] {
	return func(yield func(sqp.WeeklyReport) bool) {
		for i := range d.products {
			p := &d.products[i]
			for _, w := range p.weeks {
				if !yield(d.report(p, w)) {
					return
				}
			}
		}
	}
}

// report generates one product's report for one week from that week's own stream.
func (d *Dataset) report(p *productPlan, w plannedWeek) sqp.WeeklyReport {
	rng := d.stream(uint64(p.index), uint64(w.week)+1)
	start := d.weeks[w.week]
	season := seasonality(start)
	// New products win share over their first two months.
	ramp := min(1, 0.4+0.6*float64(w.week-p.launchAt)/8)
	price := float64(p.cents)
	if w.promo {
		price *= 0.8
	}
	// Amazon sometimes leaves the shipping-speed counts out of a whole report.
	withShipping := rng.Float64() >= 0.04

	chosen := chooseQueries(rng, p.queries, w.queries)
	rows := make([]sqp.QueryRow, len(chosen))
	for i, q := range chosen {
		rows[i] = queryRow(rng, q, season, ramp, price, withShipping)
	}
	// Amazon's search query score ranks the queries by their volume, 1 = the biggest.
	slices.SortStableFunc(rows, func(a, b sqp.QueryRow) int {
		return int(*b.SearchQueryVolume - *a.SearchQueryVolume)
	})
	for i := range rows {
		score := int32(i + 1)
		rows[i].SearchQueryScore = &score
	}
	return sqp.WeeklyReport{ASIN: p.asin, Marketplace: sqp.DefaultMarketplace, WeekStart: start, WeekEnd: start.AddDate(0, 0, 6), Queries: rows}
}

// chooseQueries picks n distinct queries of the pool, favouring heavier ones (weighted sampling
// without replacement: each query draws the key Exp(1)/weight and the n smallest keys win).
func chooseQueries(rng *rand.Rand, pool []queryPlan, n int) []queryPlan {
	type keyed struct {
		key float64
		q   queryPlan
	}
	ks := make([]keyed, len(pool))
	for i, q := range pool {
		ks[i] = keyed{rng.ExpFloat64() / q.weight, q}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	out := make([]queryPlan, n)
	for i := range out {
		out[i] = ks[i].q
	}
	return out
}

// queryRow draws one query's week: the market's funnel from the search volume, then this product's
// part of each stage, prices and shipping speeds.
func queryRow(rng *rand.Rand, q queryPlan, season, ramp, price float64, withShipping bool) sqp.QueryRow {
	between := func(lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }
	volume := max(1, round(q.volume*season*between(0.8, 1.2)))
	r := sqp.QueryRow{SearchQuery: q.text, SearchQueryVolume: &volume, CurrencyCode: "USD"}

	r.TotalQueryImpressionCount = round(float64(volume) * between(8, 20))
	r.TotalClickCount = round(float64(r.TotalQueryImpressionCount) * between(minCTR, maxCTR))
	r.TotalCartAddCount = round(float64(r.TotalClickCount) * between(minCartRate, maxCartRate))
	r.TotalPurchaseCount = round(float64(r.TotalCartAddCount) * between(minBuyRate, maxBuyRate))

	// One query-week in twenty the product is not shown at all.
	if rng.Float64() >= 0.05 {
		impShare := min(maxShare, q.share*ramp*between(0.7, 1.3))
		clickShare := min(maxShare, impShare*between(0.7, 1.4))
		cartShare := min(maxShare, clickShare*between(0.8, 1.25))
		buyShare := min(maxShare, cartShare*between(0.8, 1.25))
		r.ASINImpressionCount = round(float64(r.TotalQueryImpressionCount) * impShare)
		r.ASINClickCount = min(r.ASINImpressionCount, round(float64(r.TotalClickCount)*clickShare))
		r.ASINCartAddCount = min(r.ASINClickCount, round(float64(r.TotalCartAddCount)*cartShare))
		r.ASINPurchaseCount = min(r.ASINCartAddCount, round(float64(r.TotalPurchaseCount)*buyShare))
	}

	// Prices are medians of what was clicked, added or bought: absent when nothing was. The market
	// median differs from the product's own price; one product price in fifty is simply missing.
	market := price * between(0.7, 1.3)
	r.TotalMedianClickPrice = priceIf(r.TotalClickCount > 0, market*between(0.95, 1.05))
	r.TotalMedianCartAddPrice = priceIf(r.TotalCartAddCount > 0, market*between(0.95, 1.05))
	r.TotalMedianPurchasePrice = priceIf(r.TotalPurchaseCount > 0, market*between(0.95, 1.05))
	r.ASINMedianClickPrice = priceIf(r.ASINClickCount > 0, price)
	r.ASINMedianCartAddPrice = priceIf(r.ASINCartAddCount > 0, price)
	r.ASINMedianPurchasePrice = priceIf(r.ASINPurchaseCount > 0 && rng.Float64() >= 0.02, price)

	if withShipping {
		speeds := func(n int64) (same, one, two *int64) {
			s, o, t := round(float64(n)*between(0, 0.05)), round(float64(n)*between(0.1, 0.35)), round(float64(n)*between(0.4, 0.8))
			return &s, &o, &t
		}
		r.TotalSameDayShippingClicks, r.TotalOneDayShippingClicks, r.TotalTwoDayShippingClicks = speeds(r.TotalClickCount)
		r.TotalSameDayShippingCartAdds, r.TotalOneDayShippingCartAdds, r.TotalTwoDayShippingCartAdds = speeds(r.TotalCartAddCount)
		r.TotalSameDayShippingPurchases, r.TotalOneDayShippingPurchases, r.TotalTwoDayShippingPurchases = speeds(r.TotalPurchaseCount)
	}
	return r
}

// seasonality is the demand multiplier of a week: the November–December holidays and Prime Day in July.
func seasonality(weekStart time.Time) float64 {
	doy := float64(weekStart.YearDay())
	bump := func(center, width float64) float64 { return math.Exp(-math.Pow((doy-center)/width, 2)) }
	return 1 + 0.6*bump(340, 20) + 0.3*bump(195, 6)
}

func priceIf(ok bool, amount float64) *sqp.Cents {
	if !ok {
		return nil
	}
	c := sqp.Cents(math.Round(amount))
	return &c
}

func round(x float64) int64 { return int64(math.Round(x)) }
