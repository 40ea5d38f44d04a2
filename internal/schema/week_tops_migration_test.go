package schema_test

import (
	"testing"
)

// TestReportWeekTopsMigration applies main's schema from before sqp.report_totals repeated its report's key
// (a copy of it is testdata), loads data (reportTotalsSeed and a report whose top queries are three of 500
// ideographs, too long for an index entry), then applies the repository's schema.hcl: the plan adds the key
// columns and top_queries_indexed and fills them as sqp.report_totals_recompute sets them (which then
// changes no row), changes no total, report or segment, and the triggers keep the keys from then on. The
// plan drops nothing that holds data.
func TestReportWeekTopsMigration(t *testing.T) {
	tg := newMigration(t, "testdata/schema_before_week_tops.hcl")
	tg.exec(reportTotalsSeed)
	tg.exec(`
		INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date) VALUES
		  (6, 'B000000002', 'US', '2026-10-11', '2026-10-17');
		INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count, asin_click_count)
		SELECT 6, (SELECT string_agg(chr(19968 + (i * 7919 + n * 104729) % 20000), '') FROM generate_series(1, 500) i), n, 1
		  FROM generate_series(1, 3) n;
		REFRESH MATERIALIZED VIEW public.brand_product_segments;
		SELECT public.brand_level_refresh(true)`)
	const kept = `
		SELECT format('reports %s, totals %s, segments %s, brand segments %s',
		  (SELECT string_agg(a::text, ' ' ORDER BY a.id) FROM sqp.asin_performance_data a),
		  (SELECT md5(string_agg(format('%s %s %s %s %s %s', t.asin_performance_id, t.query_rows, t.asin_purchases,
		          t.purchase_price_amount, t.top_queries, t.top_query_clicks), ' ' ORDER BY t.asin_performance_id))
		     FROM sqp.report_totals t),
		  (SELECT md5(string_agg(s::text, ' ' ORDER BY s::text)) FROM public.brand_product_segments s),
		  (SELECT md5(string_agg(b::text, ' ' ORDER BY b::text)) FROM public.brand_marketplace_segments b))`
	before := tg.queryString(kept)

	tg.applyRepo()
	if after := tg.queryString(kept); after != before {
		t.Errorf("data changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	const keys = `SELECT string_agg(format('%s %s %s %s %s', t.asin_performance_id, t.asin, t.marketplace, t.start_date,
		t.top_queries_indexed), '; ' ORDER BY t.asin_performance_id) FROM sqp.report_totals t`
	// By hand from the seed: every report's key; only report 6's top queries (4,500 bytes) are too long.
	want := "1 B000000001 US 2026-09-20 t; 2 B000000001 US 2026-09-27 t; 3 B000000002 US 2026-09-27 t; " +
		"4 B000000001 UK 2026-10-04 t; 5 B000000002 US 2026-10-04 t; 6 B000000002 US 2026-10-11 f"
	if got := tg.queryString(keys); got != want {
		t.Errorf("report_totals' keys after the apply:\n got %s\nwant %s", got, want)
	}
	// The backfill and the triggers' function are one definition: recomputing changes no row.
	requireRecomputeRewritesNothing(t, tg.target)
	// From now on the triggers keep the keys: a report moved to another week moves in report_totals.
	tg.exec(`UPDATE sqp.asin_performance_data SET start_date = '2026-10-18', end_date = '2026-10-24' WHERE id = 5`)
	if got := tg.queryString(`SELECT format('%s %s', start_date, top_queries_indexed) FROM sqp.report_totals WHERE asin_performance_id = 5`); got != "2026-10-18 t" {
		t.Errorf("report 5 after its move to the week of 2026-10-18: %s", got)
	}
	tg.requireUpToDate()
}
