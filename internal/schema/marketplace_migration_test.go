package schema_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/schema"
)

// repoEnv writes an atlas.hcl for the repository's schemas whose src is file and returns its path.
func repoEnv(t *testing.T, file string) string {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "atlas.hcl")
	text := `env "repo" {
  url     = ""
  src     = "file://` + abs + `"
  schemas = ["public", "sqp"]
}
`
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// migration is a target that holds main's schema from before a change (a copy of it in testdata), to which
// the test applies the repository's schema.hcl.
type migration struct {
	*target
	tweak func(*schema.Options)
}

// newMigration applies the schema of before (a testdata file) to a new target.
func newMigration(t *testing.T, before string) migration {
	t.Helper()
	old := repoEnv(t, before)
	m := migration{target: newTarget(t), tweak: func(o *schema.Options) { o.ConfigFile, o.Env = old, "repo" }}
	m.mustApply("", m.tweak)
	return m
}

// applyRepo applies schema.hcl and returns apply's output; it fails the test unless a plan was applied
// without dropping anything that holds data (no approval needed).
func (m migration) applyRepo() string {
	m.t.Helper()
	res, out := m.mustApply(filepath.Join("..", "..", "schema.hcl"), m.tweak)
	if !res.Applied || res.Plan.Destructive {
		m.t.Fatalf("applied %v, destructive %v:\n%s", res.Applied, res.Plan.Destructive, out)
	}
	return out
}

// requireUpToDate checks that applying schema.hcl again plans nothing.
func (m migration) requireUpToDate() {
	m.t.Helper()
	if _, out := m.mustApply(filepath.Join("..", "..", "schema.hcl"), m.tweak); !strings.Contains(out, "nothing to do") {
		m.t.Errorf("second apply planned changes:\n%s", out)
	}
}

// migrationSeed is data as the schema before marketplaces held it: one report per ASIN-week, the
// marketplace only visible in the currency of the prices. Two ASINs share queries.
const migrationSeed = `
INSERT INTO public.brands (id, brand_name, display_name) VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'acme', 'Acme');
INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title) VALUES
  ('B000000001', '00000000-0000-0000-0000-0000000000b1', 'One'),
  ('B000000002', '00000000-0000-0000-0000-0000000000b1', 'Two'),
  ('B000000003', '00000000-0000-0000-0000-0000000000b1', 'Three'),
  ('B000000004', '00000000-0000-0000-0000-0000000000b1', 'Four');
INSERT INTO sqp.asin_performance_data (id, asin, start_date, end_date) VALUES
  (1, 'B000000001', '2026-11-01', '2026-11-07'),
  (2, 'B000000001', '2026-11-08', '2026-11-14'),
  (3, 'B000000002', '2026-11-01', '2026-11-07'),
  (4, 'B000000003', '2026-11-01', '2026-11-07'),
  (5, 'B000000004', '2026-11-29', '2026-12-05');
INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count,
  asin_impression_count, total_click_count, asin_click_count, total_cart_add_count, asin_cart_add_count,
  total_purchase_count, asin_purchase_count, asin_median_purchase_price, currency_code) VALUES
  (1, 'shoes', 1000, 100, 100, 10, 20, 4, 10, 2, 19.99, 'USD'),
  (1, 'boots', 500, 50, 50, 5, 10, 2, 5, 1, 29.50, 'USD'),
  (2, 'shoes', 1100, 120, 110, 12, 22, 5, 11, 3, 18.00, 'USD'),
  (3, 'shoes', 800, 40, 80, 4, 16, 1, 8, 1, 15.00, 'GBP'),
  (3, 'sandals', 300, 30, 30, 3, 6, 1, 3, 1, 12.00, 'GBP'),
  (4, 'shoes', 700, 70, 70, 7, 14, 2, 7, 2, 21.00, 'EUR'),
  (5, 'socks', 200, 20, 20, 2, 4, 0, 2, 0, NULL, NULL);
`

// totalsSQL is every count and amount of the base tables and the weekly and monthly segments, as one text
// to compare (the quarterly segments came later: TestQuartersMigration).
const totalsSQL = `
SELECT format('reports %s, query rows %s, sums %s/%s/%s/%s/%s/%s/%s/%s, price %s, segments %s, segment sums %s/%s/%s',
  (SELECT count(*) FROM sqp.asin_performance_data),
  (SELECT count(*) FROM sqp.search_query_performance),
  sum(total_query_impression_count), sum(asin_impression_count), sum(total_click_count), sum(asin_click_count),
  sum(total_cart_add_count), sum(asin_cart_add_count), sum(total_purchase_count), sum(asin_purchase_count),
  sum(asin_median_purchase_price * asin_purchase_count),
  (SELECT count(*) FROM public.brand_product_segments WHERE segment_type IN ('weekly', 'monthly')),
  (SELECT sum(asin_impressions) FROM public.brand_product_segments WHERE segment_type IN ('weekly', 'monthly')),
  (SELECT sum(total_purchases) FROM public.brand_product_segments WHERE segment_type IN ('weekly', 'monthly')),
  (SELECT sum(purchase_price_amount) FROM public.brand_product_segments WHERE segment_type IN ('weekly', 'monthly')))
FROM sqp.search_query_performance`

// TestMarketplaceMigration applies the schema from before marketplaces (a copy of it is testdata), loads
// data, then applies the repository's schema.hcl: nothing is lost, every report gets the marketplace its
// currency says (US by default, EU for euros, whose country was never stored), and the segments are rebuilt
// per marketplace. The plan needs no approval: it drops nothing that holds data.
func TestMarketplaceMigration(t *testing.T) {
	tg := newMigration(t, "testdata/schema_before_marketplace.hcl")
	tg.exec(migrationSeed)
	tg.exec(`REFRESH MATERIALIZED VIEW public.brand_product_segments`)
	before := tg.queryString(totalsSQL)

	tg.applyRepo()
	if after := tg.queryString(totalsSQL); after != before {
		t.Errorf("totals changed by the migration:\nbefore %s\nafter  %s", before, after)
	}
	got := tg.queryString(`SELECT string_agg(format('%s %s %s', asin, start_date, marketplace), ', ' ORDER BY id)
		FROM sqp.asin_performance_data`)
	want := "B000000001 2026-11-01 US, B000000001 2026-11-08 US, B000000002 2026-11-01 UK, " +
		"B000000003 2026-11-01 EU, B000000004 2026-11-29 US"
	if got != want {
		t.Errorf("marketplaces after the migration:\n got %s\nwant %s", got, want)
	}
	got = tg.queryString(`SELECT string_agg(format('%s %s %s %s', marketplace, asin, segment_type, asin_impressions), ', '
		ORDER BY marketplace, asin, segment_type, period_start) FROM public.brand_product_segments`)
	want = "EU B000000003 monthly 70, EU B000000003 quarterly 70, EU B000000003 weekly 70, " +
		"UK B000000002 monthly 70, UK B000000002 quarterly 70, UK B000000002 weekly 70, " +
		"US B000000001 monthly 270, US B000000001 quarterly 270, US B000000001 weekly 150, US B000000001 weekly 120, " +
		"US B000000004 monthly 20, US B000000004 quarterly 20, US B000000004 weekly 20"
	if got != want {
		t.Errorf("segments after the migration:\n got %s\nwant %s", got, want)
	}
	// A second report of the same ASIN-week in another marketplace is now possible; in the same one, not.
	tg.exec(`INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date)
		VALUES (6, 'B000000001', 'DE', '2026-11-01', '2026-11-07')`)
	if _, err := tg.conn().Exec(context.Background(), `INSERT INTO sqp.asin_performance_data (id, asin, marketplace, start_date, end_date)
		VALUES (7, 'B000000001', 'US', '2026-11-01', '2026-11-07')`); err == nil ||
		!strings.Contains(err.Error(), "asin_performance_data_asin_marketplace_start_date_end_date_key") {
		t.Errorf("a second US report of the same ASIN-week: %v, want a violation of the report key", err)
	}
	tg.requireUpToDate()
}
