package postgres_test

import (
	"context"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// qvRow is one base row of the query view's hand dataset: one ASIN's report of one search query in one
// week. Prices are in cents (nil: not reported), Ship the nine market shipping-speed counts (same-day,
// one-day, two-day of clicks, cart adds, purchases; nil: not reported).
type qvRow struct {
	ASIN, Market, Week, Query string
	Volume                    int64
	Score                     int
	TImp, AImp, TClk, AClk    int64
	TCart, ACart, TPur, APur  int64
	Prices                    [6]*int64 // market click, ASIN click, market cart add, ASIN cart add, market purchase, ASIN purchase
	Ship                      *[9]int64
}

func p(c int64) *int64 { return &c }

// qvPrices is a row's six prices, all reported.
func qvPrices(mc, ac, mca, aca, mp, ap int64) [6]*int64 {
	return [6]*int64{p(mc), p(ac), p(mca), p(aca), p(mp), p(ap)}
}

// qvData is the hand dataset of the query view: brand acme with B0QV000001 and B0QV000002 sharing "red
// shoes" in the US (weeks of 21 July and 4 August) and in the UK (21 July, where the two reports disagree
// on the market impressions), B0QV000003 whose mapping is inactive, brand other's B0QVOTHER1 on the same
// query, a query without brand impressions, a week without market purchases, rows without prices or
// shipping speeds.
func qvData() []qvRow {
	ship := func(v ...int64) *[9]int64 { var a [9]int64; copy(a[:], v); return &a }
	return []qvRow{
		{"B0QV000001", "US", "2024-07-21", "red shoes", 10000, 2, 4000, 300, 400, 33, 90, 12, 40, 7,
			qvPrices(2500, 2999, 2450, 2999, 2400, 2999), ship(100, 50, 20, 30, 10, 5, 15, 5, 2)},
		{"B0QV000002", "US", "2024-07-21", "red shoes", 10000, 3, 4000, 140, 400, 12, 90, 5, 40, 2,
			qvPrices(2500, 1899, 2450, 1899, 2400, 1899), ship(100, 50, 20, 30, 10, 5, 15, 5, 2)},
		{"B0QV000001", "US", "2024-07-21", "running shoes", 6000, 5, 2500, 120, 210, 9, 40, 4, 18, 3,
			[6]*int64{nil, nil, nil, nil, nil, p(4550)}, nil},
		{"B0QV000001", "US", "2024-07-28", "red shoes", 9500, 1, 3800, 250, 380, 31, 85, 11, 37, 6,
			qvPrices(2600, 3199, 2550, 3199, 2500, 3199), ship(80, 40, 10, 20, 8, 4, 10, 4, 1)},
		{"B0QV000002", "US", "2024-07-28", "blue socks", 3000, 4, 1500, 0, 120, 0, 30, 0, 10, 0,
			[6]*int64{}, nil},
		{"B0QV000001", "US", "2024-08-04", "red shoes", 9800, 2, 4100, 333, 420, 37, 91, 15, 42, 9,
			qvPrices(2550, 3050, 2500, 3050, 2450, 3050), nil},
		{"B0QV000002", "US", "2024-08-04", "red shoes", 9800, 6, 4100, 50, 420, 4, 91, 2, 42, 1,
			qvPrices(2550, 2000, 2500, 2100, 2450, 2200), nil},
		{"B0QV000002", "US", "2024-08-04", "blue socks", 3100, 3, 1700, 85, 130, 6, 33, 2, 0, 0,
			[6]*int64{p(900), p(950), nil, nil, nil, nil}, nil},
		{"B0QV000003", "US", "2024-08-04", "red shoes", 9800, 1, 4100, 70, 420, 6, 91, 1, 42, 1,
			qvPrices(2550, 1999, 2500, 1999, 2450, 1999), nil},
		{"B0QVOTHER1", "US", "2024-07-21", "red shoes", 10000, 1, 4000, 900, 400, 90, 90, 20, 40, 10,
			qvPrices(2500, 2300, 2450, 2300, 2400, 2300), nil},
		{"B0QV000001", "UK", "2024-07-21", "red shoes", 2000, 2, 900, 80, 90, 8, 20, 3, 9, 2,
			qvPrices(2100, 2599, 2050, 2599, 2000, 2599), ship(9, 4, 2, 2, 1, 0, 1, 0, 0)},
		{"B0QV000002", "UK", "2024-07-21", "red shoes", 2000, 4, 910, 20, 90, 2, 20, 1, 9, 1,
			qvPrices(2100, 1500, 2050, 1500, 2000, 1500), ship(9, 4, 2, 2, 1, 0, 1, 0, 0)},
	}
}

// loadQVData inserts the dataset (acme and other active, B0QV000003's mapping inactive), refreshes the
// views through the application's procedure, and returns the brand ids.
func loadQVData(ctx context.Context, t *testing.T, url string) (acme, other string) {
	t.Helper()
	conn := connect(ctx, t, url)
	for _, b := range []struct {
		name string
		id   *string
	}{{"acme", &acme}, {"other", &other}} {
		if err := conn.QueryRow(ctx, `INSERT INTO public.brands (brand_name, display_name) VALUES ($1, $1) RETURNING id::text`, b.name).Scan(b.id); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct {
		asin, brand string
		active      bool
	}{{"B0QV000001", acme, true}, {"B0QV000002", acme, true}, {"B0QV000003", acme, false}, {"B0QVOTHER1", other, true}} {
		if _, err := conn.Exec(ctx, `INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title, is_active) VALUES ($1, $2, $3, $4)`,
			m.asin, m.brand, "Product "+m.asin, m.active); err != nil {
			t.Fatal(err)
		}
	}
	currency := map[string]string{"US": "USD", "UK": "GBP"}
	for _, r := range qvData() {
		start := mustDate(t, r.Week)
		var id int64
		if err := conn.QueryRow(ctx, `
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date) VALUES ($1, $2, $3, $4)
			ON CONFLICT (asin, marketplace, start_date, end_date) DO UPDATE SET updated_at = now()
			RETURNING id`, r.ASIN, r.Market, start, start.AddDate(0, 0, 6)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		price := make([]any, 6)
		for i, c := range r.Prices {
			if c != nil {
				price[i] = centsText(*c)
			}
		}
		ship := make([]any, 9)
		if r.Ship != nil {
			for i, v := range r.Ship {
				ship[i] = v
			}
		}
		args := append([]any{id, r.Query, r.Volume, r.Score, r.TImp, r.AImp, r.TClk, r.AClk, r.TCart, r.ACart, r.TPur, r.APur, currency[r.Market]}, price...)
		args = append(args, ship...)
		if _, err := conn.Exec(ctx, `
			INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, search_query_volume, search_query_score,
				total_query_impression_count, asin_impression_count, total_click_count, asin_click_count,
				total_cart_add_count, asin_cart_add_count, total_purchase_count, asin_purchase_count, currency_code,
				total_median_click_price, asin_median_click_price, total_median_cart_add_price, asin_median_cart_add_price,
				total_median_purchase_price, asin_median_purchase_price,
				total_same_day_shipping_click_count, total_one_day_shipping_click_count, total_two_day_shipping_click_count,
				total_same_day_shipping_cart_add_count, total_one_day_shipping_cart_add_count, total_two_day_shipping_cart_add_count,
				total_same_day_shipping_purchase_count, total_one_day_shipping_purchase_count, total_two_day_shipping_purchase_count)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
				$14::numeric, $15::numeric, $16::numeric, $17::numeric, $18::numeric, $19::numeric,
				$20, $21, $22, $23, $24, $25, $26, $27, $28)`, args...); err != nil {
			t.Fatalf("insert %+v: %v", r, err)
		}
	}
	var status string
	var validation *string
	if err := conn.QueryRow(ctx, `CALL public.refresh_brand_product_segments(p_force => true)`).Scan(&status, nil, nil, nil, nil, nil, nil, nil); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := conn.QueryRow(ctx, `SELECT validation::text FROM public.materialized_view_refresh_log ORDER BY id DESC LIMIT 1`).Scan(&validation); err != nil {
		t.Fatal(err)
	}
	if status != "success" || validation == nil || !contains(*validation, `"ok": true`) {
		t.Fatalf("refresh %s, validation %v; want success and no violation", status, deref(validation))
	}
	return acme, other
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// expectedBrandQueries recomputes the query view from the dataset alone: active mappings of the brand, the
// weeks in r; per query-week the market figures once (the largest), the brand's counts summed, the best
// score; per query the weeks added up, prices count-weighted (metrics.PriceSum's definition, computed here
// with integers), shipping shares over the weeks that report them.
func expectedBrandQueries(t *testing.T, brandASINs map[string]bool, market string, r period.Range) map[string]sqp.BrandQuery {
	type qw struct{ query, week string }
	type weekAgg struct {
		vol                     int64
		score                   int
		tImp, tClk, tCart, tPur int64
		aImp, aClk, aCart, aPur int64
		mPrice                  [3]*int64 // market medians click, cart add, purchase
		bAmount, bWeight        [3]int64  // brand amounts and weights
		ship                    *[9]int64
		asins                   int
	}
	weeks := map[qw]*weekAgg{}
	for _, row := range qvData() {
		if !brandASINs[row.ASIN] || row.Market != market {
			continue
		}
		start := mustDate(t, row.Week)
		if start.Before(r.From) || start.AddDate(0, 0, 6).After(r.To) {
			continue
		}
		k := qw{row.Query, row.Week}
		w := weeks[k]
		if w == nil {
			w = &weekAgg{score: math.MaxInt}
			weeks[k] = w
		}
		w.vol = max(w.vol, row.Volume)
		w.score = min(w.score, row.Score)
		w.tImp, w.tClk, w.tCart, w.tPur = max(w.tImp, row.TImp), max(w.tClk, row.TClk), max(w.tCart, row.TCart), max(w.tPur, row.TPur)
		w.aImp += row.AImp
		w.aClk += row.AClk
		w.aCart += row.ACart
		w.aPur += row.APur
		w.asins++
		counts := [3]int64{row.AClk, row.ACart, row.APur}
		for s := 0; s < 3; s++ {
			if m := row.Prices[2*s]; m != nil && (w.mPrice[s] == nil || *m > *w.mPrice[s]) {
				w.mPrice[s] = m
			}
			if a := row.Prices[2*s+1]; a != nil {
				w.bAmount[s] += *a * counts[s]
				w.bWeight[s] += counts[s]
			}
		}
		if row.Ship != nil {
			if w.ship == nil {
				w.ship = &[9]int64{}
			}
			for i := range row.Ship {
				w.ship[i] = max(w.ship[i], row.Ship[i])
			}
		}
	}
	out := map[string]sqp.BrandQuery{}
	for k, w := range weeks {
		q := out[k.query]
		q.Query = k.query
		q.Volume += w.vol
		if !q.HasScore || w.score < q.BestScore {
			q.BestScore, q.HasScore = w.score, true
		}
		q.Counts = q.Counts.Add(metrics.Counts{
			TotalImpressions: w.tImp, TotalClicks: w.tClk, TotalCartAdds: w.tCart, TotalPurchases: w.tPur,
			ASINImpressions: w.aImp, ASINClicks: w.aClk, ASINCartAdds: w.aCart, ASINPurchases: w.aPur,
			PurchasePriceCents: w.bAmount[2], PricedPurchases: w.bWeight[2],
		})
		marketCounts := [3]int64{w.tClk, w.tCart, w.tPur}
		var mp [3]metrics.PriceSum
		for s := 0; s < 3; s++ {
			if w.mPrice[s] != nil {
				mp[s] = metrics.PriceSum{AmountCents: *w.mPrice[s] * marketCounts[s], Weight: marketCounts[s]}
			}
		}
		q.Prices = q.Prices.Add(metrics.Prices{
			MarketClick: mp[0], MarketCartAdd: mp[1], MarketPurchase: mp[2],
			ASINClick:    metrics.PriceSum{AmountCents: w.bAmount[0], Weight: w.bWeight[0]},
			ASINCartAdd:  metrics.PriceSum{AmountCents: w.bAmount[1], Weight: w.bWeight[1]},
			ASINPurchase: metrics.PriceSum{AmountCents: w.bAmount[2], Weight: w.bWeight[2]},
		})
		if w.ship != nil {
			part := func(i int, of int64) metrics.Part { return metrics.Part{N: w.ship[i], Of: of} }
			q.Shipping = q.Shipping.Add(metrics.Shipping{
				Clicks:    metrics.Speeds{SameDay: part(0, w.tClk), OneDay: part(1, w.tClk), TwoDay: part(2, w.tClk)},
				CartAdds:  metrics.Speeds{SameDay: part(3, w.tCart), OneDay: part(4, w.tCart), TwoDay: part(5, w.tCart)},
				Purchases: metrics.Speeds{SameDay: part(6, w.tPur), OneDay: part(7, w.tPur), TwoDay: part(8, w.tPur)},
			})
		}
		q.Weeks++
		q.MaxASINs = max(q.MaxASINs, w.asins)
		// metrics.BestPurchaseShare: only weeks with at least 10 market purchases, the share capped at 1.
		if w.tPur >= metrics.MinWeekMarketPurchases {
			if s := math.Min(1, float64(w.aPur)/float64(w.tPur)); !q.BestPurchaseShare.OK || s > q.BestPurchaseShare.V {
				q.BestPurchaseShare = metrics.Known(s)
			}
		}
		q.Currency = map[string]string{"US": "USD", "UK": "GBP"}[market]
		out[k.query] = q
	}
	return out
}

func TestBrandQueries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	acme, other := loadQVData(ctx, t, url)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acmeASINs := map[string]bool{"B0QV000001": true, "B0QV000002": true}
	all := period.Range{From: period.Date(2024, 7, 21), To: period.Date(2024, 8, 10)}
	filter := func(market string, r period.Range) sqp.BrandQueryFilter {
		return sqp.BrandQueryFilter{BrandID: acme, Marketplace: market, Range: r, Sort: sqp.BrandQuerySortQuery}
	}

	for _, tc := range []struct {
		name   string
		market string
		r      period.Range
	}{
		{"US over three weeks: every figure equals the recomputation from the base rows", "US", all},
		{"UK (other currency, disagreeing market totals) is kept apart from the US", "UK", all},
		{"one week (the comparison range of a page)", "US", period.Range{From: period.Date(2024, 7, 21), To: period.Date(2024, 7, 27)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := expectedBrandQueries(t, acmeASINs, tc.market, tc.r)
			page, err := db.BrandQueries(ctx, filter(tc.market, tc.r))
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(want) || len(page.Queries) != len(want) {
				t.Fatalf("%d queries (total %d), want %d", len(page.Queries), page.Total, len(want))
			}
			for _, g := range page.Queries {
				w, ok := want[g.Query]
				if !ok {
					t.Errorf("unexpected query %q", g.Query)
					continue
				}
				if g != w {
					t.Errorf("query %q:\n got  %+v\n want %+v", g.Query, g, w)
				}
			}
			if !sort.SliceIsSorted(page.Queries, func(i, j int) bool { return page.Queries[i].Query < page.Queries[j].Query }) {
				t.Errorf("not sorted by query: %v", page.Queries)
			}
		})
	}

	t.Run("hand-computed figures of red shoes (US, three weeks)", func(t *testing.T) {
		page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: acme, Marketplace: "US", Range: all, Sort: sqp.BrandQuerySortQuery, Queries: []string{"red shoes"}})
		if err != nil || len(page.Queries) != 1 {
			t.Fatalf("%v, %v", page, err)
		}
		q := page.Queries[0]
		// Volume once per week: 10,000 + 9,500 + 9,800 (never 10,000 twice for the two ASINs of 21 July).
		// Market impressions once per week: 4,000 + 3,800 + 4,100; brand 300 + 140 + 250 + 333 + 50 (B0QV000003's
		// inactive mapping and the other brand's row left out). Best score 1 (28 July).
		if q.Volume != 29300 || q.Counts.TotalImpressions != 11900 || q.Counts.ASINImpressions != 1073 || q.BestScore != 1 || q.MaxASINs != 2 || q.Weeks != 3 {
			t.Errorf("volume %d, market impressions %d, brand %d, score %d, ASINs %d, weeks %d; want 29,300, 11,900, 1,073, 1, 2, 3",
				q.Volume, q.Counts.TotalImpressions, q.Counts.ASINImpressions, q.BestScore, q.MaxASINs, q.Weeks)
		}
		// Brand median purchase price: (29.99x7 + 18.99x2 + 31.99x6 + 30.50x9 + 22.00x1) / 25 = 736.35 / 25 = 29.45.
		if got := q.Prices.ASINPurchase.Value(); got != metrics.Known(29.45) {
			t.Errorf("brand median purchase price %+v, want 29.45", got)
		}
		// Market median click price: (25.00x400 + 26.00x380 + 25.50x420) / 1,200 = 30,590 / 1,200 = 25.49.
		if got := q.Prices.MarketClick.Value(); got != metrics.Known(25.49) {
			t.Errorf("market median click price %+v, want 25.49", got)
		}
		// Same-day clicks over the weeks that report speeds (21 and 28 July): (100 + 80) / (400 + 380) = 23.08%.
		if got := q.Shipping.Clicks.SameDay.Share(); got != metrics.Known(23.08) {
			t.Errorf("same-day click share %+v, want 23.08", got)
		}
		// Best weekly purchase share: 21 July 9/40, 28 July 6/37, 4 August 10/42 = 0.238...
		if got := q.BestPurchaseShare; !got.OK || math.Abs(got.V-10.0/42) > 1e-12 {
			t.Errorf("best purchase share %+v, want 10/42", got)
		}
	})

	t.Run("a query without market purchases in a week: that week is not a best share", func(t *testing.T) {
		page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: acme, Marketplace: "US", Range: all, Sort: sqp.BrandQuerySortQuery, Queries: []string{"blue socks"}})
		if err != nil || len(page.Queries) != 1 {
			t.Fatalf("%v, %v", page, err)
		}
		if q := page.Queries[0]; !q.BestPurchaseShare.OK || q.BestPurchaseShare.V != 0 || q.Counts.TotalPurchases != 10 {
			// 28 July: 0 of 10 market purchases, exactly the minimum of 10, so it counts: share 0.
			t.Errorf("best share %+v of %d market purchases, want 0 (28 July: 0 of 10; 4 August has none)", q.BestPurchaseShare, q.Counts.TotalPurchases)
		}
	})

	t.Run("a week below the minimum market purchases is not a best share", func(t *testing.T) {
		page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: acme, Marketplace: "UK", Range: all, Sort: sqp.BrandQuerySortQuery, Queries: []string{"red shoes"}})
		if err != nil || len(page.Queries) != 1 {
			t.Fatalf("%v, %v", page, err)
		}
		// UK, 21 July only: the brand won 2 + 1 = 3 of 9 market purchases (1/3), but 9 < 10: no week
		// reaches the minimum, so no best share and no opportunity (before: 1/3 x 9 - 3 = 0).
		if q := page.Queries[0]; q.BestPurchaseShare.OK || q.Counts.TotalPurchases != 9 || q.Counts.ASINPurchases != 3 {
			t.Errorf("best share %+v of %d/%d purchases, want undefined (3 of 9, below 10)", q.BestPurchaseShare, q.Counts.ASINPurchases, q.Counts.TotalPurchases)
		}
	})

	t.Run("sorted in SQL and paged", func(t *testing.T) {
		f := filter("US", all)
		f.Sort, f.Desc = sqp.BrandQuerySortVolume, true
		want := []string{"red shoes", "blue socks", "running shoes"} // 29,300, 6,100, 6,000
		for i, w := range want {
			f.Limit, f.Offset = 1, i
			page, err := db.BrandQueries(ctx, f)
			if err != nil || len(page.Queries) != 1 || page.Total != 3 || page.Queries[0].Query != w {
				t.Fatalf("page %d: %+v, %v; want %q of 3", i+1, page, err, w)
			}
		}
		f.Offset = 3
		page, err := db.BrandQueries(ctx, f)
		if err != nil || len(page.Queries) != 0 || page.Total != 3 {
			t.Errorf("past the last page: %+v, %v; want no row and the total 3", page, err)
		}
		// The page is chosen on the sums its sort reads alone, its figures summed afterwards: every key,
		// both ways, pages one row at a time in the order of the whole list, with the same figures.
		for _, k := range sqp.BrandQuerySortKeys() {
			for _, desc := range []bool{false, true} {
				f := filter("US", all)
				f.Sort, f.Desc = k, desc
				whole, err := db.BrandQueries(ctx, f)
				if err != nil {
					t.Errorf("sort %s: %v", k, err)
					continue
				}
				for i, w := range whole.Queries {
					f.Limit, f.Offset = 1, i
					page, err := db.BrandQueries(ctx, f)
					if err != nil || len(page.Queries) != 1 || page.Total != len(whole.Queries) || !reflect.DeepEqual(page.Queries[0], w) {
						t.Errorf("sort %s desc %v, row %d: %+v, %v; want %+v of %d", k, desc, i+1, page, err, w, len(whole.Queries))
					}
				}
			}
		}
		f.Sort, f.Desc, f.Limit, f.Offset = sqp.BrandQuerySortOpportunity, true, 0, 0
		page, err = db.BrandQueries(ctx, f)
		if err != nil || len(page.Queries) != 3 {
			t.Fatal(page, err)
		}
		prev := math.Inf(1)
		for _, q := range page.Queries {
			// max(0, best weekly share x market purchases - brand purchases), computed here from the row.
			o := math.Max(0, q.BestPurchaseShare.V*float64(q.Counts.TotalPurchases)-float64(q.Counts.ASINPurchases))
			if o > prev+1e-9 {
				t.Errorf("opportunity order: %q has %v after %v", q.Query, o, prev)
			}
			prev = o
		}
	})

	t.Run("an unknown sort key is invalid input", func(t *testing.T) {
		f := filter("US", all)
		f.Sort = "nope"
		_, err := db.BrandQueries(ctx, f)
		if apperr.CodeOf(err) != apperr.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})

	t.Run("another brand sees only its own rows", func(t *testing.T) {
		page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: other, Marketplace: "US", Range: all, Sort: sqp.BrandQuerySortQuery})
		if err != nil || page.Total != 1 || page.Queries[0].Counts.ASINImpressions != 900 || page.Queries[0].Counts.TotalImpressions != 4000 {
			t.Errorf("%+v, %v; want red shoes with 900 of 4,000", page, err)
		}
	})

	// wantASINs recomputes acme's ASINs of "red shoes" in the US over r from the hand dataset.
	wantASINs := func(r period.Range) (map[string]metrics.Counts, map[string]int) {
		want, weeks := map[string]metrics.Counts{}, map[string]int{}
		for _, row := range qvData() {
			w, err := time.Parse(time.DateOnly, row.Week)
			if err != nil {
				t.Fatal(err)
			}
			if !acmeASINs[row.ASIN] || row.Market != "US" || row.Query != "red shoes" || w.Before(r.From) || w.AddDate(0, 0, 6).After(r.To) {
				continue
			}
			c := metrics.Counts{TotalImpressions: row.TImp, ASINImpressions: row.AImp, TotalClicks: row.TClk, ASINClicks: row.AClk,
				TotalCartAdds: row.TCart, ASINCartAdds: row.ACart, TotalPurchases: row.TPur, ASINPurchases: row.APur}
			if row.Prices[5] != nil {
				c.PurchasePriceCents, c.PricedPurchases = *row.Prices[5]*row.APur, row.APur
			}
			want[row.ASIN] = want[row.ASIN].Add(c)
			weeks[row.ASIN]++
		}
		return want, weeks
	}
	checkASINs := func(t *testing.T, what string, asins []sqp.QueryASIN, r period.Range) {
		t.Helper()
		want, weeks := wantASINs(r)
		if len(asins) != len(want) {
			t.Fatalf("%s: %d ASINs, want %d: %+v", what, len(asins), len(want), asins)
		}
		for _, a := range asins {
			if a.Counts != want[a.ASIN] || a.Weeks != weeks[a.ASIN] || a.Title != "Product "+a.ASIN {
				t.Errorf("%s: %s: %+v (%d weeks, %q), want %+v (%d weeks)", what, a.ASIN, a.Counts, a.Weeks, a.Title, want[a.ASIN], weeks[a.ASIN])
			}
		}
	}

	asinFilter := func(r period.Range, base *period.Range) sqp.QueryASINFilter {
		return sqp.QueryASINFilter{BrandID: acme, Marketplace: "US", Query: "red shoes", Range: r, Base: base,
			Sort: sqp.QueryASINSortKey(metrics.Purchases), Desc: true}
	}

	t.Run("the expansion lists the brand's active ASINs of the query", func(t *testing.T) {
		page, err := db.BrandQueryASINs(ctx, asinFilter(all, nil))
		if err != nil {
			t.Fatal(err)
		}
		checkASINs(t, "range", page.ASINs, all)
		if page.Total != len(page.ASINs) {
			t.Errorf("total %d, want %d", page.Total, len(page.ASINs))
		}
		// Most purchases first: B0QV000001 (22) before B0QV000002 (3).
		if page.ASINs[0].ASIN != "B0QV000001" {
			t.Errorf("first ASIN %s, want B0QV000001", page.ASINs[0].ASIN)
		}
		if page.Base != nil {
			t.Errorf("no comparison asked for, got %+v", page.Base)
		}
		f := asinFilter(all, nil)
		f.Query = "no such query"
		none, err := db.BrandQueryASINs(ctx, f)
		if err != nil || len(none.ASINs) != 0 || none.Total != 0 {
			t.Errorf("unknown query: %+v, %v", none, err)
		}
	})

	t.Run("the comparison period is read by the same statement, each week in its own period", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			r, base     period.Range
			rangeASINs  int
			baseASINs   int
			firstInBase string
		}{
			// The newest week against the two before it: B0QV000001 in both, B0QV000002 in 21 July only.
			{"adjacent periods", period.Range{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 10)},
				period.Range{From: period.Date(2024, 7, 21), To: period.Date(2024, 8, 3)}, 2, 2, "B0QV000001"},
			// A week in both periods counts in both.
			{"overlapping periods", all, period.Range{From: period.Date(2024, 7, 28), To: period.Date(2024, 8, 10)}, 2, 2, "B0QV000001"},
			{"a comparison without the query", all, period.Range{From: period.Date(2024, 6, 2), To: period.Date(2024, 7, 20)}, 2, 0, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := db.BrandQueryASINs(ctx, asinFilter(tc.r, &tc.base))
				if err != nil {
					t.Fatal(err)
				}
				asins, base := page.ASINs, page.Base
				if len(asins) != tc.rangeASINs || len(base) != tc.baseASINs {
					t.Fatalf("%d and %d ASINs, want %d and %d", len(asins), len(base), tc.rangeASINs, tc.baseASINs)
				}
				checkASINs(t, "range", asins, tc.r)
				// The comparison holds the page's ASINs only: the hand computation restricted to them.
				want, weeks := wantASINs(tc.base)
				for _, b := range base {
					if !slices.ContainsFunc(asins, func(a sqp.QueryASIN) bool { return a.ASIN == b.ASIN }) {
						t.Errorf("comparison has %s, not on the page", b.ASIN)
					}
					if b.Counts != want[b.ASIN] || b.Weeks != weeks[b.ASIN] {
						t.Errorf("comparison %s: %+v (%d weeks), want %+v (%d)", b.ASIN, b.Counts, b.Weeks, want[b.ASIN], weeks[b.ASIN])
					}
				}
				if len(base) > 0 && base[0].ASIN != tc.firstInBase {
					t.Errorf("first ASIN of the comparison %s, want %s", base[0].ASIN, tc.firstInBase)
				}
			})
		}
	})

	t.Run("the ASINs are sorted by every key both ways and paged on that order", func(t *testing.T) {
		want, weeks := wantASINs(all)
		for _, k := range sqp.QueryASINSortKeys() {
			for _, desc := range []bool{false, true} {
				f := asinFilter(all, &all)
				f.Sort, f.Desc = k, desc
				whole, err := db.BrandQueryASINs(ctx, f)
				if err != nil || whole.Total != len(want) || len(whole.ASINs) != len(want) {
					t.Fatalf("sort %s: %+v, %v", k, whole, err)
				}
				// The order, recomputed from the hand dataset: the key's value, undefined last, then the ASIN.
				order := slices.Collect(maps.Keys(want))
				key := func(a string) metrics.Value {
					switch k {
					case sqp.QueryASINSortASIN:
						return metrics.Value{}
					case sqp.QueryASINSortWeeks:
						return metrics.Known(float64(weeks[a]))
					}
					return want[a].Get(metrics.Key(k))
				}
				slices.SortFunc(order, func(a, b string) int {
					va, vb := key(a), key(b)
					switch {
					case va.OK && vb.OK && va.V != vb.V:
						if (va.V < vb.V) != desc {
							return -1
						}
						return 1
					case va.OK != vb.OK:
						if va.OK {
							return -1
						}
						return 1
					}
					if k == sqp.QueryASINSortASIN && desc {
						return strings.Compare(b, a)
					}
					return strings.Compare(a, b)
				})
				for i, a := range whole.ASINs {
					if a.ASIN != order[i] {
						t.Errorf("sort %s desc %v: row %d is %s, want %s (%v)", k, desc, i+1, a.ASIN, order[i], order)
					}
					f.Limit, f.Offset = 1, i
					page, err := db.BrandQueryASINs(ctx, f)
					if err != nil || len(page.ASINs) != 1 || page.Total != len(want) || !reflect.DeepEqual(page.ASINs[0], a) {
						t.Errorf("sort %s desc %v, row %d: %+v, %v; want %+v of %d", k, desc, i+1, page, err, a, len(want))
					}
					if len(page.Base) != 1 || page.Base[0].ASIN != a.ASIN {
						t.Errorf("sort %s desc %v, row %d: comparison %+v, want the page's ASIN", k, desc, i+1, page.Base)
					}
				}
			}
		}
		f := asinFilter(all, nil)
		f.Limit, f.Offset = 1, 5
		page, err := db.BrandQueryASINs(ctx, f)
		if err != nil || len(page.ASINs) != 0 || page.Total != len(want) {
			t.Errorf("past the last page: %+v, %v; want no row and the total %d", page, err, len(want))
		}
		f.Sort = "price; drop table brands"
		if _, err := db.BrandQueryASINs(ctx, f); apperr.CodeOf(err) != apperr.EINVALID {
			t.Errorf("unknown sort key: %v, want EINVALID", err)
		}
	})

	t.Run("an unchanged refresh keeps the view; a change shows after the next refresh", func(t *testing.T) {
		conn := connect(ctx, t, url)
		if _, err := conn.Exec(ctx, `UPDATE sqp.search_query_performance SET asin_impression_count = asin_impression_count + 1000
			WHERE search_query = 'running shoes'`); err != nil {
			t.Fatal(err)
		}
		var status string
		if err := conn.QueryRow(ctx, `CALL public.refresh_brand_product_segments()`).Scan(&status, nil, nil, nil, nil, nil, nil, nil); err != nil || status != "success" {
			t.Fatalf("refresh: %s, %v", status, err)
		}
		page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: acme, Marketplace: "US", Range: all, Sort: sqp.BrandQuerySortQuery, Queries: []string{"running shoes"}})
		if err != nil || len(page.Queries) != 1 || page.Queries[0].Counts.ASINImpressions != 1120 {
			t.Errorf("after the change: %+v, %v; want 1,120 impressions", page, err)
		}
	})
}
