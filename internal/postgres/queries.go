package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Queries returns one page of a product's search queries over the weeks in the range, summed from the
// base tables.
func (db *DB) Queries(ctx context.Context, f sqp.QueryFilter) (sqp.QueryPage, error) {
	expr, ok := sortExpr(string(f.Sort))
	switch f.Sort {
	case sqp.SortQuery:
		expr, ok = "query", true
	case sqp.SortOpportunity:
		expr, ok = opportunityExpr, true
	}
	if !ok {
		return sqp.QueryPage{}, apperr.Invalid("qsort", "%q is not a sort key", f.Sort)
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	match, args := queryMatchSQL("q.search_query", f.Match, []any{f.ASIN, f.Range.From, f.Range.To, limit, f.Offset, f.Marketplace, minWeekMarketPurchases})
	q := `
		WITH sums AS (
			SELECT q.search_query AS query, ` + sumQueryCounts + `,
			       -- one row per week: metrics.BestPurchaseShare, as for products
			       ` + bestWeeklyPurchaseShare("q.asin_purchase_count", "q.total_purchase_count", "$7") + `
			FROM sqp.asin_performance_data a
			JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
			WHERE a.asin = $1 AND a.marketplace = $6 AND a.start_date >= $2 AND a.end_date <= $3
			  AND ` + match + `
			GROUP BY q.search_query
		)
		SELECT *, count(*) OVER () AS total
		FROM sums
		` + orderBy(expr, f.Desc, "query") + `
		LIMIT $4 OFFSET $5`
	type row struct {
		Query     string   `db:"query"`
		Total     int64    `db:"total"`
		BestShare *float64 `db:"best_purchase_share"`
		countsRow
	}
	rows, err := db.pool.Query(ctx, q, append([]any{planPerCall}, args...)...)
	if err != nil {
		return sqp.QueryPage{}, fmt.Errorf("list search queries of %s over %s: %w", f.ASIN, f.Range, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return sqp.QueryPage{}, fmt.Errorf("list search queries of %s over %s: %w", f.ASIN, f.Range, err)
	}
	if len(found) == 0 && f.Offset > 0 {
		f.Offset, f.Limit = 0, 1
		all, err := db.Queries(ctx, f)
		return sqp.QueryPage{Total: all.Total}, err
	}
	page := sqp.QueryPage{Queries: make([]sqp.QueryCounts, len(found))}
	for i, r := range found {
		page.Total = int(r.Total)
		page.Queries[i] = sqp.QueryCounts{Query: r.Query, Counts: r.counts()}
		if r.BestShare != nil {
			page.Queries[i].BestPurchaseShare = metrics.Known(*r.BestShare)
		}
	}
	return page, nil
}

// QueryCounts sums the given search queries of asin in one marketplace over the weeks in r.
func (db *DB) QueryCounts(ctx context.Context, market, asin string, r period.Range, queries []string) (map[string]metrics.Counts, error) {
	q := `
		SELECT q.search_query AS query, ` + sumQueryCounts + `
		FROM sqp.asin_performance_data a
		JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
		WHERE a.asin = $1 AND a.marketplace = $5 AND a.start_date >= $2 AND a.end_date <= $3
		  AND q.search_query = ANY($4)
		GROUP BY q.search_query`
	type row struct {
		Query string `db:"query"`
		countsRow
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, asin, r.From, r.To, queries, market)
	if err != nil {
		return nil, fmt.Errorf("sum search queries of %s over %s: %w", asin, r, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("sum search queries of %s over %s: %w", asin, r, err)
	}
	out := make(map[string]metrics.Counts, len(found))
	for _, f := range found {
		out[f.Query] = f.counts()
	}
	return out, nil
}
