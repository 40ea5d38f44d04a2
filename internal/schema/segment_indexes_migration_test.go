package schema_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/schema"
)

// TestSegmentIndexesMigration applies main's schema from before three of brand_product_segments' indexes
// were left out (corrections #18; a copy of it is testdata), loads data and refreshes, then applies the
// repository's schema.hcl. Dropping an index is a step the plan asks for (an object no longer declared):
// refused without approval, nothing changes; approved, exactly those three indexes go, the view keeps
// its rows byte for byte and every other index, and REFRESH ... CONCURRENTLY still works on it.
func TestSegmentIndexesMigration(t *testing.T) {
	tg := newTarget(t)
	old := repoEnv(t, "testdata/schema_before_fewer_segment_indexes.hcl")
	tweak := func(o *schema.Options) { o.ConfigFile, o.Env = old, "repo" }
	approve := func(o *schema.Options) { tweak(o); o.AutoApprove = true }
	tg.mustApply("", tweak)
	tg.exec(reportTotalsSeed)
	tg.exec(`REFRESH MATERIALIZED VIEW public.brand_product_segments; SELECT public.brand_level_refresh(true)`)
	const rows = `SELECT string_agg(s::text, ' ' ORDER BY s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start) FROM public.brand_product_segments s`
	const indexes = `SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'brand_product_segments'`
	before, beforeIdx := tg.queryString(rows), tg.queryString(indexes)
	if n := strings.Count(before, "("); n != 10 {
		t.Fatalf("the seed makes %d segments: %s", n, before)
	}
	dropped := []string{"idx_brand_product_segments_brand", "idx_brand_product_segments_period", "idx_segments_brand_asin_type_period"}
	for _, name := range dropped {
		if !strings.Contains(beforeIdx, name) {
			t.Fatalf("main's schema has no index %s: %s", name, beforeIdx)
		}
	}

	repo := filepath.Join("..", "..", "schema.hcl")
	res, out, err := tg.apply(repo, tweak)
	if !errors.Is(err, schema.ErrDestructiveNotApproved) {
		t.Fatalf("apply without approval: %v, want it refused as destructive\n%s", err, out)
	}
	if res.Applied || tg.queryString(indexes) != beforeIdx {
		t.Fatalf("a refused plan changed the indexes: %s", tg.queryString(indexes))
	}
	var drops []string
	for _, s := range res.Plan.Statements {
		if s.Destructive {
			drops = append(drops, s.SQL)
		}
	}
	if want := "DROP INDEX public.idx_brand_product_segments_brand|DROP INDEX public.idx_brand_product_segments_period|DROP INDEX public.idx_segments_brand_asin_type_period"; strings.Join(drops, "|") != want {
		t.Errorf("destructive statements:\n%s\nwant %s", strings.Join(drops, "\n"), want)
	}

	res, out = tg.mustApply(repo, approve)
	if !res.Applied {
		t.Fatalf("not applied:\n%s", out)
	}
	wantIdx := beforeIdx
	for _, name := range dropped {
		wantIdx = strings.Replace(wantIdx, name+" ", "", 1)
	}
	if got := tg.queryString(indexes); got != wantIdx {
		t.Errorf("indexes after the apply:\n%s\nwant %s", got, wantIdx)
	}
	if after := tg.queryString(rows); after != before {
		t.Errorf("brand_product_segments changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	tg.exec(`INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_purchase_count, asin_click_count)
		VALUES (5, 'boots', 7, 9);
		REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments`)
	const week = `SELECT format('%s %s', asin_purchases, data_points_count) FROM public.brand_product_segments
		WHERE asin = 'B000000002' AND marketplace = 'US' AND segment_type = 'weekly' AND period_start = '2026-10-04'`
	if got := tg.queryString(week); got != "7 1" {
		t.Errorf("B000000002's week of 2026-10-04 after a concurrent refresh: %q, want 7 1", got)
	}
	if _, out := tg.mustApply(repo, tweak); !strings.Contains(out, "nothing to do") {
		t.Errorf("second apply planned changes:\n%s", out)
	}
}
