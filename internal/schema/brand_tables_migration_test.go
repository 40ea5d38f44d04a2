package schema_test

import (
	"strings"
	"testing"
)

// brandLevelRows is every row of both brand-level relations, every column, in key order.
const brandLevelRows = `
	SELECT (SELECT string_agg(w::text, '; ' ORDER BY w.brand_id, w.marketplace, w.search_query, w.week_start)
	          FROM public.brand_query_weeks w) || ' | ' ||
	       (SELECT string_agg(g::text, '; ' ORDER BY g.brand_id, g.marketplace, g.segment_type, g.period_start)
	          FROM public.brand_marketplace_segments g)`

// TestBrandTablesMigration applies main's schema from when brand_query_weeks and brand_marketplace_segments
// were materialized views (a copy of it is testdata), loads data and refreshes, then applies the repository's
// schema.hcl, where they are tables the refresh maintains: the plan needs no approval (the views' rows are
// derived, and the plan fills the tables in its transaction), its summary says the views were dropped and
// the tables filled, the tables hold exactly the rows the views held, the web role reads them, and the
// next change is maintained by the refresh.
func TestBrandTablesMigration(t *testing.T) {
	tg := newMigration(t, "testdata/schema_before_incremental_refresh.hcl")
	tg.exec(quartersSeed)
	tg.exec(`CALL public.refresh_brand_product_segments(p_force => true)`)
	before := tg.queryString(brandLevelRows)
	if !strings.Contains(before, "shoes") || !strings.Contains(before, "quarterly") {
		t.Fatalf("the views hold too little to compare: %s", before)
	}

	out := tg.applyRepo()
	for _, want := range []string{
		"dropped    2 materialized views: public.brand_marketplace_segments, public.brand_query_weeks",
		"filled     2 tables: public.brand_marketplace_segments, public.brand_query_weeks",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if after := tg.queryString(brandLevelRows); after != before {
		t.Errorf("brand-level rows changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	if got := tg.queryString(`SELECT string_agg(format('%s %s %s', c.relname, c.relkind,
			has_table_privilege('sqpdash_web', c.oid, 'SELECT')), ', ' ORDER BY c.relname)
		FROM pg_class c WHERE c.oid IN ('public.brand_query_weeks'::regclass, 'public.brand_marketplace_segments'::regclass)`); got != "brand_marketplace_segments r t, brand_query_weeks r t" {
		t.Errorf("relations after the migration: %s, want two tables the web role reads", got)
	}

	// A new week after the migration: recorded by the triggers and maintained by the refresh.
	tg.exec(`INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date) VALUES
		  (6, 'B000000002', 'US', '2026-10-04', '2026-10-10');
		INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count,
		  asin_impression_count, currency_code) VALUES (6, 'shoes', 900, 15, 'USD')`)
	tg.exec(`CALL public.refresh_brand_product_segments()`)
	if got := tg.queryString(`SELECT format('%s %s %s', asin_impressions, total_impressions, asin_count) FROM public.brand_query_weeks
		WHERE marketplace = 'US' AND search_query = 'shoes' AND week_start = '2026-10-04'`); got != "105 900 2" {
		t.Errorf("the week of 4 October after a new report: %s, want 105 900 2 (90 + 15 impressions, the market once, 2 ASINs)", got)
	}
	if got := tg.queryString(`SELECT format('%s %s', asin_impressions, total_impressions) FROM public.brand_marketplace_segments
		WHERE marketplace = 'US' AND segment_type = 'quarterly' AND period_start = '2026-10-01'`); got != "105 900" {
		t.Errorf("the brand's fourth quarter after a new report: %s, want 105 900", got)
	}
	tg.requireUpToDate()
}
