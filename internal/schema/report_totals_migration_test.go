package schema_test

import (
	"testing"
)

// reportTotalsSeed is data as the schema before sqp.report_totals held it: reports with several queries
// (ties on purchases and clicks, so the query text ranks them), one without queries, prices on some rows.
const reportTotalsSeed = `
INSERT INTO public.brands (id, brand_name, display_name) VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'acme', 'Acme');
INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title) VALUES
  ('B000000001', '00000000-0000-0000-0000-0000000000b1', 'One'),
  ('B000000002', '00000000-0000-0000-0000-0000000000b1', 'Two');
INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date) VALUES
  (1, 'B000000001', 'US', '2026-09-20', '2026-09-26'),
  (2, 'B000000001', 'US', '2026-09-27', '2026-10-03'),
  (3, 'B000000002', 'US', '2026-09-27', '2026-10-03'),
  (4, 'B000000001', 'UK', '2026-10-04', '2026-10-10'),
  (5, 'B000000002', 'US', '2026-10-04', '2026-10-10');
INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count,
  asin_impression_count, total_click_count, asin_click_count, total_cart_add_count, asin_cart_add_count,
  total_purchase_count, asin_purchase_count, asin_median_purchase_price, currency_code) VALUES
  (1, 'shoes', 1000, 100, 100, 10, 20, 4, 10, 2, 19.99, 'USD'),
  (1, 'boots', 800, 80, 90, 10, 20, 4, 10, 2, NULL, 'USD'),
  (1, 'socks', 700, 70, 50, 12, 20, 4, 10, 1, 3.50, 'USD'),
  (1, 'laces', 600, 60, 40, 1, 20, 4, 10, 0, NULL, 'USD'),
  (2, 'shoes', 1100, 120, 110, 12, 22, 5, 11, 3, 18.00, 'USD'),
  (2, 'boots', 500, 50, 50, 5, 10, 2, 5, 1, 29.50, 'USD'),
  (3, 'shoes', 1100, 40, 110, 4, 22, 1, 11, 1, 15.00, 'USD'),
  (4, 'shoes', 300, 30, 30, 3, 6, 1, 3, 1, 12.00, 'GBP');
`

// TestReportTotalsMigration applies main's schema from before sqp.report_totals (a copy of it is
// testdata), loads data, then applies the repository's schema.hcl: the plan fills report_totals from the
// existing query rows (the same totals as sqp.report_totals_recompute, which then changes nothing), no
// report, query row or segment is lost or changed, the segment views read the totals, and the triggers
// keep them from then on. The plan drops nothing that holds data, so it needs no approval.
func TestReportTotalsMigration(t *testing.T) {
	tg := newMigration(t, "testdata/schema_before_incremental_refresh.hcl")
	tg.exec(reportTotalsSeed)
	tg.exec(`REFRESH MATERIALIZED VIEW public.brand_product_segments;
		REFRESH MATERIALIZED VIEW public.brand_query_weeks;
		REFRESH MATERIALIZED VIEW public.brand_marketplace_segments`)
	const kept = `
		SELECT format('reports %s, query rows %s, segments %s, brand segments %s',
		  (SELECT string_agg(a::text, ' ' ORDER BY a.id) FROM sqp.asin_performance_data a),
		  (SELECT md5(string_agg(q::text, ' ' ORDER BY q.id)) FROM sqp.search_query_performance q),
		  (SELECT string_agg(s::text, ' ' ORDER BY s::text) FROM public.brand_product_segments s),
		  (SELECT string_agg(b::text, ' ' ORDER BY b::text) FROM public.brand_marketplace_segments b))`
	before := tg.queryString(kept)

	tg.applyRepo()
	if after := tg.queryString(kept); after != before {
		t.Errorf("data changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	const totals = `SELECT string_agg(format('%s: %s rows, %s/%s impressions, %s/%s clicks, %s/%s purchases, %s priced for %s, top %s %s %s',
		asin_performance_id, query_rows, asin_impressions, total_impressions, asin_clicks, total_clicks, asin_purchases,
		total_purchases, priced_purchases, purchase_price_amount, top_queries, top_query_purchases, top_query_clicks), '; '
		ORDER BY asin_performance_id) FROM sqp.report_totals`
	// By hand from the seed: report 1's four queries are ranked shoes and boots (2 purchases, 10 clicks:
	// the text decides), then socks; report 5 has no query.
	want := "1: 4 rows, 310/3100 impressions, 33/280 clicks, 5/40 purchases, 3 priced for 43.48, top {boots,shoes,socks} {2,2,1} {10,10,12}; " +
		"2: 2 rows, 170/1600 impressions, 17/160 clicks, 4/16 purchases, 4 priced for 83.50, top {shoes,boots} {3,1} {12,5}; " +
		"3: 1 rows, 40/1100 impressions, 4/110 clicks, 1/11 purchases, 1 priced for 15.00, top {shoes} {1} {4}; " +
		"4: 1 rows, 30/300 impressions, 3/30 clicks, 1/3 purchases, 1 priced for 12.00, top {shoes} {1} {3}; " +
		"5: 0 rows, 0/0 impressions, 0/0 clicks, 0/0 purchases, 0 priced for 0, top {} {} {}"
	if got := tg.queryString(totals); got != want {
		t.Errorf("report_totals filled by the apply:\n got %s\nwant %s", got, want)
	}
	// The apply's fill and the triggers' function are one definition: recomputing changes no row.
	requireRecomputeRewritesNothing(t, tg.target)
	// From now on the triggers keep it: a new query row of report 5 shows at once.
	tg.exec(`INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count, asin_click_count)
		VALUES (5, 'boots', 7, 9)`)
	if got := tg.queryString(`SELECT format('%s %s %s', query_rows, asin_purchases, top_queries) FROM sqp.report_totals WHERE asin_performance_id = 5`); got != "1 7 {boots}" {
		t.Errorf("report 5 after a new query row: %s, want 1 7 {boots}", got)
	}
	tg.requireUpToDate()
}

// requireRecomputeRewritesNothing checks that sqp.report_totals_recompute(NULL) writes no row of
// sqp.report_totals (their row versions stay): what the apply filled is what the triggers' function computes.
func requireRecomputeRewritesNothing(t *testing.T, tg *target) {
	t.Helper()
	const versions = `SELECT string_agg(xmin::text, ',' ORDER BY asin_performance_id) FROM sqp.report_totals`
	filled := tg.queryString(versions)
	tg.exec(`SELECT sqp.report_totals_recompute(NULL)`)
	if got := tg.queryString(versions); got != filled {
		t.Errorf("sqp.report_totals_recompute(NULL) rewrote rows the apply filled: row versions %s, then %s", filled, got)
	}
}
