package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// segmentsFromScratch computes the rows brand_product_segments must hold from the base rows alone, written
// independently of sqp.report_totals, sqp.segment_sums and their triggers: the query rows grouped per report,
// the reports of active mappings of active brands grouped into their week, the month and the quarter their
// week starts in. Its columns are the view's, in the view's order.
const segmentsFromScratch = `
	WITH reports AS (
		SELECT a.asin, a.marketplace, a.start_date, a.end_date, m.brand_id,
		       sum(q.total_query_impression_count) AS ti, sum(q.asin_impression_count) AS ai,
		       sum(q.total_click_count) AS tc, sum(q.asin_click_count) AS ac,
		       sum(q.total_cart_add_count) AS tca, sum(q.asin_cart_add_count) AS aca,
		       sum(q.total_purchase_count) AS tp, sum(q.asin_purchase_count) AS ap,
		       coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL), 0) AS pp,
		       coalesce(sum(q.asin_median_purchase_price * q.asin_purchase_count), 0) AS amount
		  FROM sqp.search_query_performance q
		  JOIN sqp.asin_performance_data a ON a.id = q.asin_performance_id
		  JOIN public.asin_brand_mapping m ON m.asin = a.asin AND m.is_active
		  JOIN public.brands b ON b.id = m.brand_id AND b.is_active
		 GROUP BY a.id, m.brand_id
	), periods AS (
		SELECT r.*, p.segment_type, p.period_start, p.period_end
		  FROM reports r
		 CROSS JOIN LATERAL (VALUES
		       ('weekly', r.start_date, r.start_date + 6),
		       ('monthly', date_trunc('month', r.start_date)::date,
		        (date_trunc('month', r.start_date) + interval '1 month - 1 day')::date),
		       ('quarterly', date_trunc('quarter', r.start_date)::date,
		        (date_trunc('quarter', r.start_date) + interval '3 months - 1 day')::date)) AS p (segment_type, period_start, period_end)
	)
	SELECT brand_id, marketplace, asin, segment_type, period_start, period_end,
	       sum(ti)::bigint, sum(ai)::bigint, sum(tc)::bigint, sum(ac)::bigint,
	       sum(tca)::bigint, sum(aca)::bigint, sum(tp)::bigint, sum(ap)::bigint,
	       round(100.0 * sum(ai) / nullif(sum(ti), 0), 2), round(100.0 * sum(ac) / nullif(sum(tc), 0), 2),
	       round(100.0 * sum(aca) / nullif(sum(tca), 0), 2), round(100.0 * sum(ap) / nullif(sum(tp), 0), 2),
	       round(100.0 * sum(ac) / nullif(sum(ai), 0), 2), round(100.0 * sum(ap) / nullif(sum(ac), 0), 2),
	       round(sum(amount) / nullif(sum(pp), 0), 2),
	       count(*)::integer, min(start_date), max(end_date), sum(amount), sum(pp)::bigint
	  FROM periods
	 GROUP BY brand_id, marketplace, asin, segment_type, period_start, period_end`

// segmentsDiff refreshes brand_product_segments (concurrently or not) in tx and compares its rows with
// segmentsFromScratch as text (so a numeric of another scale differs too); "" means equal. It also returns
// the view's row count.
func segmentsDiff(ctx context.Context, t *testing.T, tx pgx.Tx, concurrently bool) (string, int) {
	t.Helper()
	refresh := `REFRESH MATERIALIZED VIEW public.brand_product_segments`
	if concurrently {
		refresh = `REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments`
	}
	if _, err := tx.Exec(ctx, refresh); err != nil {
		t.Fatalf("%s: %v", refresh, err)
	}
	rows, err := tx.Query(ctx, `
		WITH want AS (SELECT w::text AS r FROM (`+segmentsFromScratch+`) w),
		     got AS (SELECT g::text AS r FROM public.brand_product_segments g)
		SELECT 'missing ' || r FROM (SELECT r FROM want EXCEPT ALL SELECT r FROM got) m
		UNION ALL
		SELECT 'unexpected ' || r FROM (SELECT r FROM got EXCEPT ALL SELECT r FROM want) u
		ORDER BY 1 LIMIT 20`)
	if err != nil {
		t.Fatalf("compare brand_product_segments: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("compare brand_product_segments: %v", err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM public.brand_product_segments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n"), n
}

// requireExactSegments runs what an operator runs by hand right after a write, REFRESH MATERIALIZED VIEW
// (plainly, then concurrently: both read sqp.segment_sums), in a transaction it rolls back, and fails the
// test unless both give the rows of segmentsFromScratch. It returns the row count.
func requireExactSegments(ctx context.Context, t *testing.T, conn *pgx.Conn, step string) int {
	t.Helper()
	var n int
	for _, concurrently := range []bool{false, true} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		diff, rows := segmentsDiff(ctx, t, tx, concurrently)
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if diff != "" {
			t.Fatalf("after %s, a refresh (concurrently: %v) gives rows that differ from the base rows:\n%s", step, concurrently, diff)
		}
		n = rows
	}
	return n
}

// TestSegmentSumsStayExact changes the base tables in every way the application and an operator can (query
// rows, reports, mappings, brands, imports, a rollback, truncates), and checks after each statement that a
// REFRESH of brand_product_segments, plain or concurrent, gives exactly the segments of the base rows: the
// triggers keep sqp.segment_sums, the view's only input, exact without the refresh doing anything.
func TestSegmentSumsStayExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, conn, _ := handDatabase(ctx, t)
	db := openDB(t, url)

	if n := requireExactSegments(ctx, t, conn, "loading the hand dataset one row at a time"); n < 20 {
		t.Fatalf("the hand dataset makes only %d segments: the comparison would prove little", n)
	}
	var nullRates int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public.brand_product_segments WHERE ctr_pct IS NULL OR purchase_share_pct IS NULL`).Scan(&nullRates); err != nil {
		t.Fatal(err)
	}
	if nullRates == 0 {
		t.Fatal("no segment has a NULL rate: the comparison would not cover them")
	}

	// The reports below: B0ACME0001 (acme) in US from 2024-07-21; B0GLOBX001 (globex) from 2024-08-25.
	steps := []struct{ name, sql string }{
		{"a multi-row insert of a new report's queries", `
			WITH r AS (
				INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date)
				VALUES ('B0ACME0001', 'US', DATE '2024-09-01', DATE '2024-09-07') RETURNING id)
			INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count,
			       asin_click_count, total_purchase_count, asin_median_purchase_price, currency_code)
			SELECT r.id, v.q, v.p, v.c, 100, v.price, 'USD'
			  FROM r, (VALUES ('zeta', 5, 9, 19.99), ('alpha', 5, 9, NULL), ('mid', 5, 10, 5.5)) AS v (q, p, c, price)`},
		{"a report without queries", `
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date)
			VALUES ('B0ACME0001', 'UK', DATE '2024-09-01', DATE '2024-09-07')`},
		{"an update of counts and prices", `
			UPDATE sqp.search_query_performance
			   SET asin_purchase_count = asin_purchase_count + 3, asin_click_count = asin_click_count + 1,
			       asin_median_purchase_price = coalesce(asin_median_purchase_price, 1.25)
			 WHERE search_query IN ('alpha', 'red shoes') OR id % 3 = 0`},
		{"an update that moves query rows to another report (another marketplace)", `
			UPDATE sqp.search_query_performance q
			   SET asin_performance_id = (SELECT a.id FROM sqp.asin_performance_data a
			                               WHERE a.asin = 'B0ACME0001' AND a.marketplace = 'UK' AND a.start_date = DATE '2024-09-01')
			 WHERE q.search_query IN ('zeta', 'mid')`},
		{"an update that changes nothing", `UPDATE sqp.search_query_performance SET search_query = search_query`},
		{"a price of another scale only", `
			UPDATE sqp.search_query_performance SET asin_median_purchase_price = 5.50 WHERE search_query = 'mid'`},
		{"a delete of some query rows", `DELETE FROM sqp.search_query_performance WHERE id % 4 = 1`},
		{"a delete of every query row of a report", `
			DELETE FROM sqp.search_query_performance
			 WHERE asin_performance_id = (SELECT min(asin_performance_id) FROM sqp.search_query_performance)`},
		{"a report moved to a week of another quarter", `
			UPDATE sqp.asin_performance_data SET start_date = DATE '2024-12-29', end_date = DATE '2025-01-04'
			 WHERE asin = 'B0GLOBX001' AND start_date = DATE '2024-09-29'`},
		{"a report moved to another ASIN (of another brand) and marketplace", `
			UPDATE sqp.asin_performance_data SET asin = 'B0GLOBX001', marketplace = 'DE'
			 WHERE asin = 'B0ACME0001' AND marketplace = 'US' AND start_date = DATE '2024-08-04'`},
		{"a delete of reports (cascading to their query rows and totals)", `
			DELETE FROM sqp.asin_performance_data
			 WHERE id IN (SELECT id FROM sqp.asin_performance_data WHERE asin = 'B0ACME0002' ORDER BY id DESC LIMIT 2)`},
		{"a mapping deactivated", `UPDATE public.asin_brand_mapping SET is_active = false WHERE asin = 'B0ACME0001'`},
		{"a mapping activated", `UPDATE public.asin_brand_mapping SET is_active = true WHERE asin = 'B0ACME0003'`},
		{"an ASIN moved to another brand", `
			UPDATE public.asin_brand_mapping SET brand_id = (SELECT id FROM public.brands WHERE brand_name = 'acme')
			 WHERE asin = 'B0GLOBX001'`},
		{"a new title only", `UPDATE public.asin_brand_mapping SET product_title = 'New title'`},
		{"a mapping deleted", `DELETE FROM public.asin_brand_mapping WHERE asin = 'B0ACME0002'`},
		{"an unmapped ASIN mapped", `
			INSERT INTO public.asin_brand_mapping (asin, brand_id)
			SELECT 'B0NOMAP001', id FROM public.brands WHERE brand_name = 'globex'`},
		{"a brand deactivated", `UPDATE public.brands SET is_active = false WHERE brand_name = 'acme'`},
		{"brands (de)activated at once", `UPDATE public.brands SET is_active = NOT is_active`},
		{"a statement that touches no row", `DELETE FROM sqp.search_query_performance WHERE false`},
	}
	for _, s := range steps {
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		requireExactSegments(ctx, t, conn, s.name)
	}
	if _, err := conn.Exec(ctx, `UPDATE public.brands SET is_active = true; UPDATE public.asin_brand_mapping SET is_active = true`); err != nil {
		t.Fatal(err)
	}
	requireExactSegments(ctx, t, conn, "every brand and mapping activated")

	// The import path: new weeks are copied into the table, existing weeks merged from the staging table by
	// sqp.import_merge_staged (delete, update and insert in one call).
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{
		totalsWeek("B0ACME0001", "2024-09-08", "new one", "new two"),
		totalsWeek("B0ACME0001", "2024-09-01", "alpha", "beta", "gamma", "delta"),
	}); err != nil {
		t.Fatal(err)
	}
	requireExactSegments(ctx, t, conn, "an import of a new and an existing week")
	reimport := totalsWeek("B0ACME0001", "2024-09-01", "gamma", "alpha", "epsilon")
	reimport.Queries[0].ASINPurchaseCount = 1000
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{reimport}); err != nil {
		t.Fatal(err)
	}
	requireExactSegments(ctx, t, conn, "a re-import that deletes, updates and inserts query rows")

	// Everything in one transaction that rolls back leaves the segments as they were.
	const sums = `SELECT md5(string_agg(s::text, ' ' ORDER BY s::text)) FROM sqp.segment_sums s`
	var before, after string
	if err := conn.QueryRow(ctx, sums).Scan(&before); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sqp.search_query_performance WHERE id % 2 = 0;
		UPDATE public.asin_brand_mapping SET is_active = false WHERE asin = 'B0ACME0001'`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, sums).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatal("a rolled back transaction changed sqp.segment_sums")
	}
	requireExactSegments(ctx, t, conn, "a rollback")

	// Truncates: of the mappings (then mapped again), of the query rows, of the reports.
	truncates := []struct{ name, sql string }{
		{"a TRUNCATE of the mappings", `TRUNCATE public.asin_brand_mapping`},
		{"the mappings inserted again", `
			INSERT INTO public.asin_brand_mapping (asin, brand_id)
			SELECT a.asin, (SELECT id FROM public.brands WHERE brand_name = 'globex')
			  FROM sqp.asin_performance_data a GROUP BY a.asin`},
		{"a TRUNCATE of the query rows", `TRUNCATE sqp.search_query_performance`},
		{"a TRUNCATE of the reports", `TRUNCATE sqp.asin_performance_data CASCADE`},
	}
	for i, s := range truncates {
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		n := requireExactSegments(ctx, t, conn, s.name)
		if wantRows := i == 1; (n > 0) != wantRows {
			t.Fatalf("after %s, brand_product_segments has %d rows", s.name, n)
		}
	}
}
