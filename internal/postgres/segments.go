package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Segments returns a product's segments of type t in one marketplace that lie in r, oldest first: a month
// when the weeks it is built from do (segmentInRange).
func (db *DB) Segments(ctx context.Context, brandID, market, asin string, t period.SegmentType, r period.Range) ([]sqp.Segment, error) {
	q := `
		SELECT period_start, period_end, data_points_count, earliest_date, latest_date, ` + sumSegmentCounts + `
		FROM public.brand_product_segments
		WHERE brand_id = $1 AND marketplace = $6 AND asin = $2 AND segment_type = $3
		  AND ` + segmentInRange("$4", "$5") + `
		GROUP BY period_start, period_end, data_points_count, earliest_date, latest_date
		ORDER BY period_start`
	type row struct {
		Start      time.Time `db:"period_start"`
		End        time.Time `db:"period_end"`
		DataPoints int32     `db:"data_points_count"`
		DataStart  time.Time `db:"earliest_date"`
		DataEnd    time.Time `db:"latest_date"`
		countsRow
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, brandID, asin, string(t), r.From, r.To, market)
	if err != nil {
		return nil, fmt.Errorf("list %s segments of %s over %s: %w", t, asin, r, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("list %s segments of %s over %s: %w", t, asin, r, err)
	}
	out := make([]sqp.Segment, len(found))
	for i, f := range found {
		out[i] = sqp.Segment{Type: t, Start: f.Start.UTC(), End: f.End.UTC(), DataStart: f.DataStart.UTC(), DataEnd: f.DataEnd.UTC(),
			Counts: f.counts(), DataPoints: int(f.DataPoints)}
	}
	return out, nil
}

// TopQueries returns, per segment start, the n search queries of asin in one marketplace with the most
// purchases, then the most clicks, over the weeks of each segment of type t in r. It reads the base
// tables: the lookup of an ASIN's weeks uses the unique index on (asin, marketplace, start_date, end_date),
// and their queries the unique index on (asin_performance_id, search_query).
func (db *DB) TopQueries(ctx context.Context, market, asin string, t period.SegmentType, r period.Range, n int) (map[time.Time][]sqp.QueryCounts, error) {
	q := `
		WITH per_query AS (
			SELECT CASE $4 WHEN 'monthly' THEN date_trunc('month', a.start_date)::date
			               WHEN 'quarterly' THEN date_trunc('quarter', a.start_date)::date
			               ELSE a.start_date END AS segment_start,
			       q.search_query AS query, ` + sumQueryCounts + `
			FROM sqp.asin_performance_data a
			JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
			WHERE a.asin = $1 AND a.marketplace = $6 AND a.start_date >= $2 AND a.start_date <= $3
			GROUP BY 1, 2
		), ranked AS (
			SELECT *, row_number() OVER (PARTITION BY segment_start ORDER BY asin_purchases DESC, asin_clicks DESC, query) AS rank
			FROM per_query
		)
		SELECT segment_start, query, asin_impressions, total_impressions, asin_clicks, total_clicks,
		       asin_cart_adds, total_cart_adds, asin_purchases, total_purchases, price_cents, priced_purchases
		FROM ranked
		WHERE rank <= $5
		ORDER BY segment_start, rank`
	type row struct {
		SegmentStart time.Time `db:"segment_start"`
		Query        string    `db:"query"`
		countsRow
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, asin, r.From, r.To, string(t), n, market)
	if err != nil {
		return nil, fmt.Errorf("top queries of %s per %s segment over %s: %w", asin, t, r, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("top queries of %s per %s segment over %s: %w", asin, t, r, err)
	}
	out := map[time.Time][]sqp.QueryCounts{}
	for _, f := range found {
		k := f.SegmentStart.UTC()
		out[k] = append(out[k], sqp.QueryCounts{Query: f.Query, Counts: f.counts()})
	}
	return out, nil
}
