package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// Tests of the SQL objects schema.hcl declares around brand_product_segments, on the hand-built dataset of
// testdata_test.go: the materialized view, get_product_segment_metadata, brand_performance_enhanced and
// validate_brand_product_segments.

func TestBrandProductSegments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn, ids := handDatabase(ctx, t)
	want := expectedSegments(t, handData(), ids)
	got := readSegments(ctx, t, conn)

	t.Run("every row equals the one computed by hand", func(t *testing.T) {
		if len(got) != len(want) {
			t.Errorf("view has %d rows, want %d", len(got), len(want))
		}
		for _, g := range got {
			w, ok := want[g.segmentKey]
			if !ok {
				t.Errorf("unexpected row %+v", g.segmentKey)
				continue
			}
			if diff := diffSegment(g, w); diff != "" {
				t.Errorf("row %+v:\n%s", g.segmentKey, diff)
			}
		}
		seen := map[segmentKey]bool{}
		for _, g := range got {
			seen[g.segmentKey] = true
		}
		for k := range want {
			if !seen[k] {
				t.Errorf("missing row %+v", k)
			}
		}
	})

	t.Run("a week crossing a month end counts wholly in the month it starts in", func(t *testing.T) {
		july := findSegment(got, ids["acme"], "B0ACME0001", "monthly", "2024-07-01")
		august := findSegment(got, ids["acme"], "B0ACME0001", "monthly", "2024-08-01")
		if july == nil || august == nil {
			t.Fatalf("July or August segment of B0ACME0001 missing")
		}
		// Weeks of 21 and 28 July are in July (the second ends on 3 August); the week of 4 August alone in August.
		if july.DataPoints != 2 || july.Latest != "2024-08-03" || july.End != "2024-07-31" {
			t.Errorf("July = %d reports, latest %s, end %s; want 2 reports, latest 2024-08-03, end 2024-07-31",
				july.DataPoints, july.Latest, july.End)
		}
		if august.DataPoints != 1 || august.Earliest != "2024-08-04" {
			t.Errorf("August = %d reports from %s, want 1 report from 2024-08-04", august.DataPoints, august.Earliest)
		}
	})

	t.Run("a week crossing a quarter end counts wholly in the quarter it starts in", func(t *testing.T) {
		q3 := findSegment(got, ids["globex"], "B0GLOBX001", "quarterly", "2024-07-01")
		q4 := findSegment(got, ids["globex"], "B0GLOBX001", "quarterly", "2024-10-01")
		if q3 == nil || q4 == nil {
			t.Fatalf("Q3 or Q4 segment of B0GLOBX001 missing")
		}
		// Weeks of 25 August, 1 and 29 September are in Q3 (the last ends on 5 October); 6 October alone in Q4.
		if q3.DataPoints != 3 || q3.Earliest != "2024-08-25" || q3.Latest != "2024-10-05" || q3.End != "2024-09-30" {
			t.Errorf("Q3 = %d reports, %s..%s, end %s; want 3 reports, 2024-08-25..2024-10-05, end 2024-09-30",
				q3.DataPoints, q3.Earliest, q3.Latest, q3.End)
		}
		if q4.DataPoints != 1 || q4.Earliest != "2024-10-06" || q4.End != "2024-12-31" {
			t.Errorf("Q4 = %d reports from %s, end %s; want 1 report from 2024-10-06, end 2024-12-31", q4.DataPoints, q4.Earliest, q4.End)
		}
	})

	t.Run("weeks run Sunday to Saturday", func(t *testing.T) {
		for _, g := range got {
			if g.Type != "weekly" {
				continue
			}
			start := mustDate(t, g.Start)
			if start.Weekday().String() != "Sunday" || mustDate(t, g.End).Sub(start).Hours() != 6*24 {
				t.Errorf("weekly segment %s..%s is not Sunday to Saturday", g.Start, g.End)
			}
		}
	})

	t.Run("inactive mappings, inactive brands and unmapped ASINs have no segments", func(t *testing.T) {
		for _, g := range got {
			switch g.ASIN {
			case "B0ACME0003", "B0INIT0001", "B0NOMAP001":
				t.Errorf("segment %+v of an excluded ASIN", g.segmentKey)
			}
		}
	})

	t.Run("a zero denominator gives NULL, not 0", func(t *testing.T) {
		noImpressions := findSegment(got, ids["acme"], "B0ACME0002", "weekly", "2024-07-28")
		if noImpressions == nil {
			t.Fatal("week of zero ASIN impressions missing")
		}
		if noImpressions.CTR != nil || noImpressions.CVR != nil || noImpressions.AvgPrice != nil {
			t.Errorf("ctr, cvr, avg price = %s, %s, %s; want NULL", deref(noImpressions.CTR),
				deref(noImpressions.CVR), deref(noImpressions.AvgPrice))
		}
		if noImpressions.ImpressionShare == nil || *noImpressions.ImpressionShare != "0.00" {
			t.Errorf("impression share = %s, want 0.00 (the market had impressions)", deref(noImpressions.ImpressionShare))
		}
		noPurchases := findSegment(got, ids["acme"], "B0ACME0002", "weekly", "2024-08-04")
		if noPurchases == nil || noPurchases.PurchaseShare != nil {
			t.Errorf("purchase share without market purchases = %v, want NULL", noPurchases)
		}
	})

	t.Run("the average price weighs only the purchases that have a price", func(t *testing.T) {
		week := findSegment(got, ids["acme"], "B0ACME0001", "weekly", "2024-07-28")
		if week == nil {
			t.Fatal("week of 28 July missing")
		}
		// 6 x 31.99 + 13 x 24.75 over 19 priced purchases; the 2 purchases of "trail shoes" have no price.
		if week.PricedPurchases != week.ASINPurchases-2 {
			t.Errorf("priced purchases = %d of %d, want all but the 2 without a price", week.PricedPurchases, week.ASINPurchases)
		}
	})
}

func diffSegment(got, want segmentRow) string {
	var b strings.Builder
	check := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			fmt.Fprintf(&b, "  %s = %v, want %v\n", name, g, w)
		}
	}
	check("period_end", got.End, want.End)
	check("total_impressions", got.TotalImpressions, want.TotalImpressions)
	check("asin_impressions", got.ASINImpressions, want.ASINImpressions)
	check("total_clicks", got.TotalClicks, want.TotalClicks)
	check("asin_clicks", got.ASINClicks, want.ASINClicks)
	check("total_cart_adds", got.TotalCartAdds, want.TotalCartAdds)
	check("asin_cart_adds", got.ASINCartAdds, want.ASINCartAdds)
	check("total_purchases", got.TotalPurchases, want.TotalPurchases)
	check("asin_purchases", got.ASINPurchases, want.ASINPurchases)
	check("impression_share_pct", deref(got.ImpressionShare), deref(want.ImpressionShare))
	check("click_share_pct", deref(got.ClickShare), deref(want.ClickShare))
	check("cart_add_share_pct", deref(got.CartAddShare), deref(want.CartAddShare))
	check("purchase_share_pct", deref(got.PurchaseShare), deref(want.PurchaseShare))
	check("ctr_pct", deref(got.CTR), deref(want.CTR))
	check("cvr_pct", deref(got.CVR), deref(want.CVR))
	check("avg_purchase_price", deref(got.AvgPrice), deref(want.AvgPrice))
	check("data_points_count", got.DataPoints, want.DataPoints)
	check("earliest_date", got.Earliest, want.Earliest)
	check("latest_date", got.Latest, want.Latest)
	check("purchase_price_amount x 100", got.PriceAmountCents, want.PriceAmountCents)
	check("priced_purchases", got.PricedPurchases, want.PricedPurchases)
	return b.String()
}

func findSegment(rows []segmentRow, brandID, asin, typ, start string) *segmentRow {
	return findMarketSegment(rows, brandID, "US", asin, typ, start)
}

func findMarketSegment(rows []segmentRow, brandID, market, asin, typ, start string) *segmentRow {
	for i := range rows {
		if rows[i].segmentKey == (segmentKey{brandID, market, asin, typ, start}) {
			return &rows[i]
		}
	}
	return nil
}

func TestGetProductSegmentMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn, ids := handDatabase(ctx, t)
	want := expectedSegments(t, handData(), ids)

	const q = `SELECT * FROM public.get_product_segment_metadata($1::uuid, $2::date, $3::date)`

	t.Run("columns have the declared types", func(t *testing.T) {
		rows, err := conn.Query(ctx, q, ids["acme"], "2024-07-01", "2024-08-31")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		wantTypes := []struct {
			name string
			oid  uint32
		}{
			{"asin", pgtype.VarcharOID}, {"has_weekly_segments", pgtype.BoolOID},
			{"has_monthly_segments", pgtype.BoolOID}, {"weekly_count", pgtype.Int4OID},
			{"monthly_count", pgtype.Int4OID}, {"earliest_segment_date", pgtype.DateOID},
			{"latest_segment_date", pgtype.DateOID}, {"total_segment_impressions", pgtype.Int8OID},
			{"has_quarterly_segments", pgtype.BoolOID}, {"quarterly_count", pgtype.Int4OID},
		}
		fields := rows.FieldDescriptions()
		if len(fields) != len(wantTypes) {
			t.Fatalf("%d columns, want %d", len(fields), len(wantTypes))
		}
		for i, f := range fields {
			if f.Name != wantTypes[i].name || f.DataTypeOID != wantTypes[i].oid {
				t.Errorf("column %d = %s (oid %d), want %s (oid %d)", i, f.Name, f.DataTypeOID, wantTypes[i].name, wantTypes[i].oid)
			}
		}
	})

	type meta struct {
		ASIN                   string
		HasWeekly, HasMonthly  bool
		Weekly, Monthly        int32
		Earliest, Latest       string
		TotalWeeklyImpressions int64
		HasQuarterly           bool
		Quarterly              int32
	}
	// read calls the spec's get_product_segment_metadata, or get_marketplace_segment_metadata for a market.
	read := func(t *testing.T, brand, market, from, to string) []meta {
		t.Helper()
		call := `public.get_product_segment_metadata($1::uuid, $2::date, $3::date)`
		args := []any{brand, from, to}
		if market != "" {
			call = `public.get_marketplace_segment_metadata($1::uuid, $4, $2::date, $3::date)`
			args = append(args, market)
		}
		rows, err := conn.Query(ctx, `
			SELECT asin, has_weekly_segments, has_monthly_segments, weekly_count, monthly_count,
			       earliest_segment_date::text, latest_segment_date::text, total_segment_impressions,
			       has_quarterly_segments, quarterly_count
			FROM `+call, args...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[meta])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// defaultMarket is the brand's marketplace with the most recent weekly segment (then the most weekly
	// segments, then the first code), from the hand-computed segments.
	defaultMarket := func(brand string) string {
		last, count := map[string]string{}, map[string]int{}
		for _, s := range want {
			if s.BrandID == brand && s.Type == "weekly" {
				last[s.Marketplace] = max(last[s.Marketplace], s.End)
				count[s.Marketplace]++
			}
		}
		best := ""
		for m := range last {
			if best == "" || last[m] > last[best] || last[m] == last[best] &&
				(count[m] > count[best] || count[m] == count[best] && m < best) {
				best = m
			}
		}
		return best
	}
	// expect derives the function's answer from the hand-computed segments: segments of the marketplace
	// (empty: the brand's default) whose weeks lie in the range (earliest..latest data date, corrections
	// #16) with ASIN impressions, impressions summed over
	// weekly segments only, most impressions first.
	expect := func(brand, market, from, to string) []meta {
		if market == "" {
			market = defaultMarket(brand)
		}
		by := map[string]*meta{}
		for _, s := range want {
			if s.BrandID != brand || s.Marketplace != market || s.Earliest < from || s.Latest > to || s.ASINImpressions <= 0 {
				continue
			}
			m := by[s.ASIN]
			if m == nil {
				m = &meta{ASIN: s.ASIN, Earliest: s.Earliest, Latest: s.Latest}
				by[s.ASIN] = m
			}
			switch s.Type {
			case "weekly":
				m.HasWeekly = true
				m.Weekly++
				m.TotalWeeklyImpressions += s.ASINImpressions
			case "monthly":
				m.HasMonthly = true
				m.Monthly++
			case "quarterly":
				m.HasQuarterly = true
				m.Quarterly++
			default:
				panic("segment type " + s.Type)
			}
			m.Earliest = min(m.Earliest, s.Earliest)
			m.Latest = max(m.Latest, s.Latest)
		}
		var out []meta
		for _, m := range by {
			out = append(out, *m)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].TotalWeeklyImpressions != out[j].TotalWeeklyImpressions {
				return out[i].TotalWeeklyImpressions > out[j].TotalWeeklyImpressions
			}
			return out[i].ASIN < out[j].ASIN
		})
		return out
	}

	if m := defaultMarket(ids["acme"]); m != "US" {
		t.Fatalf("hand dataset: acme's default marketplace is %q, the tests below expect US", m)
	}
	for _, tc := range []struct{ name, brand, market, from, to string }{
		{"July and August of acme: weekly-only impression totals", ids["acme"], "", "2024-07-01", "2024-08-31"},
		{"a month counts when the weeks it is built from lie in the range", ids["acme"], "", "2024-07-21", "2024-08-10"},
		{"a range that leaves out a week of a month leaves out the month", ids["acme"], "", "2024-07-28", "2024-08-10"},
		{"globex across two months", ids["globex"], "", "2024-08-01", "2024-09-30"},
		{"globex: a quarter counts when the weeks it is built from lie in the range", ids["globex"], "", "2024-08-25", "2024-10-05"},
		{"globex across two quarters", ids["globex"], "", "2024-08-25", "2024-10-12"},
		{"an inactive brand has none", ids["initech"], "", "2024-01-01", "2024-12-31"},
		{"acme in the UK, by marketplace", ids["acme"], "UK", "2024-07-01", "2024-08-31"},
		{"acme in the US, by marketplace", ids["acme"], "US", "2024-07-01", "2024-08-31"},
		{"a marketplace without data has none", ids["acme"], "DE", "2024-07-01", "2024-08-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := read(t, tc.brand, tc.market, tc.from, tc.to)
			exp := expect(tc.brand, tc.market, tc.from, tc.to)
			if len(exp) == 0 && tc.brand == ids["acme"] && tc.market != "DE" {
				t.Fatal("the expectation is empty: the test would prove nothing")
			}
			if fmt.Sprint(got) != fmt.Sprint(exp) {
				t.Errorf("got  %+v\nwant %+v", got, exp)
			}
		})
	}

	t.Run("the newest month shows before its calendar end: its weeks are in the range", func(t *testing.T) {
		// July (weeks of 21 and 28 July, the second ending on 3 August) and August (the week of 4 August)
		// both lie in 21 July..10 August by their weeks, although July starts before it and August ends after.
		for _, m := range read(t, ids["acme"], "US", "2024-07-21", "2024-08-10") {
			if m.ASIN == "B0ACME0001" && m.Monthly != 2 {
				t.Errorf("B0ACME0001: %d monthly segments in 21 July..10 August, want July and August", m.Monthly)
			}
		}
		// Without the week of 21 July, July is not whole: only August.
		for _, m := range read(t, ids["acme"], "US", "2024-07-28", "2024-08-10") {
			if m.ASIN == "B0ACME0001" && m.Monthly != 1 {
				t.Errorf("B0ACME0001: %d monthly segments in 28 July..10 August, want August only", m.Monthly)
			}
		}
	})

	t.Run("the impression total never adds monthly rows to weekly rows", func(t *testing.T) {
		got := read(t, ids["acme"], "", "2024-07-01", "2024-08-31")
		var weekly int64
		for _, s := range want {
			if s.BrandID == ids["acme"] && s.Marketplace == "US" && s.ASIN == "B0ACME0001" && s.Type == "weekly" {
				weekly += s.ASINImpressions
			}
		}
		for _, m := range got {
			if m.ASIN == "B0ACME0001" && m.TotalWeeklyImpressions != weekly {
				t.Errorf("total_segment_impressions = %d, want the weekly sum %d", m.TotalWeeklyImpressions, weekly)
			}
		}
	})
}

// TestBrandMarketplaceSegments compares brand_marketplace_segments with the brand-level figures computed
// in Go from the hand dataset, in which ASINs of one brand share queries in the same week (corrections #14).
func TestBrandMarketplaceSegments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, conn, ids := handDatabase(ctx, t)
	want := expectedBrandSegments(t, handData(), ids)
	got := readBrandSegments(ctx, t, conn)

	t.Run("every row equals the recomputation from the base rows", func(t *testing.T) {
		for k, w := range want {
			g, ok := got[k]
			if !ok {
				t.Errorf("missing row %+v", k)
				continue
			}
			if brandText(g) != brandText(w) {
				t.Errorf("row %+v:\n got  %s\n want %s", k, brandText(g), brandText(w))
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected row %+v", k)
			}
		}
	})

	t.Run("a shared query's market counts once: the brand's share is above the sum over its products", func(t *testing.T) {
		k := brandKey{ids["acme"], "US", "weekly", "2024-07-21"}
		b := want[k]
		if b.SharedQueryWeeks == 0 {
			t.Fatal("hand dataset: no shared query in acme's US week of 21 July")
		}
		// By hand: "red shoes" (market 4,000) is on both ASINs' rows, "running shoes" (2,500) on one.
		if b.TotalImpressions != 4000+2500 || b.ASINImpressions != 300+120+140 {
			t.Fatalf("recomputation: %d of %d, want 560 of 6,500", b.ASINImpressions, b.TotalImpressions)
		}
		var perASINTotal int64
		for _, s := range expectedSegments(t, handData(), ids) {
			if s.BrandID == k.BrandID && s.Marketplace == "US" && s.Type == "weekly" && s.Start == k.Start {
				perASINTotal += s.TotalImpressions
			}
		}
		if perASINTotal != 4000+2500+4000 {
			t.Fatalf("per-ASIN totals add up to %d, want 10,500 (the market of red shoes twice)", perASINTotal)
		}
		if g := got[k]; g.TotalImpressions != 6500 || deref(g.ImpressionShare) != "8.62" {
			t.Errorf("brand_marketplace_segments: %d market impressions, share %s; want 6,500 and 8.62 (560 / 6,500)",
				g.TotalImpressions, deref(g.ImpressionShare))
		}
	})

	t.Run("a quarter counts the weeks with data that start in it", func(t *testing.T) {
		q3 := got[brandKey{ids["globex"], "US", "quarterly", "2024-07-01"}]
		if q3.WeeksWithData != 3 || q3.End != "2024-09-30" {
			t.Errorf("globex Q3 2024: %d weeks with data, end %s; want 3 (25 August, 1 and 29 September), end 2024-09-30", q3.WeeksWithData, q3.End)
		}
		if n := period.WeeksStartingInQuarter(period.Date(2024, 7, 1)); n != 13 {
			t.Errorf("Q3 2024 holds %d week starts, want 13 (7 July .. 29 September)", n)
		}
	})

	t.Run("the KPI cards read the brand figures", func(t *testing.T) {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		weeks, err := db.BrandWeeks(ctx, ids["acme"], "UK", period.Range{From: period.Date(2024, 7, 21), To: period.Date(2024, 8, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if len(weeks) != 2 {
			t.Fatalf("%d UK weeks of acme, want 2", len(weeks))
		}
		for _, w := range weeks {
			e := want[brandKey{ids["acme"], "UK", "weekly", w.WeekStart.Format(time.DateOnly)}]
			if w.Counts.TotalImpressions != e.TotalImpressions || w.Counts.ASINImpressions != e.ASINImpressions ||
				w.Counts.TotalPurchases != e.TotalPurchases || w.Counts.PricedPurchases != e.PricedPurchases {
				t.Errorf("week %s: %+v, want %+v", w.WeekStart.Format(time.DateOnly), w.Counts, e)
			}
		}
	})
}

func TestBrandPerformanceEnhanced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn, ids := handDatabase(ctx, t)
	segments := expectedSegments(t, handData(), ids)
	brandSegments := expectedBrandSegments(t, handData(), ids)

	type brandRow struct {
		BrandID, Name, Marketplace               string
		ASINs, WithWeekly, WithMonthly           int64
		Impressions, Clicks, CartAdds, Purchases int64
		ImpressionShare, PurchaseShare           string // "NULL" for NULL
		Start, End                               string
	}
	rows, err := conn.Query(ctx, `
		SELECT brand_id::text, brand_name, marketplace, total_asins, asins_with_weekly_data, asins_with_monthly_data,
		       total_impressions, total_clicks, total_cart_adds, total_purchases,
		       coalesce(avg_impression_share::text, 'NULL'), coalesce(avg_purchase_share::text, 'NULL'),
		       data_start_date::text, data_end_date::text
		FROM public.brand_performance_enhanced
		ORDER BY brand_name, marketplace`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[brandRow])
	if err != nil {
		t.Fatal(err)
	}

	// The same per-brand figures from the hand-computed monthly segments (each week is in exactly one month).
	var want []brandRow
	for _, bm := range [][2]string{{"acme", "UK"}, {"acme", "US"}, {"globex", "US"}} {
		name := bm[0]
		w := brandRow{BrandID: ids[name], Name: name, Marketplace: bm[1]}
		weekly, monthly, all := map[string]bool{}, map[string]bool{}, map[string]bool{}
		var marketImpressions, marketPurchases int64
		for _, s := range segments {
			if s.BrandID != ids[name] || s.Marketplace != bm[1] {
				continue
			}
			all[s.ASIN] = true
			if s.Type == "weekly" && s.ASINImpressions > 0 {
				weekly[s.ASIN] = true
			}
			if w.Start == "" || s.Earliest < w.Start {
				w.Start = s.Earliest
			}
			w.End = max(w.End, s.Latest)
			if s.Type != "monthly" {
				continue
			}
			if s.ASINImpressions > 0 {
				monthly[s.ASIN] = true
			}
			w.Impressions += s.ASINImpressions
			w.Clicks += s.ASINClicks
			w.CartAdds += s.ASINCartAdds
			w.Purchases += s.ASINPurchases
		}
		// The market of the brand's queries counts each query once per week (corrections #14), not once per
		// ASIN: from the brand-level recomputation, not from the product segments' totals.
		for _, b := range brandSegments {
			if b.BrandID == ids[name] && b.Marketplace == bm[1] && b.Type == "monthly" {
				marketImpressions += b.TotalImpressions
				marketPurchases += b.TotalPurchases
			}
		}
		w.ASINs, w.WithWeekly, w.WithMonthly = int64(len(all)), int64(len(weekly)), int64(len(monthly))
		w.ImpressionShare = deref(percent(w.Impressions, marketImpressions))
		w.PurchaseShare = deref(percent(w.Purchases, marketPurchases))
		want = append(want, w)
	}

	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("brand_performance_enhanced =\n%+v\nwant\n%+v", got, want)
	}
}

func TestValidateBrandProductSegments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	type violation struct {
		Check, BrandID, ASIN, Type, Start, Detail string
	}
	validate := func(t *testing.T, conn *pgx.Conn) []violation {
		t.Helper()
		rows, err := conn.Query(ctx, `
			SELECT check_name, brand_id::text, coalesce(asin, ''), segment_type, period_start::text, detail
			FROM public.validate_brand_product_segments()
			ORDER BY 1, 2, 3, 4, 5`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[violation])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	checks := func(vs []violation) map[string]int {
		n := map[string]int{}
		for _, v := range vs {
			n[v.Check]++
		}
		return n
	}

	t.Run("consistent data has no violation", func(t *testing.T) {
		t.Parallel()
		_, conn, _ := handDatabase(ctx, t)
		if got := validate(t, conn); len(got) != 0 {
			t.Errorf("violations = %+v, want none", got)
		}
	})

	t.Run("segments of a brand deactivated since the refresh are reported", func(t *testing.T) {
		t.Parallel()
		_, conn, ids := handDatabase(ctx, t)
		if _, err := conn.Exec(ctx, `UPDATE public.brands SET is_active = false WHERE brand_name = 'globex'`); err != nil {
			t.Fatal(err)
		}
		var globex int
		for _, s := range expectedSegments(t, handData(), ids) {
			if s.BrandID == ids["globex"] {
				globex++
			}
		}
		got := validate(t, conn)
		if n := checks(got)["brand_not_active"]; n != globex {
			t.Errorf("brand_not_active = %d violations, want one per globex segment (%d): %+v", n, globex, got)
		}
	})

	t.Run("a newest-week row that no longer matches its base rows is reported", func(t *testing.T) {
		t.Parallel()
		_, conn, _ := handDatabase(ctx, t)
		// The newest week is globex's week of 6 October.
		if _, err := conn.Exec(ctx, `
			UPDATE sqp.search_query_performance SET asin_click_count = asin_click_count + 5
			WHERE search_query = 'desk lamp'
			  AND asin_performance_id = (SELECT id FROM sqp.asin_performance_data WHERE asin = 'B0GLOBX001' AND start_date = '2024-10-06')`); err != nil {
			t.Fatal(err)
		}
		got := validate(t, conn)
		if len(got) != 1 || got[0].Check != "weekly_differs_from_base" || got[0].ASIN != "B0GLOBX001" || got[0].Start != "2024-10-06" {
			t.Errorf("violations = %+v, want one weekly_differs_from_base for B0GLOBX001 2024-10-06", got)
		}
	})

	// The refresh procedure validates only the slices its brand_level_refresh rebuilt
	// (validate_brand_segments(true)); a forced refresh, everything.
	scoped := func(t *testing.T, conn *pgx.Conn) []violation {
		t.Helper()
		rows, err := conn.Query(ctx, `
			SELECT check_name, brand_id::text, coalesce(asin, ''), segment_type, period_start::text, detail
			FROM public.validate_brand_segments(true)
			ORDER BY 1, 2, 3, 4, 5`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[violation])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// staleAcmeWeek changes acme's US week of 21 July (not the newest week) in the base rows and refreshes the
	// brand-level tables but not brand_product_segments, which is then stale for that slice; and it corrupts
	// globex's brand-level week of 6 October, a slice no change recorded.
	staleAcmeWeek := func(t *testing.T, conn *pgx.Conn, ids map[string]string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `
			UPDATE public.brand_marketplace_segments SET asin_clicks = asin_clicks + 1
			WHERE brand_id = $1 AND marketplace = 'US' AND segment_type = 'weekly' AND period_start = '2024-10-06'`, ids["globex"]); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `
			UPDATE sqp.search_query_performance SET asin_click_count = asin_click_count + 5
			WHERE search_query = 'red shoes'
			  AND asin_performance_id = (SELECT id FROM sqp.asin_performance_data WHERE asin = 'B0ACME0001' AND marketplace = 'US' AND start_date = '2024-07-21')`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `SELECT public.brand_level_refresh(false)`); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("the refresh validates the slices it rebuilt, also a week that is not the newest", func(t *testing.T) {
		t.Parallel()
		_, conn, ids := handDatabase(ctx, t)
		staleAcmeWeek(t, conn, ids)
		got := scoped(t, conn)
		// acme's brand-level week, July and third quarter differ from the stale product segments, and the
		// product week from its base rows; globex's corrupted week is in no rebuilt slice.
		want := map[string]int{"brand_differs_from_products": 3, "weekly_differs_from_base": 1}
		if fmt.Sprint(checks(got)) != fmt.Sprint(want) {
			t.Fatalf("violations = %+v, want %v", got, want)
		}
		for _, v := range got {
			if v.BrandID != ids["acme"] {
				t.Errorf("violation %+v outside the rebuilt slice (acme, US, 21 July)", v)
			}
			if v.Check == "weekly_differs_from_base" && (v.ASIN != "B0ACME0001" || v.Start != "2024-07-21") {
				t.Errorf("violation %+v, want B0ACME0001's week of 21 July", v)
			}
		}
		// Everything: globex's corrupted week too (against its products and its query-weeks), but of the base
		// rows only the newest week, which did not change.
		all := checks(validate(t, conn))
		want = map[string]int{"brand_differs_from_products": 4, "query_weeks_differ_from_brand": 1}
		if fmt.Sprint(all) != fmt.Sprint(want) {
			t.Errorf("validate_brand_product_segments: violations by check = %v, want %v", all, want)
		}
	})

	t.Run("after a forced refresh everything is validated", func(t *testing.T) {
		t.Parallel()
		_, conn, ids := handDatabase(ctx, t)
		staleAcmeWeek(t, conn, ids)
		// A refresh with nothing changed rebuilds nothing and validates nothing, although acme's product
		// segments are stale.
		if _, err := conn.Exec(ctx, `SELECT public.brand_level_refresh(false)`); err != nil {
			t.Fatal(err)
		}
		if got := scoped(t, conn); len(got) != 0 {
			t.Errorf("violations after a refresh that rebuilt nothing = %+v, want none", got)
		}
		// A forced one rebuilds every slice (rewriting globex's corrupted week) and so validates everything.
		if _, err := conn.Exec(ctx, `SELECT public.brand_level_refresh(true)`); err != nil {
			t.Fatal(err)
		}
		got, all := scoped(t, conn), validate(t, conn)
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", all) {
			t.Errorf("validate_brand_segments(true) after a forced refresh = %+v, want everything validated: %+v", got, all)
		}
		if want := map[string]int{"brand_differs_from_products": 3}; fmt.Sprint(checks(got)) != fmt.Sprint(want) {
			t.Errorf("violations = %+v, want %v (acme's stale week, July and quarter)", got, want)
		}
	})

	t.Run("an ASIN count above its market total is reported with its share", func(t *testing.T) {
		t.Parallel()
		_, conn, _ := handDatabase(ctx, t)
		if _, err := conn.Exec(ctx, `
			UPDATE sqp.search_query_performance SET asin_impression_count = total_query_impression_count + 10
			WHERE search_query = 'red shoes'
			  AND asin_performance_id = (SELECT id FROM sqp.asin_performance_data WHERE asin = 'B0ACME0001' AND marketplace = 'US' AND start_date = '2024-07-21')`); err != nil {
			t.Fatal(err)
		}
		// One query of 2 is above its total, but the week's sum stays below: only a sum above counts.
		if _, err := conn.Exec(ctx, `
			UPDATE sqp.search_query_performance SET asin_impression_count = 10000
			WHERE search_query = 'wool socks'`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `REFRESH MATERIALIZED VIEW public.brand_product_segments;
			SELECT public.brand_level_refresh(false)`); err != nil {
			t.Fatal(err)
		}
		got := checks(validate(t, conn))
		// wool socks: B0ACME0002's week of 4 August, its August month and its third quarter.
		if got["asin_count_above_total"] != 3 || got["share_out_of_range"] != 3 || len(got) != 2 {
			t.Errorf("violations by check = %v, want 3 asin_count_above_total and 3 share_out_of_range", got)
		}
	})
}

// brandText prints a brand row with its numeric texts (not their pointers), to compare and to show.
func brandText(r brandRow) string {
	shares := deref(r.ImpressionShare) + " " + deref(r.PurchaseShare) + " " + deref(r.AvgPrice)
	r.ImpressionShare, r.PurchaseShare, r.AvgPrice = nil, nil, nil
	return fmt.Sprintf("%+v shares/price %s", r, shares)
}
