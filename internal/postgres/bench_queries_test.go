package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// loadedDemoDB returns a database holding the small demo dataset, refreshed, with the seed's view.
func loadedDemoDB(t *testing.T) (*DB, time.Time, time.Time) {
	t.Helper()
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	ds, data, _ := demoTestData(t)
	if _, err := db.LoadDemo(ctx, data, DemoLoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, err := db.RefreshSegments(ctx, refreshlog.Request{Force: true, Trigger: refreshlog.TriggerCLI, RequestedBy: "test"}); err != nil || out.Status != refreshlog.StatusSuccess {
		t.Fatalf("refresh: %+v, %v", out, err)
	}
	if err := db.CreateSeedSegments(ctx); err != nil {
		t.Fatal(err)
	}
	weeks := ds.Weeks()
	return db, weeks[0], weeks[len(weeks)-1].AddDate(0, 0, 6)
}

func TestBenchStatements(t *testing.T) {
	ctx := context.Background()
	db, from, to := loadedDemoDB(t)
	products, err := db.BenchProducts(ctx, 50)
	if err != nil || len(products) == 0 {
		t.Fatalf("BenchProducts: %d, %v", len(products), err)
	}

	t.Run("each brand's most seen search queries are listed, the most impressions first", func(t *testing.T) {
		queries, err := db.BenchQueries(ctx, 3)
		if err != nil || len(queries) == 0 {
			t.Fatalf("BenchQueries: %d, %v", len(queries), err)
		}
		perBrand := map[string][]BenchQuery{}
		for _, q := range queries {
			perBrand[q.BrandID] = append(perBrand[q.BrandID], q)
		}
		for brand, qs := range perBrand {
			if len(qs) > 3 {
				t.Fatalf("brand %s: %d queries, want at most 3", brand, len(qs))
			}
			var prev int64 = -1
			for _, q := range qs {
				var impr int64
				if err := db.pool.QueryRow(ctx, `
					SELECT sum(q.asin_impression_count)
					FROM sqp.search_query_performance q
					JOIN sqp.asin_performance_data a ON a.id = q.asin_performance_id
					JOIN public.asin_brand_mapping m ON m.asin = a.asin AND m.is_active
					WHERE m.brand_id = $1 AND a.marketplace = $2 AND q.search_query = $3`, brand, q.Marketplace, q.Query).Scan(&impr); err != nil {
					t.Fatal(err)
				}
				if prev >= 0 && impr > prev {
					t.Fatalf("brand %s: %q has %d impressions, more than the query before it (%d)", brand, q.Query, impr, prev)
				}
				prev = impr
			}
		}
	})

	t.Run("the live baseline computes the same expansion rows as the view", func(t *testing.T) {
		for _, p := range products[:10] {
			view := queryStrings(t, db, expansionFromViewSQL, p, from, to)
			live := queryStrings(t, db, expansionLiveSQL, p, from, to)
			if len(view) == 0 || len(view) != len(live) {
				t.Fatalf("product %s: %d rows from the view, %d live", p.ASIN, len(view), len(live))
			}
			for i := range view {
				if view[i] != live[i] {
					t.Fatalf("product %s, row %d:\nview %v\nlive %v", p.ASIN, i, view[i], live[i])
				}
			}
			n, err := db.ExpansionRows(ctx, p, from, to, true)
			if err != nil || n != len(view) {
				t.Fatalf("ExpansionRows(live) = %d, %v; want %d", n, err, len(view))
			}
		}
	})

	t.Run("a concurrent refresh of unchanged data rewrites no row of our view but every row of the seed's", func(t *testing.T) {
		ours, err := db.RefreshView(ctx, "public.brand_product_segments", RefreshOptions{Concurrent: true})
		if err != nil || ours.RowsInserted+ours.RowsDeleted != 0 {
			t.Fatalf("ours: %+v, %v", ours, err)
		}
		seed, err := db.RefreshView(ctx, SeedSegmentsView, RefreshOptions{Concurrent: true, WorkMem: "64MB"})
		var rows int64
		if err2 := db.pool.QueryRow(ctx, `SELECT count(*) FROM `+SeedSegmentsView).Scan(&rows); err2 != nil {
			t.Fatal(err2)
		}
		if err != nil || rows == 0 || seed.RowsInserted != rows || seed.RowsDeleted != rows {
			t.Fatalf("seed: %+v, %v; view has %d rows", seed, err, rows)
		}
	})

	t.Run("after the newest week changed a concurrent refresh rewrites only its segments", func(t *testing.T) {
		changed, err := db.ChangeNewestWeek(ctx)
		if err != nil || changed == 0 {
			t.Fatalf("ChangeNewestWeek: %d, %v", changed, err)
		}
		r, err := db.RefreshView(ctx, "public.brand_product_segments", RefreshOptions{Concurrent: true})
		var weekly, monthly, quarterly int64
		if err2 := db.pool.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE segment_type = 'weekly' AND period_start = $1),
			       count(*) FILTER (WHERE segment_type = 'monthly' AND period_start = date_trunc('month', $1::date)),
			       count(*) FILTER (WHERE segment_type = 'quarterly' AND period_start = date_trunc('quarter', $1::date))
			FROM public.brand_product_segments s
			WHERE EXISTS (SELECT 1 FROM public.brand_product_segments w
			              WHERE w.segment_type = 'weekly' AND w.period_start = $1 AND w.brand_id = s.brand_id
			                AND w.marketplace = s.marketplace AND w.asin = s.asin)`, to.AddDate(0, 0, -6)).Scan(&weekly, &monthly, &quarterly); err2 != nil {
			t.Fatal(err2)
		}
		// Each changed segment (of the products whose newest week changed) is deleted and inserted again.
		if want := 2 * (weekly + monthly + quarterly); err != nil || r.RowsInserted+r.RowsDeleted != want {
			t.Fatalf("refresh: %+v, %v; want %d rows rewritten (%d weekly, %d monthly and %d quarterly segments)", r, err, want, weekly, monthly, quarterly)
		}
	})

	t.Run("the brand-level tables rewrite the changed week's rows once, then nothing", func(t *testing.T) {
		var weekRows int64
		if err := db.pool.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM public.brand_query_weeks WHERE week_start = $1)
			     + (SELECT count(*) FROM public.brand_marketplace_segments g
			         WHERE ((segment_type = 'weekly' AND period_start = $1)
			            OR (segment_type = 'monthly' AND period_start = date_trunc('month', $1::date))
			            OR (segment_type = 'quarterly' AND period_start = date_trunc('quarter', $1::date)))
			           AND EXISTS (SELECT 1 FROM public.brand_marketplace_segments w
			                        WHERE w.segment_type = 'weekly' AND w.period_start = $1
			                          AND w.brand_id = g.brand_id AND w.marketplace = g.marketplace))`,
			to.AddDate(0, 0, -6)).Scan(&weekRows); err != nil || weekRows == 0 {
			t.Fatalf("rows of the newest week: %d, %v", weekRows, err)
		}
		// The subtest above changed the newest week: every row of it (and of its month and quarter) differs.
		r, err := db.RefreshView(ctx, "public.brand_marketplace_segments", RefreshOptions{Concurrent: true})
		if err != nil || r.RowsInserted != weekRows || r.RowsDeleted != weekRows {
			t.Fatalf("brand level: %+v, %v; want %d rows deleted and inserted", r, err, weekRows)
		}
		r, err = db.RefreshView(ctx, "public.brand_marketplace_segments", RefreshOptions{Concurrent: true})
		if err != nil || r.RowsInserted+r.RowsDeleted != 0 {
			t.Fatalf("brand level again: %+v, %v; want nothing rewritten", r, err)
		}
	})

	t.Run("settle vacuums and analyzes every table the changes above touched", func(t *testing.T) {
		counts := func() (vacuums, analyzes int64) {
			t.Helper()
			if err := db.pool.QueryRow(ctx, `
				SELECT sum(vacuum_count)::bigint, sum(analyze_count)::bigint FROM pg_stat_all_tables
				WHERE relid IN ('sqp.search_query_performance'::regclass, 'public.brand_product_segments'::regclass)`).Scan(&vacuums, &analyzes); err != nil {
				t.Fatal(err)
			}
			return vacuums, analyzes
		}
		v0, a0 := counts()
		s, err := db.Settle(ctx, time.Minute)
		if err != nil || s.Took <= 0 || s.Autovacuum != 0 {
			t.Fatalf("Settle: %+v, %v", s, err)
		}
		if v1, a1 := counts(); v1 != v0+2 || a1 != a0+2 {
			t.Fatalf("vacuums %d -> %d, analyzes %d -> %d of the query rows and our view: want one more of each per table", v0, v1, a0, a1)
		}
	})

	t.Run("a view that is not a segments view is refused", func(t *testing.T) {
		if _, err := db.RefreshView(ctx, "public.brands", RefreshOptions{}); err == nil {
			t.Fatal("RefreshView(public.brands) succeeded")
		}
	})

	t.Run("explain returns plans", func(t *testing.T) {
		for _, name := range []string{"expansion", "expansion-live", "segments-definition"} {
			plan, err := db.ExplainAnalyze(ctx, name, products[0], from, to)
			if err != nil || len(plan) == 0 {
				t.Fatalf("explain %s: %q, %v", name, plan, err)
			}
		}
	})
}

// queryStrings runs an expansion statement and returns its rows as text, to compare two statements.
func queryStrings(t *testing.T, db *DB, q string, p BenchProduct, from, to time.Time) []string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), q, p.BrandID, p.ASIN, from, to, p.Marketplace)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
