package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file holds the SQL that only the benchmark (`sqpdash bench`, internal/bench) runs; nothing that
// serves users calls it. The benchmark compares our brand_product_segments with the view the seed spec
// wrote (its §1, see docs/spec-notes.md), built from the same base rows under another name. Its SQL lives here
// because this is the only package that speaks SQL.

// SeedSegmentsView is the name the benchmark gives the seed spec's materialized view.
const SeedSegmentsView = "public.seed_brand_product_segments"

// seedSegmentsSQL is the spec's §1 as written, under SeedSegmentsView, with the one fix it
// needs to be refreshed concurrently (corrections #5 in docs/spec-notes.md: a unique index without WHERE). It keeps the
// spec's Monday weeks, its two passes over the base rows and its per-row CURRENT_TIMESTAMP: that is what
// is being measured.
var seedSegmentsSQL = []string{`
CREATE MATERIALIZED VIEW ` + SeedSegmentsView + ` AS
WITH date_segments AS (
  SELECT abm.brand_id, apd.asin,
    DATE_TRUNC('week', apd.start_date)::date as week_start,
    (DATE_TRUNC('week', apd.start_date) + INTERVAL '6 days')::date as week_end,
    DATE_TRUNC('month', apd.start_date)::date as month_start,
    (DATE_TRUNC('month', apd.start_date) + INTERVAL '1 month' - INTERVAL '1 day')::date as month_end,
    apd.start_date, apd.end_date, apd.id as asin_performance_id
  FROM sqp.asin_performance_data apd
  JOIN public.asin_brand_mapping abm ON apd.asin = abm.asin
  WHERE abm.is_active = true
),
weekly_aggregates AS (
  SELECT ds.brand_id, ds.asin, ds.week_start, ds.week_end, 'weekly' as segment_type,
    SUM(sqp.total_query_impression_count) as total_impressions,
    SUM(sqp.asin_impression_count) as asin_impressions,
    SUM(sqp.total_click_count) as total_clicks,
    SUM(sqp.asin_click_count) as asin_clicks,
    SUM(sqp.total_cart_add_count) as total_cart_adds,
    SUM(sqp.asin_cart_add_count) as asin_cart_adds,
    SUM(sqp.total_purchase_count) as total_purchases,
    SUM(sqp.asin_purchase_count) as asin_purchases,
    CASE WHEN SUM(sqp.total_query_impression_count) > 0
      THEN ROUND((SUM(sqp.asin_impression_count)::NUMERIC / SUM(sqp.total_query_impression_count)::NUMERIC * 100), 2) ELSE 0 END as impression_share_pct,
    CASE WHEN SUM(sqp.total_click_count) > 0
      THEN ROUND((SUM(sqp.asin_click_count)::NUMERIC / SUM(sqp.total_click_count)::NUMERIC * 100), 2) ELSE 0 END as click_share_pct,
    CASE WHEN SUM(sqp.total_cart_add_count) > 0
      THEN ROUND((SUM(sqp.asin_cart_add_count)::NUMERIC / SUM(sqp.total_cart_add_count)::NUMERIC * 100), 2) ELSE 0 END as cart_add_share_pct,
    CASE WHEN SUM(sqp.total_purchase_count) > 0
      THEN ROUND((SUM(sqp.asin_purchase_count)::NUMERIC / SUM(sqp.total_purchase_count)::NUMERIC * 100), 2) ELSE 0 END as purchase_share_pct,
    CASE WHEN SUM(sqp.asin_impression_count) > 0
      THEN ROUND((SUM(sqp.asin_click_count)::NUMERIC / SUM(sqp.asin_impression_count)::NUMERIC * 100), 2) ELSE 0 END as ctr_pct,
    CASE WHEN SUM(sqp.asin_click_count) > 0
      THEN ROUND((SUM(sqp.asin_purchase_count)::NUMERIC / SUM(sqp.asin_click_count)::NUMERIC * 100), 2) ELSE 0 END as cvr_pct,
    CASE WHEN SUM(sqp.asin_purchase_count) > 0
      THEN ROUND(SUM(sqp.asin_median_purchase_price * sqp.asin_purchase_count) / SUM(sqp.asin_purchase_count), 2) ELSE NULL END as avg_purchase_price,
    COUNT(DISTINCT ds.asin_performance_id) as data_points_count,
    MIN(ds.start_date) as earliest_date,
    MAX(ds.end_date) as latest_date
  FROM date_segments ds
  JOIN sqp.search_query_performance sqp ON ds.asin_performance_id = sqp.asin_performance_id
  GROUP BY ds.brand_id, ds.asin, ds.week_start, ds.week_end
),
monthly_aggregates AS (
  SELECT ds.brand_id, ds.asin, ds.month_start, ds.month_end, 'monthly' as segment_type,
    SUM(sqp.total_query_impression_count) as total_impressions,
    SUM(sqp.asin_impression_count) as asin_impressions,
    SUM(sqp.total_click_count) as total_clicks,
    SUM(sqp.asin_click_count) as asin_clicks,
    SUM(sqp.total_cart_add_count) as total_cart_adds,
    SUM(sqp.asin_cart_add_count) as asin_cart_adds,
    SUM(sqp.total_purchase_count) as total_purchases,
    SUM(sqp.asin_purchase_count) as asin_purchases,
    CASE WHEN SUM(sqp.total_query_impression_count) > 0
      THEN ROUND((SUM(sqp.asin_impression_count)::NUMERIC / SUM(sqp.total_query_impression_count)::NUMERIC * 100), 2) ELSE 0 END as impression_share_pct,
    CASE WHEN SUM(sqp.total_click_count) > 0
      THEN ROUND((SUM(sqp.asin_click_count)::NUMERIC / SUM(sqp.total_click_count)::NUMERIC * 100), 2) ELSE 0 END as click_share_pct,
    CASE WHEN SUM(sqp.total_cart_add_count) > 0
      THEN ROUND((SUM(sqp.asin_cart_add_count)::NUMERIC / SUM(sqp.total_cart_add_count)::NUMERIC * 100), 2) ELSE 0 END as cart_add_share_pct,
    CASE WHEN SUM(sqp.total_purchase_count) > 0
      THEN ROUND((SUM(sqp.asin_purchase_count)::NUMERIC / SUM(sqp.total_purchase_count)::NUMERIC * 100), 2) ELSE 0 END as purchase_share_pct,
    CASE WHEN SUM(sqp.asin_impression_count) > 0
      THEN ROUND((SUM(sqp.asin_click_count)::NUMERIC / SUM(sqp.asin_impression_count)::NUMERIC * 100), 2) ELSE 0 END as ctr_pct,
    CASE WHEN SUM(sqp.asin_click_count) > 0
      THEN ROUND((SUM(sqp.asin_purchase_count)::NUMERIC / SUM(sqp.asin_click_count)::NUMERIC * 100), 2) ELSE 0 END as cvr_pct,
    CASE WHEN SUM(sqp.asin_purchase_count) > 0
      THEN ROUND(SUM(sqp.asin_median_purchase_price * sqp.asin_purchase_count) / SUM(sqp.asin_purchase_count), 2) ELSE NULL END as avg_purchase_price,
    COUNT(DISTINCT ds.asin_performance_id) as data_points_count,
    MIN(ds.start_date) as earliest_date,
    MAX(ds.end_date) as latest_date
  FROM date_segments ds
  JOIN sqp.search_query_performance sqp ON ds.asin_performance_id = sqp.asin_performance_id
  GROUP BY ds.brand_id, ds.asin, ds.month_start, ds.month_end
)
SELECT brand_id, asin, segment_type, week_start as period_start, week_end as period_end,
  total_impressions, asin_impressions, total_clicks, asin_clicks, total_cart_adds, asin_cart_adds,
  total_purchases, asin_purchases, impression_share_pct, click_share_pct, cart_add_share_pct,
  purchase_share_pct, ctr_pct, cvr_pct, avg_purchase_price, data_points_count, earliest_date, latest_date,
  CURRENT_TIMESTAMP as last_refreshed
FROM weekly_aggregates
UNION ALL
SELECT brand_id, asin, segment_type, month_start as period_start, month_end as period_end,
  total_impressions, asin_impressions, total_clicks, asin_clicks, total_cart_adds, asin_cart_adds,
  total_purchases, asin_purchases, impression_share_pct, click_share_pct, cart_add_share_pct,
  purchase_share_pct, ctr_pct, cvr_pct, avg_purchase_price, data_points_count, earliest_date, latest_date,
  CURRENT_TIMESTAMP as last_refreshed
FROM monthly_aggregates`,
	// corrections #5: REFRESH ... CONCURRENTLY needs a unique index without WHERE.
	`CREATE UNIQUE INDEX seed_bps_unique ON ` + SeedSegmentsView + ` (brand_id, asin, segment_type, period_start)`,
	// §1 indexes.
	`CREATE INDEX seed_bps_lookup ON ` + SeedSegmentsView + ` (brand_id, asin, segment_type, period_start)`,
	`CREATE INDEX seed_bps_period ON ` + SeedSegmentsView + ` (period_start, period_end)`,
	`CREATE INDEX seed_bps_brand ON ` + SeedSegmentsView + ` (brand_id)`,
	`CREATE INDEX seed_bps_asin ON ` + SeedSegmentsView + ` (asin)`,
	`CREATE INDEX seed_bps_performance ON ` + SeedSegmentsView + ` (asin_impressions DESC, asin_purchases DESC)`,
	`CREATE INDEX seed_bps_dates ON ` + SeedSegmentsView + ` (earliest_date, latest_date)`,
	// §4 indexes, but the recent-data one, which fails (corrections #3).
	`CREATE INDEX seed_bps_brand_asin_type_period ON ` + SeedSegmentsView + ` (brand_id, asin, segment_type, period_start, period_end) WHERE asin_impressions > 0`,
	`CREATE INDEX seed_bps_date_range ON ` + SeedSegmentsView + ` (period_start, period_end) INCLUDE (brand_id, asin, segment_type, asin_impressions)`,
	`CREATE INDEX seed_bps_performance_ranking ON ` + SeedSegmentsView + ` (brand_id, segment_type, asin_impressions DESC, asin_purchases DESC) WHERE asin_impressions > 0`,
	`CREATE INDEX seed_bps_asin_gin ON ` + SeedSegmentsView + ` USING GIN ((ARRAY[asin]))`,
}

// CreateSeedSegments builds the seed spec's view and its indexes, replacing an earlier one.
func (db *DB) CreateSeedSegments(ctx context.Context) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DROP MATERIALIZED VIEW IF EXISTS `+SeedSegmentsView); err != nil {
			return fmt.Errorf("drop %s: %w", SeedSegmentsView, err)
		}
		for _, stmt := range seedSegmentsSQL {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("create %s: %w", SeedSegmentsView, err)
			}
		}
		return nil
	})
}

// ViewRefresh is what one REFRESH MATERIALIZED VIEW did.
type ViewRefresh struct {
	Duration     time.Duration
	RowsInserted int64 // rows the refresh wrote into the view (for a concurrent refresh: the changed ones)
	RowsDeleted  int64
}

// RefreshOptions choose how RefreshView refreshes.
type RefreshOptions struct {
	Concurrent bool
	// WorkMem, when set, is the work_mem of the refresh's transaction (e.g. "256MB"): the aggregation
	// over every query row spills to disk when it does not fit.
	WorkMem string
}

// RefreshView runs REFRESH MATERIALIZED VIEW [CONCURRENTLY] on view directly (not through the refresh
// procedure, so that both views are measured the same way) and counts the rows it rewrote.
// view must be one of the segment views (ours, the seed's) or public.brand_marketplace_segments: the
// brand-level tables, which brand_level_refresh(false) maintains for the slices changed since it last ran
// (brand_query_weeks and brand_marketplace_segments; opts.Concurrent does not apply, the rows of both count).
func (db *DB) RefreshView(ctx context.Context, view string, opts RefreshOptions) (ViewRefresh, error) {
	if view != SeedSegmentsView && view != "public.brand_product_segments" && view != "public.brand_marketplace_segments" {
		return ViewRefresh{}, fmt.Errorf("refresh %s: not a segments view", view)
	}
	concurrent := opts.Concurrent
	stmt := "REFRESH MATERIALIZED VIEW " + view
	if concurrent {
		stmt = "REFRESH MATERIALIZED VIEW CONCURRENTLY " + view
	}
	counted := []string{view}
	if view == "public.brand_marketplace_segments" {
		stmt = "SELECT public.brand_level_refresh(false)"
		counted = []string{"public.brand_query_weeks", view}
	}
	var r ViewRefresh
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The session's not yet reported statistics: what it inserted into and deleted from the view. They
		// can include earlier transactions of the session (they are reported at most once a second), so
		// the refresh's own rows are the difference across it, inside one transaction.
		const q = `SELECT sum(pg_stat_get_xact_tuples_inserted(r::regclass))::bigint, sum(pg_stat_get_xact_tuples_deleted(r::regclass))::bigint
			FROM unnest($1::text[]) AS r`
		var ins0, del0 int64
		if err := tx.QueryRow(ctx, q, counted).Scan(&ins0, &del0); err != nil {
			return err
		}
		if opts.WorkMem != "" {
			if _, err := tx.Exec(ctx, `SELECT set_config('work_mem', $1, true)`, opts.WorkMem); err != nil {
				return err
			}
		}
		start := time.Now()
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
		r.Duration = time.Since(start)
		if err := tx.QueryRow(ctx, q, counted).Scan(&r.RowsInserted, &r.RowsDeleted); err != nil {
			return err
		}
		r.RowsInserted -= ins0
		r.RowsDeleted -= del0
		return nil
	})
	if err != nil {
		return ViewRefresh{}, fmt.Errorf("refresh %s (concurrently=%t): %w", view, concurrent, err)
	}
	return r, nil
}

// DatabaseSize is the size on disk of the connected database (tables, indexes, views' data).
func (db *DB) DatabaseSize(ctx context.Context) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read database size: %w", err)
	}
	return n, nil
}

// ChangeNewestWeek adds one ASIN click to every query row of the newest week, as a corrected re-import
// of last week's reports would: the changed data of the "with changed data" refresh runs.
func (db *DB) ChangeNewestWeek(ctx context.Context) (int64, error) {
	const q = `
		UPDATE sqp.search_query_performance q
		SET asin_click_count = q.asin_click_count + 1, updated_at = now()
		FROM sqp.asin_performance_data a
		WHERE a.id = q.asin_performance_id
		  AND a.start_date = (SELECT max(start_date) FROM sqp.asin_performance_data)`
	tag, err := db.pool.Exec(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("change newest week: %w", err)
	}
	return tag.RowsAffected(), nil
}

// BenchProduct is a product the benchmark requests pages of, and the marketplace of its newest report.
type BenchProduct struct {
	BrandID     string
	ASIN        string
	Marketplace string
}

// BenchProducts returns up to limit products of active brands with active mappings and reported weeks,
// the biggest first, spread over the brands.
func (db *DB) BenchProducts(ctx context.Context, limit int) ([]BenchProduct, error) {
	const q = `
		SELECT m.brand_id::text, m.asin, a.marketplace
		FROM public.asin_brand_mapping m
		JOIN public.brands b ON b.id = m.brand_id AND b.is_active
		CROSS JOIN LATERAL (SELECT a.marketplace FROM sqp.asin_performance_data a
		                    WHERE a.asin = m.asin ORDER BY a.start_date DESC LIMIT 1) a
		WHERE m.is_active
		ORDER BY m.asin
		LIMIT $1`
	rows, _ := db.pool.Query(ctx, q, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[BenchProduct])
	if err != nil {
		return nil, fmt.Errorf("list benchmark products: %w", err)
	}
	return out, nil
}

// ExpansionRows reads one product's weekly segments between from and to (whole weeks inside the range),
// either from brand_product_segments or, live, from the base tables with the same definitions, and
// returns how many rows it read. Both read every column the expansion shows.
func (db *DB) ExpansionRows(ctx context.Context, p BenchProduct, from, to time.Time, live bool) (int, error) {
	q := expansionFromViewSQL
	if live {
		q = expansionLiveSQL
	}
	rows, err := db.pool.Query(ctx, q, p.BrandID, p.ASIN, from, to, p.Marketplace)
	if err != nil {
		return 0, fmt.Errorf("expansion rows of %s (live=%t): %w", p.ASIN, live, err)
	}
	n := 0
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			rows.Close()
			return 0, fmt.Errorf("expansion rows of %s (live=%t): %w", p.ASIN, live, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("expansion rows of %s (live=%t): %w", p.ASIN, live, err)
	}
	return n, nil
}

const expansionFromViewSQL = `
	SELECT period_start, period_end, total_impressions, asin_impressions, total_clicks, asin_clicks,
	       total_cart_adds, asin_cart_adds, total_purchases, asin_purchases,
	       impression_share_pct, click_share_pct, cart_add_share_pct, purchase_share_pct, ctr_pct, cvr_pct,
	       avg_purchase_price, data_points_count
	FROM public.brand_product_segments
	WHERE brand_id = $1::uuid AND marketplace = $5 AND asin = $2 AND segment_type = 'weekly'
	  AND period_start >= $3::date AND period_end <= $4::date
	ORDER BY period_start`

const expansionLiveSQL = `
	SELECT w.period_start, w.period_start + 6 AS period_end, w.ti, w.ai, w.tc, w.ac, w.tca, w.aca, w.tp, w.ap,
	       round(100.0 * w.ai / nullif(w.ti, 0), 2), round(100.0 * w.ac / nullif(w.tc, 0), 2),
	       round(100.0 * w.aca / nullif(w.tca, 0), 2), round(100.0 * w.ap / nullif(w.tp, 0), 2),
	       round(100.0 * w.ac / nullif(w.ai, 0), 2), round(100.0 * w.ap / nullif(w.ac, 0), 2),
	       round(w.amount / nullif(w.priced, 0), 2), w.points
	FROM (
		SELECT a.start_date - extract(dow FROM a.start_date)::int AS period_start,
		       sum(q.total_query_impression_count)::bigint AS ti, sum(q.asin_impression_count)::bigint AS ai,
		       sum(q.total_click_count)::bigint AS tc, sum(q.asin_click_count)::bigint AS ac,
		       sum(q.total_cart_add_count)::bigint AS tca, sum(q.asin_cart_add_count)::bigint AS aca,
		       sum(q.total_purchase_count)::bigint AS tp, sum(q.asin_purchase_count)::bigint AS ap,
		       sum(q.asin_median_purchase_price * q.asin_purchase_count) AS amount,
		       sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL) AS priced,
		       count(DISTINCT a.id) AS points
		FROM public.asin_brand_mapping m
		JOIN public.brands b ON b.id = m.brand_id AND b.is_active
		JOIN sqp.asin_performance_data a ON a.asin = m.asin AND a.marketplace = $5
		JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
		WHERE m.brand_id = $1::uuid AND m.asin = $2 AND m.is_active
		  AND a.start_date >= $3::date AND a.end_date <= $4::date
		GROUP BY 1
	) w
	ORDER BY w.period_start`

// ExplainAnalyze runs EXPLAIN (ANALYZE, BUFFERS) on one of the benchmark's statements and returns the
// plan, for docs/benchmark.md. name is "expansion", "expansion-live" or "segments-definition" (the query
// behind brand_product_segments, which is what a refresh runs).
func (db *DB) ExplainAnalyze(ctx context.Context, name string, p BenchProduct, from, to time.Time) (string, error) {
	var (
		stmt string
		args []any
	)
	switch name {
	case "expansion":
		stmt, args = expansionFromViewSQL, []any{p.BrandID, p.ASIN, from, to, p.Marketplace}
	case "expansion-live":
		stmt, args = expansionLiveSQL, []any{p.BrandID, p.ASIN, from, to, p.Marketplace}
	case "segments-definition":
		if err := db.pool.QueryRow(ctx, `SELECT pg_get_viewdef('public.brand_product_segments'::regclass)`).Scan(&stmt); err != nil {
			return "", fmt.Errorf("read brand_product_segments definition: %w", err)
		}
	default:
		return "", fmt.Errorf("explain %s: unknown statement", name)
	}
	rows, err := db.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+stmt, args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", name, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", name, err)
	}
	var plan string
	for _, l := range lines {
		plan += l + "\n"
	}
	return plan, nil
}

// ServerVersion returns the server's version string, for the benchmark's machine description.
func (db *DB) ServerVersion(ctx context.Context) (string, error) {
	var v string
	if err := db.pool.QueryRow(ctx, `SHOW server_version`).Scan(&v); err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	return v, nil
}

// PreloadStatementStats makes the server load pg_stat_statements from its next start on (ALTER SYSTEM)
// and reports whether a restart is needed for that. The benchmark uses it on its own cluster only: the
// statistics show which statements a page runs, how often and for how long.
func (db *DB) PreloadStatementStats(ctx context.Context) (restart bool, err error) {
	var libs string
	if err := db.pool.QueryRow(ctx, `SHOW shared_preload_libraries`).Scan(&libs); err != nil {
		return false, fmt.Errorf("read shared_preload_libraries: %w", err)
	}
	if strings.Contains(libs, "pg_stat_statements") {
		return false, nil
	}
	if _, err := db.pool.Exec(ctx, `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`); err != nil {
		return false, fmt.Errorf("preload pg_stat_statements: %w", err)
	}
	return true, nil
}

// StatementStat is one statement's share of the database time since the last reset.
type StatementStat struct {
	Query   string
	Calls   int64
	TotalMs float64
	MeanMs  float64
	Rows    int64
}

// ResetStatementStats creates pg_stat_statements in this database if needed and clears its figures.
func (db *DB) ResetStatementStats(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		return fmt.Errorf("create pg_stat_statements: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
		return fmt.Errorf("reset pg_stat_statements: %w", err)
	}
	return nil
}

// TopStatements returns the n statements of this database with the most total execution time since the
// last reset.
func (db *DB) TopStatements(ctx context.Context, n int) ([]StatementStat, error) {
	const q = `
		SELECT regexp_replace(left(s.query, 300), '\s+', ' ', 'g'), s.calls,
		       s.total_exec_time, s.mean_exec_time, s.rows
		FROM pg_stat_statements s
		WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND s.query NOT ILIKE '%pg_stat_statements%'
		ORDER BY s.total_exec_time DESC
		LIMIT $1`
	rows, _ := db.pool.Query(ctx, q, n)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StatementStat])
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	return out, nil
}

// BenchQuery is a search query of a brand whose query page the benchmark requests, and the marketplace
// it was reported in.
type BenchQuery struct {
	BrandID     string
	Marketplace string
	Query       string
}

// BenchQueries returns up to perBrand search queries of every brand in brand_query_weeks (active brands
// only, as the view holds them), those with the most impressions of the brand's products first: the
// queries a brand manager opens.
func (db *DB) BenchQueries(ctx context.Context, perBrand int) ([]BenchQuery, error) {
	const q = `
		SELECT brand_id, marketplace, search_query
		FROM (
			SELECT brand_id::text, marketplace, search_query,
			       row_number() OVER (PARTITION BY brand_id ORDER BY sum(asin_impressions) DESC, marketplace, search_query) AS n
			FROM public.brand_query_weeks
			GROUP BY brand_id, marketplace, search_query
		) ranked
		WHERE n <= $1
		ORDER BY brand_id, n`
	rows, _ := db.pool.Query(ctx, q, perBrand)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[BenchQuery])
	if err != nil {
		return nil, fmt.Errorf("list benchmark search queries: %w", err)
	}
	return out, nil
}

// Settled is what Settle did before a measured phase.
type Settled struct {
	// Took is the whole settle: the VACUUM (ANALYZE), the CHECKPOINT and the wait for autovacuum.
	Took time.Duration
	// Autovacuum are the autovacuum workers still running in the database when Settle stopped waiting
	// (0 unless the wait timed out).
	Autovacuum int
}

// Settle leaves the database quiet before a measured read phase of the benchmark. The refresh and
// change cases before it leave dead rows and stale statistics behind, which autovacuum and autoanalyze
// would work through during the phase that follows, and dirty buffers, which a reader needing a free
// buffer would write out itself (or the next checkpoint's writes compete with it): a VACUUM (ANALYZE)
// of the whole database now, a CHECKPOINT, and no autovacuum worker of the database running, waited for
// up to wait. It needs the owner's or a superuser's connection (VACUUM skips tables it does not own, and
// CHECKPOINT needs pg_checkpoint).
func (db *DB) Settle(ctx context.Context, wait time.Duration) (Settled, error) {
	start := time.Now()
	// One statement each: VACUUM cannot run inside a transaction block.
	for _, stmt := range []string{"VACUUM (ANALYZE)", "CHECKPOINT"} {
		if _, err := db.pool.Exec(ctx, stmt); err != nil {
			return Settled{}, fmt.Errorf("settle the database: %s: %w", stmt, err)
		}
	}
	const running = `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = current_database()`
	deadline := time.Now().Add(wait)
	var n int
	for {
		if err := db.pool.QueryRow(ctx, running).Scan(&n); err != nil {
			return Settled{}, fmt.Errorf("settle the database: count autovacuum workers: %w", err)
		}
		if n == 0 || !time.Now().Before(deadline) {
			break
		}
		// pg_stat_activity has no notification of a worker ending: look again shortly.
		select {
		case <-ctx.Done():
			return Settled{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return Settled{Took: time.Since(start), Autovacuum: n}, nil
}
