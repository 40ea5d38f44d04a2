package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/demo"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// demoTestData generates a small dataset (about 10,000 query rows) for a fixed date, and the sums the
// database must end up holding, computed from the generator's rows.
func demoTestData(t *testing.T) (*demo.Dataset, DemoData, demoSums) {
	t.Helper()
	ds, err := demo.New(demo.Options{Scale: 0.05, Seed: 42, Reference: time.Date(2026, 2, 11, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var s demoSums
	for r := range ds.Reports() {
		for _, q := range r.Queries {
			s.impressions += q.ASINImpressionCount
			s.purchases += q.ASINPurchaseCount
			if q.ASINMedianPurchasePrice != nil {
				s.purchasePriceCents += int64(*q.ASINMedianPurchasePrice)
			}
		}
	}
	var brands []DemoBrand
	for _, b := range ds.Brands() {
		brands = append(brands, DemoBrand{Name: b.Name, DisplayName: b.DisplayName, Active: b.Active})
	}
	return ds, DemoData{Brands: brands, Mappings: ds.Mappings(), ASINWeeks: ds.ASINWeeks(), Reports: ds.Reports()}, s
}

type demoSums struct {
	impressions, purchases, purchasePriceCents int64
}

// storedDemo reads back what LoadDemo must have written.
func storedDemo(t *testing.T, db *DB) (DemoCounts, demoSums) {
	t.Helper()
	var (
		c DemoCounts
		s demoSums
	)
	err := db.pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM public.brands), (SELECT count(*) FROM public.asin_brand_mapping),
		       (SELECT count(*) FROM sqp.asin_performance_data), count(*),
		       coalesce(sum(asin_impression_count), 0), coalesce(sum(asin_purchase_count), 0),
		       coalesce(sum(asin_median_purchase_price * 100), 0)::bigint
		FROM sqp.search_query_performance`).
		Scan(&c.Brands, &c.Mappings, &c.ASINWeeks, &c.QueryRows, &s.impressions, &s.purchases, &s.purchasePriceCents)
	if err != nil {
		t.Fatalf("read back demo data: %v", err)
	}
	return c, s
}

func openTestDB(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestLoadDemo(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	ds, data, sums := demoTestData(t)
	want := ds.Counts()

	t.Run("an empty database has no data", func(t *testing.T) {
		if has, err := db.HasData(ctx); err != nil || has {
			t.Fatalf("HasData = %t, %v; want false", has, err)
		}
	})

	var progressed int64
	got, err := db.LoadDemo(ctx, data, DemoLoadOptions{Progress: func(n int64) { progressed = n }})
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	t.Run("every generated row is stored", func(t *testing.T) {
		wantCounts := DemoCounts{Brands: int64(want.Brands), Mappings: int64(want.Products), ASINWeeks: int64(want.ASINWeeks), QueryRows: int64(want.QueryRows)}
		stored, storedSums := storedDemo(t, db)
		if got != wantCounts || stored != wantCounts {
			t.Fatalf("LoadDemo reported %+v, database holds %+v, generator made %+v", got, stored, wantCounts)
		}
		if storedSums != sums {
			t.Fatalf("database sums %+v, generated sums %+v", storedSums, sums)
		}
		if progressed != int64(want.QueryRows) {
			t.Fatalf("last progress report %d, want %d", progressed, want.QueryRows)
		}
		if has, err := db.HasData(ctx); err != nil || !has {
			t.Fatalf("HasData after load = %t, %v; want true", has, err)
		}
	})

	t.Run("a second load into a database with data is refused and changes nothing", func(t *testing.T) {
		_, data, _ := demoTestData(t)
		_, err := db.LoadDemo(ctx, data, DemoLoadOptions{})
		if apperr.CodeOf(err) != apperr.ECONFLICT {
			t.Fatalf("second LoadDemo: %v, want ECONFLICT", err)
		}
		if stored, _ := storedDemo(t, db); stored != got {
			t.Fatalf("after the refused load the database holds %+v, want %+v", stored, got)
		}
	})

	t.Run("replace reloads the same data and keeps the brand ids", func(t *testing.T) {
		_, data, _ := demoTestData(t)
		idsBefore := brandIDs(t, db)
		again, err := db.LoadDemo(ctx, data, DemoLoadOptions{Replace: true})
		if err != nil {
			t.Fatalf("LoadDemo with Replace: %v", err)
		}
		stored, storedSums := storedDemo(t, db)
		if again != got || stored != got || storedSums != sums {
			t.Fatalf("after replace: reported %+v, stored %+v %+v; want %+v %+v", again, stored, storedSums, got, sums)
		}
		if idsAfter := brandIDs(t, db); idsAfter != idsBefore {
			t.Fatalf("brand ids changed on replace:\n%s\n%s", idsBefore, idsAfter)
		}
	})

	t.Run("after the refresh every weekly segment runs Sunday to Saturday and a concurrent refresh succeeds", func(t *testing.T) {
		out, err := db.RefreshSegments(ctx, refreshlog.Request{Force: true, Trigger: refreshlog.TriggerCLI, RequestedBy: "test"})
		if err != nil || out.Status != refreshlog.StatusSuccess {
			t.Fatalf("refresh: %+v, %v", out, err)
		}
		var weekly, offWeeks, inactive int
		err = db.pool.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE segment_type = 'weekly'),
			       count(*) FILTER (WHERE segment_type = 'weekly'
			                          AND (extract(dow FROM period_start) <> 0 OR period_end <> period_start + 6)),
			       count(*) FILTER (WHERE NOT EXISTS (
			           SELECT 1 FROM public.asin_brand_mapping m JOIN public.brands b ON b.id = m.brand_id
			           WHERE m.asin = s.asin AND m.is_active AND b.is_active))
			FROM public.brand_product_segments s`).Scan(&weekly, &offWeeks, &inactive)
		if err != nil {
			t.Fatal(err)
		}
		if weekly == 0 || offWeeks != 0 || inactive != 0 {
			t.Fatalf("%d weekly segments, %d not Sunday to Saturday, %d of inactive brands or mappings", weekly, offWeeks, inactive)
		}
		if _, err := db.pool.Exec(ctx, `REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments`); err != nil {
			t.Fatalf("concurrent refresh: %v", err)
		}
	})
}

// brandIDs lists brand names and ids in one string, to compare before and after a reload.
func brandIDs(t *testing.T, db *DB) string {
	t.Helper()
	var s string
	err := db.pool.QueryRow(context.Background(),
		`SELECT string_agg(brand_name || '=' || id::text, ',' ORDER BY brand_name) FROM public.brands`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
