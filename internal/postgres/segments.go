package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/metrics"
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

// TopQueries returns, per segment start, the n (at most 3 for weeks) search queries of asin in one
// marketplace with the most purchases, then the most clicks, then by text, over the weeks of each segment
// of type t in r. Only their purchases and clicks are set. A week's are its report's, precomputed in
// sqp.report_totals; a month's or quarter's are ranked from the query rows (liveTopQueriesSQL).
func (db *DB) TopQueries(ctx context.Context, market, asin string, t period.SegmentType, r period.Range, n int) (map[time.Time][]sqp.QueryCounts, error) {
	q := `SELECT segment_start, query, asin_purchases, asin_clicks FROM (` + reportTopQueriesSQL("$1", "$4", "$2", "$3") + `) top WHERE rank <= $5 ORDER BY segment_start, rank`
	args := []any{planPerCall, asin, r.From, r.To, market, n}
	if t != period.Weekly {
		q = `SELECT segment_start, query, asin_purchases, asin_clicks FROM (` + liveTopQueriesSQL("$1", "$4", "$2", "$3", "$6") + `) top WHERE rank <= $5 ORDER BY segment_start, rank`
		args = append(args, string(t))
	}
	type row struct {
		SegmentStart  time.Time `db:"segment_start"`
		Query         string    `db:"query"`
		ASINPurchases int64     `db:"asin_purchases"`
		ASINClicks    int64     `db:"asin_clicks"`
	}
	rows, err := db.pool.Query(ctx, q, args...)
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
		out[k] = append(out[k], sqp.QueryCounts{Query: f.Query, Counts: metrics.Counts{ASINPurchases: f.ASINPurchases, ASINClicks: f.ASINClicks}})
	}
	return out, nil
}

// reportTopQueriesSQL is the ranked top queries (segment_start, query, asin_purchases, asin_clicks, rank)
// of the weekly reports of asin in market starting in from..to, as sqp.report_totals keeps them: the 3
// with the most ASIN purchases, then ASIN clicks, then text. Arguments are SQL placeholders.
func reportTopQueriesSQL(asin, market, from, to string) string {
	return `
		SELECT r.start_date AS segment_start, t.query, t.asin_purchases, t.asin_clicks, t.rank
		FROM (` + reportWeekTops("r.asin = "+asin+" AND r.marketplace = "+market+" AND r.start_date >= "+from+" AND r.start_date <= "+to) + `) r
		CROSS JOIN LATERAL unnest(r.top_queries, r.top_query_purchases, r.top_query_clicks)
		     WITH ORDINALITY AS t(query, asin_purchases, asin_clicks, rank)`
}

// reportTopQueryArraysSQL is the precomputed top search queries (sqp.report_totals) of the report of asin
// in market for the week starting on week, the first n, as three arrays in rank order: queries, purchases,
// clicks. Arguments are SQL expressions.
func reportTopQueryArraysSQL(asin, market, week, n string) string {
	return `
		SELECT r.top_queries[1:` + n + `] AS queries, r.top_query_purchases[1:` + n + `] AS purchases,
		       r.top_query_clicks[1:` + n + `] AS clicks
		FROM (` + reportWeekTops("r.asin = "+asin+" AND r.marketplace = "+market+" AND r.start_date = "+week) + `) r`
}

// reportWeekTops is the rows (start_date, top_queries, top_query_purchases, top_query_clicks) of
// sqp.report_totals that match where (on the table's alias r), read by the report key's two partial
// indexes: the covering one, without visiting the table, for the top queries that fit it (all but reports
// with very long queries), and the other for the rest.
func reportWeekTops(where string) string {
	return `
		SELECT r.start_date, r.top_queries, r.top_query_purchases, r.top_query_clicks
		FROM sqp.report_totals r
		WHERE ` + where + ` AND r.top_queries_indexed
		UNION ALL
		SELECT r.start_date, r.top_queries, r.top_query_purchases, r.top_query_clicks
		FROM sqp.report_totals r
		WHERE ` + where + ` AND NOT r.top_queries_indexed`
}

// liveTopQueriesSQL ranks the search queries of asin in market over the weeks starting in from..to per
// segment of type typ ('monthly', 'quarterly'; anything else: weeks) by ASIN purchases, then ASIN clicks,
// then text: segment_start, query, the sums of sumQueryCounts and rank. Arguments are SQL placeholders.
// The lookup of the ASIN's weeks uses the unique index on (asin, marketplace, start_date, end_date), and
// their queries the unique index on (asin_performance_id, search_query).
func liveTopQueriesSQL(asin, market, from, to, typ string) string {
	return `
		SELECT *, row_number() OVER (PARTITION BY segment_start ORDER BY asin_purchases DESC, asin_clicks DESC, query) AS rank
		FROM (
			SELECT CASE ` + typ + ` WHEN 'monthly' THEN date_trunc('month', a.start_date)::date
			               WHEN 'quarterly' THEN date_trunc('quarter', a.start_date)::date
			               ELSE a.start_date END AS segment_start,
			       q.search_query AS query, ` + sumQueryCounts + `
			FROM sqp.asin_performance_data a
			JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
			WHERE a.asin = ` + asin + ` AND a.marketplace = ` + market + ` AND a.start_date >= ` + from + ` AND a.start_date <= ` + to + `
			GROUP BY 1, 2
		) per_query`
}
