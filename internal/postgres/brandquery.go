package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// BrandQueryWeeks returns the weeks of one search query of a brand in one marketplace over r, oldest
// first (the query page's trend): the rows of brand_query_weeks, read through its index (brand_id,
// marketplace, search_query, week_start), one row per week summed with the query view's own expression
// (sumBrandQueryWeeks), so a week of the trend and the query view's row agree to the last digit.
func (db *DB) BrandQueryWeeks(ctx context.Context, brandID, market, query string, r period.Range) ([]sqp.BrandQueryWeek, error) {
	q := `
		SELECT week_start, search_query AS query, ` + sumBrandQueryWeeks("$6") + `, 0::bigint AS total
		FROM public.brand_query_weeks
		WHERE brand_id = $1 AND marketplace = $2 AND search_query = $3 AND week_start >= $4 AND week_start + 6 <= $5
		GROUP BY week_start, search_query
		ORDER BY week_start`
	type row struct {
		WeekStart time.Time `db:"week_start"`
		brandQueryRow
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, brandID, market, query, r.From, r.To, minWeekMarketPurchases)
	if err != nil {
		return nil, fmt.Errorf("read the weeks of search query %q of brand %s in %s over %s: %w", query, brandID, market, r, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("read the weeks of search query %q of brand %s in %s over %s: %w", query, brandID, market, r, err)
	}
	out := make([]sqp.BrandQueryWeek, len(found))
	for i, f := range found {
		out[i] = sqp.BrandQueryWeek{WeekStart: f.WeekStart, BrandQuery: f.brandQuery()}
	}
	return out, nil
}

// BrandHasQuery reports whether the brand has the search query in any week of any of the given
// marketplaces (its marketplaces with data), in brand_query_weeks: the query page is a 404 otherwise. The
// marketplaces let the read use the view's index; it is asked only when the range has no row.
func (db *DB) BrandHasQuery(ctx context.Context, brandID, query string, markets []string) (bool, error) {
	const q = `
		SELECT EXISTS (
			SELECT 1 FROM public.brand_query_weeks
			WHERE brand_id = $1 AND marketplace = ANY($3) AND search_query = $2)`
	var ok bool
	if err := db.pool.QueryRow(ctx, q, brandID, query, markets).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up search query %q of brand %s: %w", query, brandID, err)
	}
	return ok, nil
}
