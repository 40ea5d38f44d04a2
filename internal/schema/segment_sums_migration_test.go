package schema_test

import (
	"strings"
	"testing"
)

// TestSegmentSumsMigration applies main's schema from before sqp.segment_sums (a copy of it is testdata),
// loads data (reportTotalsSeed, with a second brand, an inactive mapping and an inactive brand), refreshes,
// then applies the repository's schema.hcl: the plan fills segment_sums from the report totals (the same
// sums as sqp.segment_sums_rebuild, which then changes nothing), brand_product_segments keeps its rows
// byte for byte, and the triggers keep the sums from then on. The plan drops nothing that holds data.
func TestSegmentSumsMigration(t *testing.T) {
	tg := newMigration(t, "testdata/schema_before_segment_sums.hcl")
	tg.exec(reportTotalsSeed)
	tg.exec(`
		INSERT INTO public.brands (id, brand_name, display_name, is_active) VALUES
		  ('00000000-0000-0000-0000-0000000000b2', 'globex', 'Globex', true),
		  ('00000000-0000-0000-0000-0000000000b3', 'initech', 'Initech', false);
		INSERT INTO public.asin_brand_mapping (asin, brand_id, is_active) VALUES
		  ('B000000003', '00000000-0000-0000-0000-0000000000b2', true),
		  ('B000000004', '00000000-0000-0000-0000-0000000000b2', false),
		  ('B000000005', '00000000-0000-0000-0000-0000000000b3', true);
		INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date) VALUES
		  (6, 'B000000003', 'US', '2026-12-27', '2027-01-02'),
		  (7, 'B000000004', 'US', '2026-10-04', '2026-10-10'),
		  (8, 'B000000005', 'US', '2026-10-04', '2026-10-10');
		INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count,
		  asin_impression_count, total_click_count, asin_click_count, total_cart_add_count, asin_cart_add_count,
		  total_purchase_count, asin_purchase_count, asin_median_purchase_price, currency_code) VALUES
		  (6, 'lamp', 500, 0, 50, 0, 10, 0, 0, 0, NULL, 'USD'),
		  (7, 'lamp', 500, 50, 50, 5, 10, 1, 5, 1, 9.50, 'USD'),
		  (8, 'lamp', 500, 50, 50, 5, 10, 1, 5, 1, 9.50, 'USD');
		REFRESH MATERIALIZED VIEW public.brand_product_segments;
		SELECT public.brand_level_refresh(true)`)
	const rows = `SELECT string_agg(s::text, ' ' ORDER BY s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start) FROM public.brand_product_segments s`
	before := tg.queryString(rows)
	if n := strings.Count(before, "("); n != 13 {
		t.Fatalf("the seed makes %d segments: %s", n, before)
	}

	tg.applyRepo()
	if after := tg.queryString(rows); after != before {
		t.Errorf("brand_product_segments changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	tg.exec(`REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments`)
	if after := tg.queryString(rows); after != before {
		t.Errorf("brand_product_segments changed by a refresh after the migration:\nbefore %s\nafter  %s", before, after)
	}
	// The apply's fill and the triggers' function are one definition: rebuilding gives the same rows.
	const sums = `SELECT string_agg(s::text, ' ' ORDER BY s.asin, s.marketplace, s.segment_type, s.period_start) FROM sqp.segment_sums s`
	filled := tg.queryString(sums)
	tg.exec(`SELECT sqp.segment_sums_rebuild(NULL)`)
	if got := tg.queryString(sums); got != filled {
		t.Errorf("sqp.segment_sums_rebuild(NULL) changed what the apply filled:\nfilled  %s\nrebuilt %s", filled, got)
	}
	// From now on the triggers keep it: a new query row of report 5 shows after a refresh.
	tg.exec(`INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count, asin_click_count)
		VALUES (5, 'boots', 7, 9);
		REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments`)
	const week = `SELECT format('%s %s %s', asin_purchases, asin_clicks, data_points_count) FROM public.brand_product_segments
		WHERE asin = 'B000000002' AND marketplace = 'US' AND segment_type = 'weekly' AND period_start = '2026-10-04'`
	if got := tg.queryString(week); got != "7 9 1" {
		t.Errorf("B000000002's week of 2026-10-04 after a new query row: %q, want 7 9 1", got)
	}
	tg.requireUpToDate()
}
