package postgres_test

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// This file holds a small hand-built dataset and an independent, in-Go computation of the segments the
// materialized view must hold for it. The expectations are derived from the rows below, never copied from
// the database's output.

// handQuery is one search query row of a weekly report. PriceCents is the ASIN's median purchase price in
// cents; nil is a missing price.
type handQuery struct {
	Query                             string
	TotalImpressions, ASINImpressions int64
	TotalClicks, ASINClicks           int64
	TotalCartAdds, ASINCartAdds       int64
	TotalPurchases, ASINPurchases     int64
	PriceCents                        *int64
}

// handReport is one ASIN's weekly report in one marketplace; Start is its Sunday. Its prices are in the
// marketplace's currency.
type handReport struct {
	ASIN        string
	Marketplace string
	Start       string
	Queries     []handQuery
}

type handMapping struct {
	ASIN, Brand string
	Active      bool
}

type handBrand struct {
	Name   string
	Active bool
}

type handDataset struct {
	Brands   []handBrand
	Mappings []handMapping
	Reports  []handReport
}

func cents(c int64) *int64 { return &c }

// handData is the dataset of the view tests:
//   - acme (active): B0ACME0001 over three weeks, the second crossing the July/August month end and one
//     query without a price; B0ACME0002 with a week of zero ASIN impressions (and zero clicks) and a week
//     without market purchases; B0ACME0003, whose mapping is inactive;
//   - globex (active): B0GLOBX001 in August, September (its last week, 29 September, ends in October: it
//     counts in September and the third quarter) and October (the fourth quarter), all prices missing in
//     one week;
//   - initech (inactive): B0INIT0001;
//   - B0NOMAP001 has reports but no mapping;
//   - a second marketplace, UK (GBP prices), for B0ACME0001 (weeks of 21 July and 4 August, the same weeks
//     as in the US, which must not touch the US segments) and B0ACME0002 (4 August);
//   - queries several ASINs of a brand share in the same week and marketplace, with the same market total
//     on every ASIN's row as Amazon reports it: "red shoes" (US, 21 July: B0ACME0001 and B0ACME0002; UK,
//     4 August: both) and "blue socks" (UK, 4 August).
func handData() handDataset {
	return handDataset{
		Brands: []handBrand{{"acme", true}, {"globex", true}, {"initech", false}},
		Mappings: []handMapping{
			{"B0ACME0001", "acme", true},
			{"B0ACME0002", "acme", true},
			{"B0ACME0003", "acme", false},
			{"B0GLOBX001", "globex", true},
			{"B0INIT0001", "initech", true},
		},
		Reports: []handReport{
			{"B0ACME0001", "US", "2024-07-21", []handQuery{
				{"red shoes", 4000, 300, 400, 33, 90, 12, 40, 7, cents(2999)},
				{"running shoes", 2500, 120, 210, 9, 40, 4, 18, 3, cents(4550)},
			}},
			{"B0ACME0001", "US", "2024-07-28", []handQuery{ // Sunday 28 July to Saturday 3 August: counts in July
				{"red shoes", 3800, 250, 380, 31, 85, 11, 37, 6, cents(3199)},
				{"trail shoes", 900, 45, 70, 5, 12, 2, 5, 2, nil},
				{"shoes sale", 5200, 410, 600, 47, 140, 19, 66, 13, cents(2475)},
			}},
			{"B0ACME0001", "US", "2024-08-04", []handQuery{
				{"red shoes", 4100, 333, 420, 37, 91, 15, 42, 9, cents(3050)},
			}},
			{"B0ACME0002", "US", "2024-07-28", []handQuery{ // zero ASIN impressions and clicks: CTR and CVR are NULL
				{"blue socks", 1500, 0, 120, 0, 30, 0, 10, 0, nil},
			}},
			{"B0ACME0002", "US", "2024-08-04", []handQuery{ // no market purchases: purchase share is NULL
				{"blue socks", 1700, 85, 130, 6, 33, 2, 0, 0, nil},
				{"wool socks", 800, 64, 50, 7, 12, 3, 0, 0, nil},
			}},
			{"B0ACME0003", "US", "2024-08-04", []handQuery{
				{"green hat", 700, 70, 60, 6, 10, 1, 4, 1, cents(1999)},
			}},
			{"B0GLOBX001", "US", "2024-08-25", []handQuery{
				{"desk lamp", 2200, 150, 190, 21, 44, 8, 20, 5, nil},
				{"led lamp", 1300, 91, 120, 11, 25, 3, 9, 2, nil},
			}},
			{"B0GLOBX001", "US", "2024-09-01", []handQuery{
				{"desk lamp", 2100, 160, 185, 19, 40, 9, 22, 6, cents(5999)},
				{"led lamp", 1250, 80, 115, 13, 22, 4, 8, 1, cents(4725)},
				{"reading lamp", 600, 75, 48, 8, 9, 2, 3, 1, cents(3500)},
			}},
			{"B0GLOBX001", "US", "2024-09-29", []handQuery{ // Sunday 29 September to Saturday 5 October: in September and Q3
				{"desk lamp", 2000, 140, 170, 18, 39, 7, 19, 4, cents(5899)},
			}},
			{"B0GLOBX001", "US", "2024-10-06", []handQuery{ // the first week of Q4
				{"desk lamp", 2300, 170, 200, 22, 47, 10, 24, 7, cents(6099)},
				{"led lamp", 1400, 95, 125, 12, 26, 4, 10, 3, nil},
			}},
			{"B0INIT0001", "US", "2024-08-04", []handQuery{
				{"stapler", 500, 50, 40, 4, 8, 2, 3, 1, cents(1299)},
			}},
			{"B0NOMAP001", "US", "2024-08-04", []handQuery{
				{"mystery", 300, 30, 20, 2, 4, 1, 1, 1, cents(999)},
			}},
			{"B0ACME0002", "US", "2024-07-21", []handQuery{ // shares "red shoes" with B0ACME0001 that week
				{"red shoes", 4000, 140, 400, 12, 90, 5, 40, 2, cents(1899)},
			}},
			{"B0ACME0001", "UK", "2024-07-21", []handQuery{
				{"red shoes", 900, 80, 90, 8, 20, 3, 9, 2, cents(2599)},
			}},
			{"B0ACME0001", "UK", "2024-08-04", []handQuery{
				{"red shoes", 950, 70, 95, 9, 21, 4, 10, 3, cents(2650)},
				{"blue socks", 400, 10, 40, 1, 8, 1, 4, 0, nil},
			}},
			{"B0ACME0002", "UK", "2024-08-04", []handQuery{
				{"red shoes", 950, 20, 95, 2, 21, 1, 10, 1, cents(1500)},
				{"blue socks", 400, 44, 40, 5, 8, 2, 4, 2, cents(899)},
			}},
		},
	}
}

// loadHandData inserts the dataset and returns the brand ids by name.
func loadHandData(ctx context.Context, t *testing.T, conn *pgx.Conn, d handDataset) map[string]string {
	t.Helper()
	ids := make(map[string]string)
	for _, b := range d.Brands {
		var id string
		err := conn.QueryRow(ctx,
			`INSERT INTO public.brands (brand_name, display_name, is_active) VALUES ($1, $2, $3) RETURNING id::text`,
			b.Name, "Brand "+b.Name, b.Active).Scan(&id)
		if err != nil {
			t.Fatalf("insert brand %s: %v", b.Name, err)
		}
		ids[b.Name] = id
	}
	for _, m := range d.Mappings {
		_, err := conn.Exec(ctx,
			`INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title, is_active) VALUES ($1, $2, $3, $4)`,
			m.ASIN, ids[m.Brand], "Product "+m.ASIN, m.Active)
		if err != nil {
			t.Fatalf("insert mapping %s: %v", m.ASIN, err)
		}
	}
	for _, r := range d.Reports {
		start := mustDate(t, r.Start)
		var reportID int64
		err := conn.QueryRow(ctx,
			`INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date) VALUES ($1, $2, $3, $4) RETURNING id`,
			r.ASIN, r.Marketplace, start, start.AddDate(0, 0, 6)).Scan(&reportID)
		if err != nil {
			t.Fatalf("insert report %s %s: %v", r.ASIN, r.Start, err)
		}
		for _, q := range r.Queries {
			var price *string
			if q.PriceCents != nil {
				p := centsText(*q.PriceCents)
				price = &p
			}
			_, err := conn.Exec(ctx, `
				INSERT INTO sqp.search_query_performance (asin_performance_id, search_query,
					total_query_impression_count, asin_impression_count, total_click_count, asin_click_count,
					total_cart_add_count, asin_cart_add_count, total_purchase_count, asin_purchase_count,
					asin_median_purchase_price, currency_code)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::numeric, $12)`,
				reportID, q.Query, q.TotalImpressions, q.ASINImpressions, q.TotalClicks, q.ASINClicks,
				q.TotalCartAdds, q.ASINCartAdds, q.TotalPurchases, q.ASINPurchases, price, currencyOf[r.Marketplace])
			if err != nil {
				t.Fatalf("insert query %q of %s %s: %v", q.Query, r.ASIN, r.Start, err)
			}
		}
	}
	return ids
}

// currencyOf is the currency of the hand dataset's marketplaces.
var currencyOf = map[string]string{"US": "USD", "UK": "GBP"}

// segmentKey identifies a row of brand_product_segments.
type segmentKey struct {
	BrandID, Marketplace, ASIN, Type, Start string
}

// segmentRow is a row of brand_product_segments with every number as text (numeric as PostgreSQL prints it);
// nil is NULL.
type segmentRow struct {
	segmentKey
	End                                                        string
	TotalImpressions, ASINImpressions, TotalClicks, ASINClicks int64
	TotalCartAdds, ASINCartAdds, TotalPurchases, ASINPurchases int64
	ImpressionShare, ClickShare, CartAddShare, PurchaseShare   *string
	CTR, CVR, AvgPrice                                         *string
	DataPoints                                                 int64
	Earliest, Latest                                           string
	PriceAmountCents                                           int64 // purchase_price_amount x 100
	PricedPurchases                                            int64
}

// expectedSegments computes, from the dataset alone, the rows brand_product_segments must hold: active
// mappings of active brands, Sunday-Saturday weeks, months from the weeks that start in them, ratio-of-sums
// percentages rounded half away from zero to 2 decimals, NULL for a zero denominator.
func expectedSegments(t *testing.T, d handDataset, brandIDs map[string]string) map[segmentKey]segmentRow {
	t.Helper()
	activeBrand := map[string]bool{}
	for _, b := range d.Brands {
		activeBrand[b.Name] = b.Active
	}
	brandOf := map[string]string{}
	for _, m := range d.Mappings {
		if m.Active && activeBrand[m.Brand] {
			brandOf[m.ASIN] = brandIDs[m.Brand]
		}
	}
	rows := map[segmentKey]segmentRow{}
	add := func(k segmentKey, end string, r handReport) {
		row, ok := rows[k]
		if !ok {
			row = segmentRow{segmentKey: k, End: end, Earliest: r.Start}
		}
		for _, q := range r.Queries {
			row.TotalImpressions += q.TotalImpressions
			row.ASINImpressions += q.ASINImpressions
			row.TotalClicks += q.TotalClicks
			row.ASINClicks += q.ASINClicks
			row.TotalCartAdds += q.TotalCartAdds
			row.ASINCartAdds += q.ASINCartAdds
			row.TotalPurchases += q.TotalPurchases
			row.ASINPurchases += q.ASINPurchases
			if q.PriceCents != nil {
				row.PriceAmountCents += *q.PriceCents * q.ASINPurchases
				row.PricedPurchases += q.ASINPurchases
			}
		}
		row.DataPoints++
		if r.Start < row.Earliest {
			row.Earliest = r.Start
		}
		if last := mustDate(t, r.Start).AddDate(0, 0, 6).Format(time.DateOnly); last > row.Latest {
			row.Latest = last
		}
		rows[k] = row
	}
	for _, r := range d.Reports {
		brand, ok := brandOf[r.ASIN]
		if !ok {
			continue
		}
		start := mustDate(t, r.Start)
		if start.Weekday() != time.Sunday {
			t.Fatalf("hand dataset: report %s %s does not start on a Sunday", r.ASIN, r.Start)
		}
		add(segmentKey{brand, r.Marketplace, r.ASIN, "weekly", r.Start}, start.AddDate(0, 0, 6).Format(time.DateOnly), r)
		month := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		add(segmentKey{brand, r.Marketplace, r.ASIN, "monthly", month.Format(time.DateOnly)},
			month.AddDate(0, 1, -1).Format(time.DateOnly), r)
		quarter := calendarQuarter(start)
		add(segmentKey{brand, r.Marketplace, r.ASIN, "quarterly", quarter.Format(time.DateOnly)},
			quarter.AddDate(0, 3, -1).Format(time.DateOnly), r)
	}
	for k, row := range rows {
		row.ImpressionShare = percent(row.ASINImpressions, row.TotalImpressions)
		row.ClickShare = percent(row.ASINClicks, row.TotalClicks)
		row.CartAddShare = percent(row.ASINCartAdds, row.TotalCartAdds)
		row.PurchaseShare = percent(row.ASINPurchases, row.TotalPurchases)
		row.CTR = percent(row.ASINClicks, row.ASINImpressions)
		row.CVR = percent(row.ASINPurchases, row.ASINClicks)
		if row.PricedPurchases > 0 {
			// cents / purchases / 100, to 2 decimals
			s := round2(new(big.Rat).SetFrac64(row.PriceAmountCents, row.PricedPurchases*100))
			row.AvgPrice = &s
		}
		rows[k] = row
	}
	return rows
}

// calendarQuarter is the first day of the calendar quarter of d (January, April, July or October 1),
// computed here rather than by the period package, so that the recomputation stays independent.
func calendarQuarter(d time.Time) time.Time {
	first := map[time.Month]time.Month{1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4, 7: 7, 8: 7, 9: 7, 10: 10, 11: 10, 12: 10}[d.Month()]
	return time.Date(d.Year(), first, 1, 0, 0, 0, 0, time.UTC)
}

// percent is 100 x num / den to 2 decimals (half away from zero), or nil when den is 0.
func percent(num, den int64) *string {
	if den == 0 {
		return nil
	}
	s := round2(new(big.Rat).SetFrac64(100*num, den))
	return &s
}

// round2 formats a non-negative rational to 2 decimals, rounding half away from zero like PostgreSQL's
// round(numeric, 2).
func round2(r *big.Rat) string {
	if r.Sign() < 0 {
		panic("round2: negative value")
	}
	scaled := new(big.Rat).Mul(r, big.NewRat(100, 1))
	scaled.Add(scaled, big.NewRat(1, 2))
	hundredths := new(big.Int).Quo(scaled.Num(), scaled.Denom())
	whole, frac := new(big.Int).QuoRem(hundredths, big.NewInt(100), new(big.Int))
	return fmt.Sprintf("%s.%02d", whole, frac.Int64())
}

func centsText(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func mustDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatalf("bad date %q: %v", s, err)
	}
	return d
}

// readSegments returns every row of brand_product_segments, sorted by key.
func readSegments(ctx context.Context, t *testing.T, conn *pgx.Conn) []segmentRow {
	t.Helper()
	rows, err := conn.Query(ctx, `
		SELECT brand_id::text, marketplace, asin, segment_type, period_start::text, period_end::text,
		       total_impressions, asin_impressions, total_clicks, asin_clicks,
		       total_cart_adds, asin_cart_adds, total_purchases, asin_purchases,
		       impression_share_pct::text, click_share_pct::text, cart_add_share_pct::text, purchase_share_pct::text,
		       ctr_pct::text, cvr_pct::text, avg_purchase_price::text,
		       data_points_count, earliest_date::text, latest_date::text,
		       (purchase_price_amount * 100)::bigint, priced_purchases
		FROM public.brand_product_segments`)
	if err != nil {
		t.Fatalf("read brand_product_segments: %v", err)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (segmentRow, error) {
		var s segmentRow
		err := row.Scan(&s.BrandID, &s.Marketplace, &s.ASIN, &s.Type, &s.Start, &s.End,
			&s.TotalImpressions, &s.ASINImpressions, &s.TotalClicks, &s.ASINClicks,
			&s.TotalCartAdds, &s.ASINCartAdds, &s.TotalPurchases, &s.ASINPurchases,
			&s.ImpressionShare, &s.ClickShare, &s.CartAddShare, &s.PurchaseShare,
			&s.CTR, &s.CVR, &s.AvgPrice, &s.DataPoints, &s.Earliest, &s.Latest,
			&s.PriceAmountCents, &s.PricedPurchases)
		return s, err
	})
	if err != nil {
		t.Fatalf("scan brand_product_segments: %v", err)
	}
	sort.Slice(got, func(i, j int) bool { return lessKey(got[i].segmentKey, got[j].segmentKey) })
	return got
}

func lessKey(a, b segmentKey) bool {
	if a.BrandID != b.BrandID {
		return a.BrandID < b.BrandID
	}
	if a.Marketplace != b.Marketplace {
		return a.Marketplace < b.Marketplace
	}
	if a.ASIN != b.ASIN {
		return a.ASIN < b.ASIN
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.Start < b.Start
}

// connect opens one session on url, closed at the end of the test.
func connect(ctx context.Context, t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) }) // the test is over: nothing depends on it
	return conn
}

// handDatabase returns a fresh database with the hand dataset loaded and the view refreshed, a session on
// it, and the brand ids.
func handDatabase(ctx context.Context, t *testing.T) (string, *pgx.Conn, map[string]string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	conn := connect(ctx, t, url)
	ids := loadHandData(ctx, t, conn, handData())
	if _, err := conn.Exec(ctx, `REFRESH MATERIALIZED VIEW public.brand_product_segments;
		SELECT public.brand_level_refresh(false)`); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	return url, conn, ids
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}

// brandKey identifies a row of brand_marketplace_segments.
type brandKey struct {
	BrandID, Marketplace, Type, Start string
}

// brandRow is a row of brand_marketplace_segments.
type brandRow struct {
	brandKey
	End                                                        string
	TotalImpressions, ASINImpressions, TotalClicks, ASINClicks int64
	TotalCartAdds, ASINCartAdds, TotalPurchases, ASINPurchases int64
	ImpressionShare, PurchaseShare, AvgPrice                   *string
	PriceAmountCents, PricedPurchases                          int64
	QueryWeeks, SharedQueryWeeks, DataPoints, WeeksWithData    int64
}

// expectedBrandSegments computes, from the dataset alone, the rows brand_marketplace_segments must hold:
// per brand, marketplace and week, the ASIN counts of the brand's active products summed, and each
// query's market totals counted once (the largest of its rows); months and quarters add the weeks that
// start in them.
func expectedBrandSegments(t *testing.T, d handDataset, brandIDs map[string]string) map[brandKey]brandRow {
	t.Helper()
	activeBrand := map[string]bool{}
	for _, b := range d.Brands {
		activeBrand[b.Name] = b.Active
	}
	brandOf := map[string]string{}
	for _, m := range d.Mappings {
		if m.Active && activeBrand[m.Brand] {
			brandOf[m.ASIN] = brandIDs[m.Brand]
		}
	}
	type queryKey struct {
		week brandKey
		q    string
	}
	market := map[queryKey][4]int64{}
	rowsPerQuery := map[queryKey]int{}
	weeks := map[brandKey]brandRow{}
	for _, r := range d.Reports {
		brand, ok := brandOf[r.ASIN]
		if !ok {
			continue
		}
		start := mustDate(t, r.Start)
		k := brandKey{brand, r.Marketplace, "weekly", r.Start}
		w := weeks[k]
		w.brandKey, w.End = k, start.AddDate(0, 0, 6).Format(time.DateOnly)
		w.DataPoints++
		w.WeeksWithData = 1
		for _, q := range r.Queries {
			w.ASINImpressions += q.ASINImpressions
			w.ASINClicks += q.ASINClicks
			w.ASINCartAdds += q.ASINCartAdds
			w.ASINPurchases += q.ASINPurchases
			if q.PriceCents != nil {
				w.PriceAmountCents += *q.PriceCents * q.ASINPurchases
				w.PricedPurchases += q.ASINPurchases
			}
			qk := queryKey{k, q.Query}
			m := market[qk]
			m = [4]int64{max(m[0], q.TotalImpressions), max(m[1], q.TotalClicks), max(m[2], q.TotalCartAdds), max(m[3], q.TotalPurchases)}
			market[qk] = m
			rowsPerQuery[qk]++
		}
		weeks[k] = w
	}
	for qk, m := range market {
		w := weeks[qk.week]
		w.TotalImpressions += m[0]
		w.TotalClicks += m[1]
		w.TotalCartAdds += m[2]
		w.TotalPurchases += m[3]
		w.QueryWeeks++
		if rowsPerQuery[qk] > 1 {
			w.SharedQueryWeeks++
		}
		weeks[qk.week] = w
	}
	out := map[brandKey]brandRow{}
	for k, w := range weeks {
		out[k] = w
		start := mustDate(t, k.Start)
		month := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		quarter := calendarQuarter(start)
		for _, p := range []struct {
			typ        string
			start, end time.Time
		}{{"monthly", month, month.AddDate(0, 1, -1)}, {"quarterly", quarter, quarter.AddDate(0, 3, -1)}} {
			mk := brandKey{k.BrandID, k.Marketplace, p.typ, p.start.Format(time.DateOnly)}
			m := out[mk]
			m.brandKey, m.End = mk, p.end.Format(time.DateOnly)
			m.TotalImpressions += w.TotalImpressions
			m.ASINImpressions += w.ASINImpressions
			m.TotalClicks += w.TotalClicks
			m.ASINClicks += w.ASINClicks
			m.TotalCartAdds += w.TotalCartAdds
			m.ASINCartAdds += w.ASINCartAdds
			m.TotalPurchases += w.TotalPurchases
			m.ASINPurchases += w.ASINPurchases
			m.PriceAmountCents += w.PriceAmountCents
			m.PricedPurchases += w.PricedPurchases
			m.QueryWeeks += w.QueryWeeks
			m.SharedQueryWeeks += w.SharedQueryWeeks
			m.DataPoints += w.DataPoints
			m.WeeksWithData++
			out[mk] = m
		}
	}
	for k, r := range out {
		r.ImpressionShare = percent(r.ASINImpressions, r.TotalImpressions)
		r.PurchaseShare = percent(r.ASINPurchases, r.TotalPurchases)
		if r.PricedPurchases > 0 {
			s := round2(new(big.Rat).SetFrac64(r.PriceAmountCents, r.PricedPurchases*100))
			r.AvgPrice = &s
		}
		out[k] = r
	}
	return out
}

// readBrandSegments returns every row of brand_marketplace_segments.
func readBrandSegments(ctx context.Context, t *testing.T, conn *pgx.Conn) map[brandKey]brandRow {
	t.Helper()
	rows, err := conn.Query(ctx, `
		SELECT brand_id::text, marketplace, segment_type, period_start::text, period_end::text,
		       total_impressions, asin_impressions, total_clicks, asin_clicks,
		       total_cart_adds, asin_cart_adds, total_purchases, asin_purchases,
		       impression_share_pct::text, purchase_share_pct::text, avg_purchase_price::text,
		       (purchase_price_amount * 100)::bigint, priced_purchases,
		       query_weeks, shared_query_weeks, data_points_count, weeks_with_data
		FROM public.brand_marketplace_segments`)
	if err != nil {
		t.Fatalf("read brand_marketplace_segments: %v", err)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (brandRow, error) {
		var s brandRow
		err := row.Scan(&s.BrandID, &s.Marketplace, &s.Type, &s.Start, &s.End,
			&s.TotalImpressions, &s.ASINImpressions, &s.TotalClicks, &s.ASINClicks,
			&s.TotalCartAdds, &s.ASINCartAdds, &s.TotalPurchases, &s.ASINPurchases,
			&s.ImpressionShare, &s.PurchaseShare, &s.AvgPrice, &s.PriceAmountCents, &s.PricedPurchases,
			&s.QueryWeeks, &s.SharedQueryWeeks, &s.DataPoints, &s.WeeksWithData)
		return s, err
	})
	if err != nil {
		t.Fatalf("scan brand_marketplace_segments: %v", err)
	}
	out := map[brandKey]brandRow{}
	for _, r := range got {
		out[r.brandKey] = r
	}
	return out
}
