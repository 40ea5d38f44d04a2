package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// reportTotalsFromScratch aggregates every report's query rows again, written independently of the triggers'
// statement (GROUP BY and a window instead of a lateral per report), in the column order of sqp.report_totals.
const reportTotalsFromScratch = `
	WITH sums AS (
		SELECT q.asin_performance_id AS id, count(*)::integer AS query_rows,
		       sum(q.total_query_impression_count)::bigint AS ti, sum(q.asin_impression_count)::bigint AS ai,
		       sum(q.total_click_count)::bigint AS tc, sum(q.asin_click_count)::bigint AS ac,
		       sum(q.total_cart_add_count)::bigint AS tca, sum(q.asin_cart_add_count)::bigint AS aca,
		       sum(q.total_purchase_count)::bigint AS tp, sum(q.asin_purchase_count)::bigint AS ap,
		       coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL), 0)::bigint AS pp,
		       coalesce(sum(q.asin_median_purchase_price * q.asin_purchase_count), 0)::numeric AS amount
		  FROM sqp.search_query_performance q
		 GROUP BY q.asin_performance_id
	), ranked AS (
		SELECT q.asin_performance_id AS id, q.search_query, q.asin_purchase_count, q.asin_click_count,
		       row_number() OVER (PARTITION BY q.asin_performance_id
		                          ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query) AS rank
		  FROM sqp.search_query_performance q
	), top AS (
		SELECT r.id, array_agg(r.search_query ORDER BY r.rank) AS queries,
		       array_agg(r.asin_purchase_count ORDER BY r.rank) AS purchases,
		       array_agg(r.asin_click_count ORDER BY r.rank) AS clicks,
		       sum(octet_length(r.search_query)) AS bytes
		  FROM ranked r WHERE r.rank <= 3
		 GROUP BY r.id
	)
	SELECT a.id, coalesce(s.query_rows, 0), coalesce(s.ti, 0), coalesce(s.ai, 0), coalesce(s.tc, 0),
	       coalesce(s.ac, 0), coalesce(s.tca, 0), coalesce(s.aca, 0), coalesce(s.tp, 0), coalesce(s.ap, 0),
	       coalesce(s.pp, 0), coalesce(s.amount, 0),
	       coalesce(t.queries, '{}'), coalesce(t.purchases, '{}'), coalesce(t.clicks, '{}'),
	       a.asin, a.marketplace, a.start_date, coalesce(t.bytes, 0) <= 2000
	  FROM sqp.asin_performance_data a
	  LEFT JOIN sums s ON s.id = a.id
	  LEFT JOIN top t ON t.id = a.id`

// reportTotalsDiff compares sqp.report_totals with reportTotalsFromScratch row by row, as text (so a numeric
// of another scale differs too), and describes the differences; "" means equal. It also returns the row count.
func reportTotalsDiff(ctx context.Context, t *testing.T, conn *pgx.Conn) (string, int) {
	t.Helper()
	q := `
		WITH want AS (SELECT w::text AS r FROM (` + reportTotalsFromScratch + `) w),
		     got AS (SELECT g::text AS r FROM sqp.report_totals g)
		SELECT 'missing ' || r FROM (SELECT r FROM want EXCEPT ALL SELECT r FROM got) m
		UNION ALL
		SELECT 'unexpected ' || r FROM (SELECT r FROM got EXCEPT ALL SELECT r FROM want) u
		ORDER BY 1 LIMIT 20`
	rows, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatalf("compare report_totals: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("compare report_totals: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sqp.report_totals`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n"), n
}

// requireExactTotals fails the test unless sqp.report_totals equals a from-scratch aggregation and has
// wantRows rows.
func requireExactTotals(ctx context.Context, t *testing.T, conn *pgx.Conn, step string, wantRows int) {
	t.Helper()
	diff, n := reportTotalsDiff(ctx, t, conn)
	if diff != "" {
		t.Fatalf("after %s, report_totals differs from its base rows:\n%s", step, diff)
	}
	if n != wantRows {
		t.Fatalf("after %s, report_totals has %d rows, want %d (one per report)", step, n, wantRows)
	}
}

func countReports(ctx context.Context, t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sqp.asin_performance_data`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReportTotalsStayExact changes the base rows in every way the application and an operator can, and
// checks after each statement that sqp.report_totals equals the aggregation of the rows it summarises.
func TestReportTotalsStayExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, conn, _ := handDatabase(ctx, t)
	db := openDB(t, url)

	reports := countReports(ctx, t, conn)
	if reports == 0 {
		t.Fatal("the hand dataset has no report")
	}
	requireExactTotals(ctx, t, conn, "loading the hand dataset one row at a time", reports)
	var nonZero int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sqp.report_totals WHERE asin_purchases > 0 AND cardinality(top_queries) > 0`).Scan(&nonZero); err != nil {
		t.Fatal(err)
	}
	if nonZero == 0 {
		t.Fatal("no report has purchases or top queries: the comparison would prove nothing")
	}

	steps := []struct{ name, sql string }{
		{"a multi-row insert of a new report's queries (with ties on purchases and clicks)", `
			WITH r AS (
				INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date)
				VALUES ('B0ACME0001', 'US', DATE '2024-09-01', DATE '2024-09-07') RETURNING id)
			INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count,
			       asin_click_count, total_purchase_count, asin_median_purchase_price, currency_code)
			SELECT r.id, v.q, v.p, v.c, 100, v.price, 'USD'
			  FROM r, (VALUES ('zeta', 5, 9, 19.99), ('alpha', 5, 9, NULL), ('mid', 5, 10, 5.00),
			                  ('low', 1, 50, 2.50), ('none', 0, 0, NULL)) AS v (q, p, c, price)`},
		{"a report without queries", `
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date)
			VALUES ('B0ACME0001', 'UK', DATE '2024-09-01', DATE '2024-09-07')`},
		{"an update of counts and prices", `
			UPDATE sqp.search_query_performance
			   SET asin_purchase_count = asin_purchase_count + 3, asin_click_count = asin_click_count + 1,
			       asin_median_purchase_price = coalesce(asin_median_purchase_price, 1.25)
			 WHERE search_query IN ('alpha', 'low') OR id % 3 = 0`},
		{"an update that moves query rows to another report", `
			UPDATE sqp.search_query_performance q
			   SET asin_performance_id = (SELECT min(a.id) FROM sqp.asin_performance_data a
			                               WHERE a.marketplace = 'UK' AND a.start_date = DATE '2024-09-01')
			 WHERE q.search_query IN ('zeta', 'mid')
			   AND q.asin_performance_id = (SELECT a.id FROM sqp.asin_performance_data a
			                                 WHERE a.asin = 'B0ACME0001' AND a.marketplace = 'US' AND a.start_date = DATE '2024-09-01')`},
		{"an update that changes nothing", `UPDATE sqp.search_query_performance SET search_query = search_query`},
		{"a delete of some query rows", `DELETE FROM sqp.search_query_performance WHERE id % 4 = 1`},
		{"a delete of every query row of a report", `
			DELETE FROM sqp.search_query_performance
			 WHERE asin_performance_id = (SELECT min(asin_performance_id) FROM sqp.search_query_performance)`},
		{"a delete of reports (cascading to their query rows)", `
			DELETE FROM sqp.asin_performance_data
			 WHERE id IN (SELECT id FROM sqp.asin_performance_data ORDER BY id DESC LIMIT 2)`},
		{"an update that moves a report to another ASIN, marketplace and week (its key in report_totals)", `
			UPDATE sqp.asin_performance_data
			   SET asin = 'B0ACME0009', marketplace = 'DE', start_date = start_date + 7, end_date = end_date + 7
			 WHERE id = (SELECT min(asin_performance_id) FROM sqp.search_query_performance)`},
		{"an update of reports that leaves their keys", `UPDATE sqp.asin_performance_data SET updated_at = updated_at + interval '1 second'`},
		{"a mapping change (totals do not depend on mappings)", `UPDATE public.asin_brand_mapping SET is_active = NOT is_active`},
		{"a statement that touches no row", `DELETE FROM sqp.search_query_performance WHERE false`},
	}
	for _, s := range steps {
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		requireExactTotals(ctx, t, conn, s.name, countReports(ctx, t, conn))
	}

	// The import path: new weeks are copied into the table, existing weeks merged from the staging table
	// by sqp.import_merge_staged (delete, update and insert in one call).
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{
		totalsWeek("B0ACME0001", "2024-09-08", "new one", "new two"),
		totalsWeek("B0ACME0001", "2024-09-01", "alpha", "beta", "gamma", "delta"),
	}); err != nil {
		t.Fatal(err)
	}
	requireExactTotals(ctx, t, conn, "an import of a new and an existing week", countReports(ctx, t, conn))
	reimport := totalsWeek("B0ACME0001", "2024-09-01", "gamma", "alpha", "epsilon")
	reimport.Queries[0].ASINPurchaseCount = 1000
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{reimport}); err != nil {
		t.Fatal(err)
	}
	requireExactTotals(ctx, t, conn, "a re-import that deletes, updates and inserts query rows", countReports(ctx, t, conn))
	var top []string
	if err := conn.QueryRow(ctx, `
		SELECT t.top_queries FROM sqp.report_totals t JOIN sqp.asin_performance_data a ON a.id = t.asin_performance_id
		 WHERE a.asin = 'B0ACME0001' AND a.marketplace = 'US' AND a.start_date = DATE '2024-09-01'`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	// gamma's 1000 purchases first, then epsilon (3rd position: 6 purchases), then alpha (2nd: 4).
	if want := []string{"gamma", "epsilon", "alpha"}; !slices.Equal(top, want) {
		t.Errorf("top queries after the re-import = %q, want %q", top, want)
	}

	// Everything in one transaction that rolls back leaves the totals as they were.
	before, _ := reportTotalsDiff(ctx, t, conn)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sqp.search_query_performance`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if after, _ := reportTotalsDiff(ctx, t, conn); after != before {
		t.Fatalf("a rolled back delete changed report_totals:\n%s", after)
	}

	if _, err := conn.Exec(ctx, `TRUNCATE sqp.search_query_performance`); err != nil {
		t.Fatal(err)
	}
	requireExactTotals(ctx, t, conn, "a TRUNCATE of the query rows", countReports(ctx, t, conn))
	if _, err := conn.Exec(ctx, `TRUNCATE sqp.asin_performance_data CASCADE`); err != nil {
		t.Fatal(err)
	}
	requireExactTotals(ctx, t, conn, "a TRUNCATE of the reports", 0)
}

// TestReportTotalsTopQueriesAreTopQueries checks the contract of the top query columns: for every weekly
// report, the queries, purchases and clicks ranked live from its query rows for that week (postgres.LiveTopQueries:
// TopQueries itself now reads the table), in the same order.
func TestReportTotalsTopQueriesAreTopQueries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, conn, _ := handDatabase(ctx, t)
	db := openDB(t, url)
	// Ties on purchases and clicks, so the query text decides.
	if _, err := conn.Exec(ctx, `
		WITH r AS (
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date)
			VALUES ('B0ACME0001', 'US', DATE '2024-09-01', DATE '2024-09-07') RETURNING id)
		INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count, asin_click_count)
		SELECT r.id, v.q, v.p, v.c FROM r, (VALUES ('b', 2, 3), ('a', 2, 3), ('Z', 2, 3), ('c', 2, 4)) AS v (q, p, c)`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `
		SELECT a.asin, a.marketplace, a.start_date, t.top_queries, t.top_query_purchases, t.top_query_clicks
		  FROM sqp.report_totals t JOIN sqp.asin_performance_data a ON a.id = t.asin_performance_id
		 ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	type stored struct {
		ASIN, Market string
		Start        time.Time
		Queries      []string
		Purchases    []int64
		Clicks       []int64
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[stored])
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, s := range all {
		r := period.Range{From: s.Start, To: s.Start}
		want := postgres.LiveTopQueries(t, db, s.Market, s.ASIN, r)[s.Start.UTC()]
		var queries []string
		var purchases, clicks []int64
		for _, q := range want {
			queries = append(queries, q.Query)
			purchases = append(purchases, q.Counts.ASINPurchases)
			clicks = append(clicks, q.Counts.ASINClicks)
		}
		got := fmt.Sprint(s.Queries, s.Purchases, s.Clicks)
		if w := fmt.Sprint(queries, purchases, clicks); got != w {
			t.Errorf("%s %s week of %s: report_totals has %s, the query rows rank %s", s.ASIN, s.Market, s.Start.Format(time.DateOnly), got, w)
		}
		checked++
	}
	if checked < 2 {
		t.Fatalf("checked %d reports", checked)
	}
}

// openDB opens the storage on url, closed at the end of the test.
func openDB(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// totalsWeek builds a US weekly report whose queries' counts grow with their position (the n-th query has
// 2n ASIN purchases and 8n ASIN clicks), half of them priced.
func totalsWeek(asin, sunday string, queries ...string) sqp.WeeklyReport {
	start, err := time.Parse(time.DateOnly, sunday)
	if err != nil {
		panic(err)
	}
	r := sqp.WeeklyReport{ASIN: asin, Marketplace: "US", WeekStart: start, WeekEnd: start.AddDate(0, 0, 6)}
	for i, q := range queries {
		n := int64(i + 1)
		row := sqp.QueryRow{
			SearchQuery: q, TotalQueryImpressionCount: 900 * n, ASINImpressionCount: 90 * n, TotalClickCount: 80 * n,
			ASINClickCount: 8 * n, TotalCartAddCount: 40 * n, ASINCartAddCount: 4 * n, TotalPurchaseCount: 20 * n,
			ASINPurchaseCount: 2 * n, CurrencyCode: "USD",
		}
		if i%2 == 0 {
			price := sqp.Cents(2499 + n)
			row.ASINMedianPurchasePrice = &price
		}
		r.Queries = append(r.Queries, row)
	}
	return r
}

// TestBrandProductSegmentsComeInWholeRowOrder checks what keeps REFRESH ... CONCURRENTLY's duplicate check
// cheap: the view's query returns its rows in the order of their whole-row images (the *< operator the
// check's merge join sorts by), so that sorting them again finds them in order in one pass. A plain refresh
// writes the rows in the query's order, so the heap's order is the query's.
func TestBrandProductSegmentsComeInWholeRowOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn, _ := handDatabase(ctx, t)
	var rows, outOfOrder int
	var markets int
	if err := conn.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE NOT (x.prev OPERATOR(pg_catalog.*<) x.cur)), count(DISTINCT (x.cur).marketplace)
		  FROM (SELECT s AS cur, lag(s) OVER (ORDER BY s.ctid) AS prev FROM public.brand_product_segments s) x
		 WHERE x.prev IS NOT NULL`).Scan(&rows, &outOfOrder, &markets); err != nil {
		t.Fatal(err)
	}
	if rows < 10 || markets < 2 {
		t.Fatalf("only %d rows in %d marketplaces: the order would prove little", rows+1, markets)
	}
	if outOfOrder != 0 {
		t.Errorf("%d of %d rows follow a row whose whole-row image is not smaller", outOfOrder, rows+1)
	}
}
