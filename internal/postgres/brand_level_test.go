package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// brandLevelDiff counts the rows in which a brand-level table and its definition (the view it is kept equal
// to) differ, both ways, duplicates included.
func brandLevelDiff(ctx context.Context, t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	q := `SELECT count(*) FROM ((SELECT * FROM public.` + table + ` EXCEPT ALL SELECT * FROM public.` + table + `_build)
		UNION ALL (SELECT * FROM public.` + table + `_build EXCEPT ALL SELECT * FROM public.` + table + `)) d`
	if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
		t.Fatalf("compare %s with its definition: %v", table, err)
	}
	return n
}

// brandLevelImage is every row of both brand-level tables with its physical place and writing transaction:
// a row rewritten by a refresh, even with the same values, changes its image.
func brandLevelImage(ctx context.Context, t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var img string
	err := conn.QueryRow(ctx, `SELECT
		(SELECT coalesce(string_agg(ctid::text || xmin::text, ',' ORDER BY ctid), '') FROM public.brand_query_weeks) || '|' ||
		(SELECT coalesce(string_agg(ctid::text || xmin::text, ',' ORDER BY ctid), '') FROM public.brand_marketplace_segments)`).Scan(&img)
	if err != nil {
		t.Fatalf("read brand-level rows: %v", err)
	}
	return img
}

// brandLevelContent is every row of both definitions, in key order: what a change must alter.
func brandLevelContent(ctx context.Context, t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var s string
	err := conn.QueryRow(ctx, `SELECT
		(SELECT coalesce(string_agg(b::text, ';' ORDER BY b.brand_id, b.marketplace, b.search_query, b.week_start), '') FROM public.brand_query_weeks_build b) || '|' ||
		(SELECT coalesce(string_agg(b::text, ';' ORDER BY b.brand_id, b.marketplace, b.segment_type, b.period_start), '') FROM public.brand_marketplace_segments_build b)`).Scan(&s)
	if err != nil {
		t.Fatalf("read brand-level definitions: %v", err)
	}
	return s
}

// TestBrandLevelTablesFollowChanges changes the base tables in every way the triggers track, refreshes
// through the procedure after each change (only the changed slices are rebuilt) and compares
// brand_query_weeks and brand_marketplace_segments with their definitions evaluated from scratch. Each
// change must alter the definitions (so the maintenance had work to do), and a forced refresh after the
// last one, or a refresh after a change that matters to neither table, rewrites no row.
func TestBrandLevelTablesFollowChanges(t *testing.T) {
	ctx := context.Background()
	_, conn, ids := handDatabase(ctx, t)
	refresh := func(force bool) {
		t.Helper()
		var status string
		if err := conn.QueryRow(ctx, `CALL public.refresh_brand_product_segments(p_force => $1)`, force).Scan(&status, nil, nil, nil, nil, nil, nil, nil); err != nil {
			t.Fatalf("refresh (force %t): %v", force, err)
		}
		if status != "success" {
			t.Fatalf("refresh (force %t): status %s, want success", force, status)
		}
	}
	check := func(step string) {
		t.Helper()
		for _, table := range []string{"brand_query_weeks", "brand_marketplace_segments"} {
			if n := brandLevelDiff(ctx, t, conn, table); n != 0 {
				t.Errorf("%s: %s differs from its definition in %d rows", step, table, n)
			}
		}
		var pending int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM public.brand_slice_changes`).Scan(&pending); err != nil || pending != 0 {
			t.Errorf("%s: %d slices still recorded after the refresh (%v), want 0", step, pending, err)
		}
	}
	check("hand dataset")
	for _, table := range []string{"brand_query_weeks", "brand_marketplace_segments"} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM public.`+table).Scan(&n); err != nil || n == 0 {
			t.Fatalf("%s has %d rows (%v): the comparison would prove nothing", table, n, err)
		}
	}

	steps := []struct{ name, sql string }{
		{"a new week of an ASIN, with a query another ASIN of the brand has too", `
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date) VALUES ('B0ACME0002', 'US', '2024-08-11', '2024-08-17');
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date) VALUES ('B0ACME0001', 'US', '2024-08-11', '2024-08-17');
			INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count, asin_impression_count,
				total_click_count, asin_click_count, total_purchase_count, asin_purchase_count, asin_median_purchase_price, currency_code)
			SELECT a.id, 'red shoes', 5000, 200 + length(a.asin), 500, 20, 50, 4, 27.50, 'USD'
			  FROM sqp.asin_performance_data a WHERE a.start_date = '2024-08-11'`},
		{"changed counts and prices of query rows", `
			UPDATE sqp.search_query_performance SET asin_click_count = asin_click_count + 3, asin_median_purchase_price = 31.00
			 WHERE search_query IN ('red shoes', 'desk lamp')`},
		{"query rows deleted, their report kept", `
			DELETE FROM sqp.search_query_performance WHERE search_query = 'trail shoes'`},
		{"a report deleted (its query rows go with it)", `
			DELETE FROM sqp.asin_performance_data WHERE asin = 'B0GLOBX001' AND start_date = '2024-09-01'`},
		{"a mapping moved to another brand", `
			UPDATE public.asin_brand_mapping SET brand_id = '` + ids["globex"] + `' WHERE asin = 'B0ACME0002'`},
		{"a brand deactivated", `
			UPDATE public.brands SET is_active = false WHERE brand_name = 'acme'`},
		{"a brand activated", `
			UPDATE public.brands SET is_active = true WHERE brand_name IN ('acme', 'initech')`},
		{"a mapping deactivated, another activated", `
			UPDATE public.asin_brand_mapping SET is_active = NOT is_active WHERE asin IN ('B0ACME0001', 'B0ACME0003')`},
		{"a marketplace added, with a price in another currency than its own", `
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date) VALUES ('B0GLOBX001', 'DE', '2024-10-06', '2024-10-12');
			INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count, asin_impression_count,
				total_click_count, asin_click_count, total_purchase_count, asin_purchase_count, asin_median_purchase_price, total_median_purchase_price, currency_code)
			SELECT a.id, q.query, 800, 80, 80, 8, 10, 2, q.price, q.price, q.currency
			  FROM sqp.asin_performance_data a,
			       (VALUES ('schreibtischlampe', 39.90, 'EUR'), ('desk lamp', 35.00, 'USD')) AS q (query, price, currency)
			 WHERE a.asin = 'B0GLOBX001' AND a.marketplace = 'DE'`},
		{"an ASIN mapped for the first time, and a mapping deleted", `
			INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title) VALUES ('B0NOMAP001', '` + ids["initech"] + `', 'Mystery');
			DELETE FROM public.asin_brand_mapping WHERE asin = 'B0INIT0001'`},
		{"a report moved to another week", `
			UPDATE sqp.asin_performance_data SET start_date = '2024-08-18', end_date = '2024-08-24'
			 WHERE asin = 'B0ACME0002' AND start_date = '2024-08-11'`},
	}
	for _, s := range steps {
		before := brandLevelContent(ctx, t, conn)
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if brandLevelContent(ctx, t, conn) == before {
			t.Fatalf("%s: the definitions did not change, the step tests nothing", s.name)
		}
		refresh(false)
		check(s.name)
	}

	// The price in dollars in the German marketplace counts in no price sum; the euro one does.
	var amount, priced, market *string
	if err := conn.QueryRow(ctx, `SELECT sum(purchase_price_amount)::text, sum(priced_purchases)::text, max(total_median_purchase_price)::text
		FROM public.brand_query_weeks WHERE marketplace = 'DE' AND search_query = 'desk lamp'`).Scan(&amount, &priced, &market); err != nil {
		t.Fatal(err)
	}
	if amount == nil || *amount != "0" || priced == nil || *priced != "0" || market != nil {
		t.Errorf("DE 'desk lamp' (priced in USD): amount %v, priced purchases %v, market median %v; want 0, 0, NULL", deref(amount), deref(priced), deref(market))
	}
	if err := conn.QueryRow(ctx, `SELECT sum(purchase_price_amount)::text, sum(priced_purchases)::text, max(currency_code)
		FROM public.brand_query_weeks WHERE marketplace = 'DE' AND search_query = 'schreibtischlampe'`).Scan(&amount, &priced, &market); err != nil {
		t.Fatal(err)
	}
	if deref(amount) != "79.80" || deref(priced) != "2" || deref(market) != "EUR" {
		t.Errorf("DE 'schreibtischlampe': amount %s, priced purchases %s, currency %s; want 79.80 (39.90 x 2), 2, EUR", deref(amount), deref(priced), deref(market))
	}

	// A change that matters to neither table (a title, a display name) records no slice and rewrites nothing;
	// nor does a forced refresh of unchanged data.
	img := brandLevelImage(ctx, t, conn)
	if _, err := conn.Exec(ctx, `UPDATE public.asin_brand_mapping SET product_title = 'Renamed' WHERE asin = 'B0GLOBX001';
		UPDATE public.brands SET display_name = 'Globex Corp' WHERE brand_name = 'globex'`); err != nil {
		t.Fatal(err)
	}
	refresh(false)
	check("a title and a display name changed")
	if brandLevelImage(ctx, t, conn) != img {
		t.Error("a refresh after a change that matters to neither table rewrote rows")
	}
	refresh(true)
	check("forced refresh")
	if brandLevelImage(ctx, t, conn) != img {
		t.Error("a forced refresh of unchanged data rewrote rows")
	}

	// A TRUNCATE marks every slice.
	if _, err := conn.Exec(ctx, `TRUNCATE sqp.search_query_performance`); err != nil {
		t.Fatal(err)
	}
	refresh(false)
	check("query rows truncated")
	var left int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM public.brand_query_weeks) + (SELECT count(*) FROM public.brand_marketplace_segments)`).Scan(&left); err != nil || left != 0 {
		t.Errorf("after the truncate, %d brand-level rows (%v), want 0", left, err)
	}
}

// TestMarketplaceCurrenciesMatchGo checks the marketplace_currencies view, which the brand-level price
// sums filter by, against the marketplaces the importer knows.
func TestMarketplaceCurrenciesMatchGo(t *testing.T) {
	ctx := context.Background()
	_, conn, _ := handDatabase(ctx, t)
	rows, err := conn.Query(ctx, `SELECT marketplace, currency::text FROM public.marketplace_currencies`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Market, Currency string }])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{sqp.LegacyEuro: sqp.MarketplaceOf(sqp.LegacyEuro).Currency}
	for _, m := range sqp.Marketplaces() {
		want[m.Code] = m.Currency
	}
	seen := map[string]string{}
	for _, r := range got {
		seen[r.Market] = r.Currency
	}
	for code, cur := range want {
		if seen[code] != cur {
			t.Errorf("marketplace %s: view says %q, internal/sqp says %q", code, seen[code], cur)
		}
	}
	if len(seen) != len(want) || len(got) != len(want) {
		t.Errorf("view has %d rows (%d marketplaces), internal/sqp knows %d", len(got), len(seen), len(want))
	}
}
