package schema_test

import (
	"testing"
)

// quartersSeed is data as the schema before quarterly segments held it: two marketplaces, a week that
// crosses the end of a quarter (27 September 2026 to 3 October) and one in the next quarter.
const quartersSeed = `
INSERT INTO public.brands (id, brand_name, display_name) VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'acme', 'Acme');
INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title) VALUES
  ('B000000001', '00000000-0000-0000-0000-0000000000b1', 'One'),
  ('B000000002', '00000000-0000-0000-0000-0000000000b1', 'Two');
INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date) VALUES
  (1, 'B000000001', 'US', '2026-09-20', '2026-09-26'),
  (2, 'B000000001', 'US', '2026-09-27', '2026-10-03'),
  (3, 'B000000001', 'US', '2026-10-04', '2026-10-10'),
  (4, 'B000000002', 'US', '2026-09-27', '2026-10-03'),
  (5, 'B000000001', 'UK', '2026-10-04', '2026-10-10');
INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count,
  asin_impression_count, total_click_count, asin_click_count, total_cart_add_count, asin_cart_add_count,
  total_purchase_count, asin_purchase_count, asin_median_purchase_price, currency_code) VALUES
  (1, 'shoes', 1000, 100, 100, 10, 20, 4, 10, 2, 19.99, 'USD'),
  (2, 'shoes', 1100, 120, 110, 12, 22, 5, 11, 3, 18.00, 'USD'),
  (2, 'boots', 500, 50, 50, 5, 10, 2, 5, 1, 29.50, 'USD'),
  (3, 'shoes', 900, 90, 90, 9, 18, 3, 9, 1, 21.00, 'USD'),
  (4, 'shoes', 1100, 40, 110, 4, 22, 1, 11, 1, 15.00, 'USD'),
  (5, 'shoes', 300, 30, 30, 3, 6, 1, 3, 1, 12.00, 'GBP');
`

// TestQuartersMigration applies main's schema from before quarterly segments (a copy of it is testdata),
// loads data, then applies the repository's schema.hcl: no report, query row or weekly and monthly segment
// is lost or changed, the segment views gain their quarterly rows, and the metadata functions, whose result
// gained two columns, are replaced with their grants. The plan needs no approval: it drops nothing that
// holds data (the views are rebuilt from the base rows).
func TestQuartersMigration(t *testing.T) {
	tg := newMigration(t, "testdata/schema_before_quarters.hcl")
	tg.exec(quartersSeed)
	tg.exec(`REFRESH MATERIALIZED VIEW public.brand_product_segments;
		REFRESH MATERIALIZED VIEW public.brand_marketplace_segments;
		REFRESH MATERIALIZED VIEW public.brand_query_weeks`)
	// Everything but the quarterly rows, which the old schema does not have.
	const kept = `
		SELECT format('reports %s, query rows %s, sums %s/%s/%s, segments %s, brand segments %s',
		  (SELECT count(*) FROM sqp.asin_performance_data),
		  (SELECT count(*) FROM sqp.search_query_performance),
		  sum(asin_impression_count), sum(total_purchase_count), sum(asin_median_purchase_price * asin_purchase_count),
		  (SELECT string_agg(format('%s %s %s %s %s %s %s', marketplace, asin, segment_type, period_start, asin_impressions,
		                            total_purchases, data_points_count), ', ' ORDER BY marketplace, asin, segment_type, period_start)
		     FROM public.brand_product_segments WHERE segment_type IN ('weekly', 'monthly')),
		  (SELECT string_agg(format('%s %s %s %s %s %s', marketplace, segment_type, period_start, asin_impressions,
		                            total_impressions, weeks_with_data), ', ' ORDER BY marketplace, segment_type, period_start)
		     FROM public.brand_marketplace_segments WHERE segment_type IN ('weekly', 'monthly')))
		FROM sqp.search_query_performance`
	before := tg.queryString(kept)
	grants := `SELECT string_agg(format('%s %s', p.proname, p.proacl), ', ' ORDER BY p.proname)
		FROM pg_proc p WHERE p.proname IN ('get_product_segment_metadata', 'get_marketplace_segment_metadata')`
	grantsBefore := tg.queryString(grants)

	tg.applyRepo()
	if after := tg.queryString(kept); after != before {
		t.Errorf("data changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	if after := tg.queryString(grants); after != grantsBefore {
		t.Errorf("grants of the metadata functions:\nbefore %s\nafter  %s", grantsBefore, after)
	}
	// The week of 27 September counts wholly in Q3, the week of 4 October in Q4.
	got := tg.queryString(`SELECT string_agg(format('%s %s %s..%s %s %s', marketplace, asin, period_start, period_end,
		asin_impressions, data_points_count), ', ' ORDER BY marketplace, asin, period_start)
		FROM public.brand_product_segments WHERE segment_type = 'quarterly'`)
	want := "UK B000000001 2026-10-01..2026-12-31 30 1, US B000000001 2026-07-01..2026-09-30 270 2, " +
		"US B000000001 2026-10-01..2026-12-31 90 1, US B000000002 2026-07-01..2026-09-30 40 1"
	if got != want {
		t.Errorf("quarterly segments after the migration:\n got %s\nwant %s", got, want)
	}
	// Brand level: the market of "shoes" in the week of 27 September counts once (1,100), not per ASIN.
	got = tg.queryString(`SELECT string_agg(format('%s %s %s %s %s', marketplace, period_start, asin_impressions,
		total_impressions, weeks_with_data), ', ' ORDER BY marketplace, period_start)
		FROM public.brand_marketplace_segments WHERE segment_type = 'quarterly'`)
	want = "UK 2026-10-01 30 300 1, US 2026-07-01 310 2600 2, US 2026-10-01 90 900 1"
	if got != want {
		t.Errorf("quarterly brand segments after the migration:\n got %s\nwant %s", got, want)
	}
	got = tg.queryString(`SELECT string_agg(format('%s %s %s %s', asin, weekly_count, monthly_count, quarterly_count), ', ' ORDER BY asin)
		FROM public.get_product_segment_metadata('00000000-0000-0000-0000-0000000000b1', '2026-09-20', '2026-10-10')`)
	if want := "B000000001 3 2 2, B000000002 1 1 1"; got != want {
		t.Errorf("get_product_segment_metadata after the migration: %s, want %s", got, want)
	}
	if v := tg.queryString(`SELECT coalesce(string_agg(format('%s %s %s %s', check_name, asin, segment_type, detail), '; '), '')
		FROM public.validate_brand_product_segments()`); v != "" {
		t.Errorf("violations after the migration: %s", v)
	}
	tg.requireUpToDate()
}
