package postgres

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// DemoBrand is one brand of a demo dataset.
type DemoBrand struct {
	Name        string
	DisplayName string
	Active      bool
}

// DemoData is a generated dataset for LoadDemo. The ASIN-weeks are given apart from the reports so that
// the weekly rows can be written (and their ids learned) before the query rows stream in: the reports
// are generated while they are copied and never held all at once.
type DemoData struct {
	Brands    []DemoBrand
	Mappings  []sqp.BrandMapping // Brand is a DemoBrand's Name
	ASINWeeks iter.Seq2[string, time.Time]
	Reports   iter.Seq[sqp.WeeklyReport] // one per ASIN-week
}

// DemoLoadOptions control LoadDemo.
type DemoLoadOptions struct {
	// Replace deletes the existing mappings and reports (in the same transaction) instead of refusing to
	// load into a database that has data. Brands of the same name keep their ids and their users' grants.
	Replace bool
	// Progress, when set, is called with the number of query rows copied so far, every few thousand rows.
	Progress func(queryRows int64)
}

// DemoCounts are the rows LoadDemo wrote.
type DemoCounts struct {
	Brands    int64
	Mappings  int64
	ASINWeeks int64
	QueryRows int64
}

// demoProgressEvery is how many query rows pass between two Progress calls.
const demoProgressEvery = 20000

// HasData reports whether any brand, mapping or weekly report exists: demo data must not be mixed into
// real data, and `sqpdash demo --if-empty` loads only into an empty database.
func (db *DB) HasData(ctx context.Context) (bool, error) {
	var has bool
	if err := db.pool.QueryRow(ctx, hasDataSQL).Scan(&has); err != nil {
		return false, fmt.Errorf("check for existing data: %w", err)
	}
	return has, nil
}

const hasDataSQL = `
	SELECT EXISTS (SELECT 1 FROM public.brands)
	    OR EXISTS (SELECT 1 FROM public.asin_brand_mapping)
	    OR EXISTS (SELECT 1 FROM sqp.asin_performance_data)`

// LoadDemo writes a demo dataset in one transaction, the reports with COPY: either all of it is loaded or
// nothing.
// A database that already has data gives an ECONFLICT error unless opts.Replace. It does not refresh
// brand_product_segments; the caller does, through the one refresh path.
func (db *DB) LoadDemo(ctx context.Context, data DemoData, opts DemoLoadOptions) (DemoCounts, error) {
	var counts DemoCounts
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := emptyForDemo(ctx, tx, opts.Replace); err != nil {
			return err
		}
		brandIDs, err := copyDemoBrands(ctx, tx, data.Brands)
		if err != nil {
			return err
		}
		counts.Brands = int64(len(brandIDs))
		if counts.Mappings, err = copyDemoMappings(ctx, tx, data.Mappings, brandIDs); err != nil {
			return err
		}
		weekIDs, err := copyDemoASINWeeks(ctx, tx, data.ASINWeeks)
		if err != nil {
			return err
		}
		counts.ASINWeeks = int64(len(weekIDs))
		counts.QueryRows, err = copyDemoQueryRows(ctx, tx, data.Reports, weekIDs, opts.Progress)
		return err
	})
	if err != nil {
		return DemoCounts{}, fmt.Errorf("load demo data: %w", err)
	}
	return counts, nil
}

// emptyForDemo refuses a database with data, or, when replace is set, empties the mappings and reports.
// The refresh log is kept: it is history, not data.
func emptyForDemo(ctx context.Context, tx pgx.Tx, replace bool) error {
	var has bool
	if err := tx.QueryRow(ctx, hasDataSQL).Scan(&has); err != nil {
		return fmt.Errorf("check for existing data: %w", err)
	}
	if !has {
		return nil
	}
	if !replace {
		return apperr.Conflict("the database already has brands or reports; demo data is only loaded into an empty database (--replace deletes the existing data first)")
	}
	// Brands are kept (copyDemoBrands updates them by name and deletes the others): deleting a brand
	// deletes the users' grants on it, and the demo brands come back under the same names.
	// sqp.report_totals references the reports, so it is emptied with them (its triggers recompute nothing
	// for reports that are gone).
	const truncate = `
		TRUNCATE sqp.search_query_performance, sqp.report_totals, sqp.asin_performance_data, public.asin_brand_mapping
		RESTART IDENTITY`
	if _, err := tx.Exec(ctx, truncate); err != nil {
		return fmt.Errorf("empty base tables: %w", err)
	}
	return nil
}

// copyDemoBrands writes the brands and returns their ids by brand_name. A brand that exists under the
// same name keeps its id (and so the users' grants on it); brands not in the dataset are deleted.
func copyDemoBrands(ctx context.Context, tx pgx.Tx, brands []DemoBrand) (map[string]pgtype.UUID, error) {
	names, displays, active := make([]string, len(brands)), make([]string, len(brands)), make([]bool, len(brands))
	for i, b := range brands {
		names[i], displays[i], active[i] = b.Name, b.DisplayName, b.Active
	}
	if _, err := tx.Exec(ctx, `DELETE FROM public.brands WHERE brand_name <> ALL($1::text[])`, names); err != nil {
		return nil, fmt.Errorf("delete brands not in the demo dataset: %w", err)
	}
	const upsert = `
		INSERT INTO public.brands (brand_name, display_name, is_active)
		SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[])
		ON CONFLICT (brand_name) DO UPDATE
		SET display_name = EXCLUDED.display_name, is_active = EXCLUDED.is_active
		RETURNING brand_name, id`
	rows, _ := tx.Query(ctx, upsert, names, displays, active)
	ids := make(map[string]pgtype.UUID, len(brands))
	var (
		name string
		id   pgtype.UUID
	)
	_, err := pgx.ForEachRow(rows, []any{&name, &id}, func() error {
		ids[name] = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("write %d brands: %w", len(brands), err)
	}
	return ids, nil
}

func copyDemoMappings(ctx context.Context, tx pgx.Tx, mappings []sqp.BrandMapping, brandIDs map[string]pgtype.UUID) (int64, error) {
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"public", "asin_brand_mapping"},
		[]string{"asin", "brand_id", "product_title", "is_active"},
		pgx.CopyFromSlice(len(mappings), func(i int) ([]any, error) {
			m := mappings[i]
			id, ok := brandIDs[m.Brand]
			if !ok {
				return nil, fmt.Errorf("mapping of %s names unknown brand %q", m.ASIN, m.Brand)
			}
			return []any{m.ASIN, id, nullIfEmpty(m.ProductTitle), m.Active}, nil
		}))
	if err != nil {
		return 0, fmt.Errorf("copy %d brand mappings: %w", len(mappings), err)
	}
	return n, nil
}

// copyDemoASINWeeks writes the weekly report rows and returns their ids, which the query rows refer to.
// The demo dataset is one marketplace's: sqp.DefaultMarketplace.
func copyDemoASINWeeks(ctx context.Context, tx pgx.Tx, weeks iter.Seq2[string, time.Time]) (map[asinWeek]int64, error) {
	next, stop := iter.Pull2(weeks)
	defer stop()
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"sqp", "asin_performance_data"},
		[]string{"asin", "marketplace", "start_date", "end_date"},
		pgx.CopyFromFunc(func() ([]any, error) {
			asin, start, ok := next()
			if !ok {
				return nil, nil
			}
			return []any{asin, sqp.DefaultMarketplace, start, start.AddDate(0, 0, 6)}, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("copy weekly reports: %w", err)
	}
	rows, _ := tx.Query(ctx, `SELECT id, asin, start_date FROM sqp.asin_performance_data`)
	ids := map[asinWeek]int64{}
	var (
		id    int64
		asin  string
		start time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &asin, &start}, func() error {
		ids[asinWeek{asin, sqp.DefaultMarketplace, dayOf(start)}] = id
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read weekly report ids: %w", err)
	}
	return ids, nil
}

// copyDemoQueryRows streams the reports' query rows into search_query_performance.
func copyDemoQueryRows(ctx context.Context, tx pgx.Tx, reports iter.Seq[sqp.WeeklyReport], weekIDs map[asinWeek]int64, progress func(int64)) (int64, error) {
	next, stop := iter.Pull(reports)
	defer stop()
	var (
		report sqp.WeeklyReport
		weekID int64
		i      int
		copied int64
	)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for i >= len(report.Queries) {
			r, ok := next()
			if !ok {
				return nil, nil
			}
			id, found := weekIDs[asinWeek{r.ASIN, sqp.DefaultMarketplace, dayOf(r.WeekStart)}]
			if !found {
				return nil, fmt.Errorf("report %s of %s has no weekly row", r.ASIN, r.WeekStart.Format(time.DateOnly))
			}
			report, weekID, i = r, id, 0
		}
		row := queryRowValues(weekID, &report.Queries[i])
		i++
		copied++
		if progress != nil && copied%demoProgressEvery == 0 {
			progress(copied)
		}
		return row, nil
	})
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"sqp", "search_query_performance"}, queryRowColumns, src)
	if err != nil {
		return 0, fmt.Errorf("copy query rows: %w", err)
	}
	if progress != nil {
		progress(n)
	}
	return n, nil
}
