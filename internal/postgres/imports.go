package postgres

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// ImportWeeklyReports stores weekly reports in one transaction: all of them or, on any error, nothing.
//
// Each report replaces the query set of its ASIN-week in its marketplace (the report key is ASIN,
// marketplace and week: a UK report never touches the US report of the same ASIN-week): new queries are inserted, queries whose values
// differ are updated, and queries the report no longer holds are deleted. A row is written only when
// something really differs, so importing the same file twice writes nothing the second time and the
// change-tracking triggers do not mark the segments stale. A report without queries is skipped: Amazon
// leaves low-traffic ASINs out, which is not the same as zero traffic.
//
// The query rows of ASIN-weeks that already exist are bulk-loaded with COPY into the staging table
// sqp.import_staging and merged by sqp.import_merge_staged (delete, update, insert); those of new
// ASIN-weeks are copied straight into the table.
func (db *DB) ImportWeeklyReports(ctx context.Context, reports []sqp.WeeklyReport) (sqp.ImportCounts, error) {
	var counts sqp.ImportCounts
	weeks := make([]sqp.WeeklyReport, 0, len(reports))
	for _, r := range reports {
		if len(r.Queries) > 0 {
			weeks = append(weeks, r)
		}
	}
	if len(weeks) == 0 {
		return counts, nil
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockImports(ctx, tx); err != nil {
			return err
		}
		ids, isNew, err := upsertASINWeeks(ctx, tx, weeks)
		if err != nil {
			return err
		}
		var fresh, existing weekRows
		for i, r := range weeks {
			if isNew[i] {
				fresh.add(r, ids[i])
			} else {
				existing.add(r, ids[i])
			}
		}
		// A week created just now has no rows to compare with: its rows go straight into the table.
		if len(fresh.ids) > 0 {
			n, err := tx.CopyFrom(ctx, pgx.Identifier{"sqp", "search_query_performance"}, queryRowColumns, fresh.source())
			if err != nil {
				return fmt.Errorf("copy query rows of new ASIN-weeks: %w", err)
			}
			counts.ASINWeeksNew = len(fresh.ids)
			counts.QueryRowsInserted = int(n)
		}
		if len(existing.ids) == 0 {
			return nil
		}
		if err := stageQueryRows(ctx, tx, existing); err != nil {
			return err
		}
		changed, err := mergeQueryRows(ctx, tx, existing, &counts)
		if err != nil {
			return err
		}
		counts.ASINWeeksChanged = changed
		counts.ASINWeeksUnchanged = len(existing.ids) - changed
		return nil
	})
	if err != nil {
		return sqp.ImportCounts{}, fmt.Errorf("import %d weekly reports: %w", len(weeks), err)
	}
	return counts, nil
}

// weekRows is a set of weekly reports with the ids of their asin_performance_data rows.
type weekRows struct {
	reports []sqp.WeeklyReport
	ids     []int64
}

func (w *weekRows) add(r sqp.WeeklyReport, id int64) {
	w.reports = append(w.reports, r)
	w.ids = append(w.ids, id)
}

// source streams the query rows of all reports to COPY, in the column order of queryRowColumns.
func (w *weekRows) source() pgx.CopyFromSource {
	var r, q int
	return pgx.CopyFromFunc(func() ([]any, error) {
		for r < len(w.reports) && q >= len(w.reports[r].Queries) {
			r, q = r+1, 0
		}
		if r == len(w.reports) {
			return nil, nil
		}
		row := queryRowValues(w.ids[r], &w.reports[r].Queries[q])
		q++
		return row, nil
	})
}

// lockImports makes concurrent imports (the command line and an admin upload, say) take turns until the
// end of the transaction. Without it two imports of the same new ASIN-week would each miss the other's
// uncommitted row and one would fail on a unique key.
func lockImports(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('sqpdash import', 0))`); err != nil {
		return fmt.Errorf("wait for other imports: %w", err)
	}
	return nil
}

// upsertASINWeeks creates the asin_performance_data rows that do not exist yet and returns the id of
// every report's row (in report order) and whether it was created now.
func upsertASINWeeks(ctx context.Context, tx pgx.Tx, reports []sqp.WeeklyReport) ([]int64, []bool, error) {
	asins := make([]string, len(reports))
	markets := make([]string, len(reports))
	starts := make([]time.Time, len(reports))
	index := make(map[asinWeek]int, len(reports))
	for i, r := range reports {
		if !sqp.IsImportable(r.Marketplace) {
			return nil, nil, fmt.Errorf("ASIN %s week of %s: marketplace %q is not an Amazon marketplace", r.ASIN, r.WeekStart.Format(time.DateOnly), r.Marketplace)
		}
		asins[i], markets[i], starts[i] = r.ASIN, r.Marketplace, r.WeekStart
		key := asinWeek{r.ASIN, r.Marketplace, dayOf(r.WeekStart)}
		if _, dup := index[key]; dup {
			return nil, nil, fmt.Errorf("ASIN %s week of %s in marketplace %s appears twice in one import", r.ASIN, r.WeekStart.Format(time.DateOnly), r.Marketplace)
		}
		index[key] = i
	}
	// The second SELECT reads the snapshot taken before the INSERT, so it sees only rows that existed.
	const q = `
		WITH input AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::date[]) AS i (asin, marketplace, start_date)
		), created AS (
			INSERT INTO sqp.asin_performance_data (asin, marketplace, start_date, end_date)
			SELECT asin, marketplace, start_date, start_date + 6 FROM input
			ON CONFLICT (asin, marketplace, start_date, end_date) DO NOTHING
			RETURNING id, asin, marketplace, start_date
		)
		SELECT id, asin::text, marketplace, start_date, true FROM created
		UNION ALL
		SELECT a.id, a.asin::text, a.marketplace, a.start_date, false
		FROM sqp.asin_performance_data a
		JOIN input i ON a.asin = i.asin AND a.marketplace = i.marketplace AND a.start_date = i.start_date
		            AND a.end_date = i.start_date + 6`
	rows, _ := tx.Query(ctx, q, asins, markets, starts)
	ids := make([]int64, len(reports))
	isNew := make([]bool, len(reports))
	var (
		id      int64
		asin    string
		market  string
		start   time.Time
		created bool
	)
	_, err := pgx.ForEachRow(rows, []any{&id, &asin, &market, &start, &created}, func() error {
		i, ok := index[asinWeek{asin, market, dayOf(start)}]
		if !ok {
			return fmt.Errorf("unexpected ASIN-week %s %s %s", asin, market, start.Format(time.DateOnly))
		}
		ids[i], isNew[i] = id, created
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create ASIN-weeks: %w", err)
	}
	for i, id := range ids {
		if id == 0 {
			return nil, nil, fmt.Errorf("ASIN-week %s %s was neither created nor found", reports[i].ASIN, reports[i].WeekStart.Format(time.DateOnly))
		}
	}
	return ids, isNew, nil
}

// stageQueryRows copies the query rows of ASIN-weeks that already exist into sqp.import_staging, where
// sqp.import_merge_staged picks up the rows of this transaction (and only those).
func stageQueryRows(ctx context.Context, tx pgx.Tx, w weekRows) error {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sqp", "import_staging"}, queryRowColumns, w.source()); err != nil {
		return fmt.Errorf("copy query rows to staging: %w", err)
	}
	return nil
}

// mergeQueryRows makes the stored query sets of the staged ASIN-weeks equal to the staged ones, adds the
// row counts to counts and returns how many of the ASIN-weeks were changed.
//
// The merge runs in the SECURITY DEFINER sqp.import_merge_staged because the web role may neither UPDATE
// nor DELETE report rows (docs/security.md): the function changes only the ASIN-weeks this transaction
// staged. It uses three set-based statements rather than one INSERT ... ON CONFLICT: an upsert visits and
// locks every conflicting row even when nothing changes, which makes re-importing a file as slow as
// importing it and writes to every page it touches.
func mergeQueryRows(ctx context.Context, tx pgx.Tx, w weekRows, counts *sqp.ImportCounts) (int, error) {
	var (
		deleted, updated, inserted int64
		changed                    []int64
	)
	const merge = `SELECT deleted, updated, inserted, changed FROM sqp.import_merge_staged()`
	if err := tx.QueryRow(ctx, merge).Scan(&deleted, &updated, &inserted, &changed); err != nil {
		return 0, fmt.Errorf("merge staged query rows: %w", err)
	}
	counts.QueryRowsDeleted += int(deleted)
	counts.QueryRowsUpdated += int(updated)
	counts.QueryRowsInserted += int(inserted)
	staged := make(map[int64]bool, len(w.ids))
	for _, id := range w.ids {
		staged[id] = true
	}
	n := 0
	for _, id := range changed {
		if staged[id] {
			n++
		}
	}
	return n, nil
}

// ImportBrandMappings creates the brands the mappings name that do not exist yet (display name = brand
// name, active) and creates or updates each ASIN's mapping, in one transaction. Like the report import it
// writes only rows that really change, so re-importing the same file changes nothing.
func (db *DB) ImportBrandMappings(ctx context.Context, mappings []sqp.BrandMapping) (sqp.MappingCounts, error) {
	var counts sqp.MappingCounts
	if len(mappings) == 0 {
		return counts, nil
	}
	asins := make([]string, len(mappings))
	brands := make([]string, len(mappings))
	titles := make([]string, len(mappings))
	active := make([]bool, len(mappings))
	for i, m := range mappings {
		asins[i], brands[i], titles[i], active[i] = m.ASIN, m.Brand, m.ProductTitle, m.Active
	}
	// The mapping upsert sees the brands created by the same statement through created's RETURNING; the
	// foreign key is checked at the end of the statement, when they exist.
	const q = `
		WITH input AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[]) AS i (asin, brand, title, active)
		), created AS (
			INSERT INTO public.brands (brand_name, display_name)
			SELECT DISTINCT brand, brand FROM input
			ON CONFLICT (brand_name) DO NOTHING
			RETURNING id, brand_name
		), brand_ids AS (
			SELECT id, brand_name FROM created
			UNION ALL
			SELECT b.id, b.brand_name FROM public.brands b WHERE b.brand_name IN (SELECT brand FROM input)
		), upserted AS (
			INSERT INTO public.asin_brand_mapping AS m (asin, brand_id, product_title, is_active)
			SELECT i.asin, b.id, NULLIF(i.title, ''), i.active
			FROM input i JOIN brand_ids b ON b.brand_name = i.brand
			ON CONFLICT (asin) DO UPDATE
			SET brand_id = EXCLUDED.brand_id, product_title = EXCLUDED.product_title,
			    is_active = EXCLUDED.is_active, updated_at = now()
			WHERE (m.brand_id, m.product_title, m.is_active)
			      IS DISTINCT FROM (EXCLUDED.brand_id, EXCLUDED.product_title, EXCLUDED.is_active)
			RETURNING (m.xmax = 0) AS inserted
		)
		SELECT (SELECT count(*) FROM created),
		       (SELECT count(*) FILTER (WHERE inserted) FROM upserted),
		       (SELECT count(*) FILTER (WHERE NOT inserted) FROM upserted)`
	var created, inserted, updated int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockImports(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRow(ctx, q, asins, brands, titles, active).Scan(&created, &inserted, &updated)
	})
	if err != nil {
		return counts, fmt.Errorf("import %d brand mappings: %w", len(mappings), err)
	}
	counts.BrandsCreated = int(created)
	counts.MappingsNew = int(inserted)
	counts.MappingsChanged = int(updated)
	counts.MappingsUnchanged = len(mappings) - counts.MappingsNew - counts.MappingsChanged
	return counts, nil
}

// UnmappedASINs returns those of asins that no brand mapping names, in the order given: their reports
// are stored but the dashboard, which shows brands' products, cannot show them yet.
func (db *DB) UnmappedASINs(ctx context.Context, asins []string) ([]string, error) {
	const q = `
		SELECT u.asin
		FROM unnest($1::text[]) WITH ORDINALITY AS u (asin, n)
		WHERE NOT EXISTS (SELECT 1 FROM public.asin_brand_mapping m WHERE m.asin = u.asin)
		ORDER BY u.n`
	rows, _ := db.pool.Query(ctx, q, asins)
	unmapped, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find unmapped ASINs among %d: %w", len(asins), err)
	}
	return unmapped, nil
}

// The rows of sqp.search_query_performance as COPY writes them, for the import (stageQueryRows) and for
// the demo data (copyDemoQueryRows), so that both fill the same columns the same way.

// asinWeek keys a weekly report by ASIN, marketplace and the day number of its Sunday.
type asinWeek struct {
	asin   string
	market string
	day    int64
}

func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// queryRowColumns are the columns of sqp.search_query_performance that a report fills, in the order of
// queryRowValues.
var queryRowColumns = []string{
	"asin_performance_id", "search_query", "search_query_score", "search_query_volume",
	"total_query_impression_count", "asin_impression_count", "total_click_count", "asin_click_count",
	"total_cart_add_count", "asin_cart_add_count", "total_purchase_count", "asin_purchase_count",
	"total_median_click_price", "asin_median_click_price", "total_median_cart_add_price",
	"asin_median_cart_add_price", "total_median_purchase_price", "asin_median_purchase_price",
	"currency_code",
	"total_same_day_shipping_click_count", "total_one_day_shipping_click_count", "total_two_day_shipping_click_count",
	"total_same_day_shipping_cart_add_count", "total_one_day_shipping_cart_add_count", "total_two_day_shipping_cart_add_count",
	"total_same_day_shipping_purchase_count", "total_one_day_shipping_purchase_count", "total_two_day_shipping_purchase_count",
}

func queryRowValues(weekID int64, q *sqp.QueryRow) []any {
	return []any{
		weekID, q.SearchQuery, q.SearchQueryScore, q.SearchQueryVolume,
		q.TotalQueryImpressionCount, q.ASINImpressionCount, q.TotalClickCount, q.ASINClickCount,
		q.TotalCartAddCount, q.ASINCartAddCount, q.TotalPurchaseCount, q.ASINPurchaseCount,
		centsValue(q.TotalMedianClickPrice), centsValue(q.ASINMedianClickPrice), centsValue(q.TotalMedianCartAddPrice),
		centsValue(q.ASINMedianCartAddPrice), centsValue(q.TotalMedianPurchasePrice), centsValue(q.ASINMedianPurchasePrice),
		nullIfEmpty(q.CurrencyCode),
		q.TotalSameDayShippingClicks, q.TotalOneDayShippingClicks, q.TotalTwoDayShippingClicks,
		q.TotalSameDayShippingCartAdds, q.TotalOneDayShippingCartAdds, q.TotalTwoDayShippingCartAdds,
		q.TotalSameDayShippingPurchases, q.TotalOneDayShippingPurchases, q.TotalTwoDayShippingPurchases,
	}
}

// centsValue is a price as numeric(12,2), or NULL.
func centsValue(c *sqp.Cents) pgtype.Numeric {
	if c == nil {
		return pgtype.Numeric{}
	}
	return pgtype.Numeric{Int: big.NewInt(int64(*c)), Exp: -2, Valid: true}
}
