package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// Readiness reports why the database cannot serve the dashboard; nil means ready. A database that answers
// but lacks the schema or has never refreshed the segments gives an *apperr.Error whose message says so;
// any other error means it did not answer. The pool opens new connections on demand, so readiness
// recovers by itself once the database is back.
func (db *DB) Readiness(ctx context.Context) error {
	const q = `
		SELECT c.relispopulated
		FROM pg_class c
		WHERE c.oid = to_regclass('public.brand_product_segments')`
	var populated bool
	rows, err := db.pool.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	found := false
	for rows.Next() {
		found = true
		if err := rows.Scan(&populated); err != nil {
			rows.Close()
			return fmt.Errorf("read segments view state: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	switch {
	case !found:
		return &apperr.Error{Code: apperr.EINTERNAL, Message: "schema not applied: public.brand_product_segments is missing"}
	case !populated:
		return &apperr.Error{Code: apperr.EINTERNAL, Message: "segments never refreshed: public.brand_product_segments is not populated"}
	}
	return nil
}

// SegmentsStatus reads the size and freshness of brand_product_segments, the last successful refresh with
// its validation, and the coverage of the base data.
func (db *DB) SegmentsStatus(ctx context.Context) (refreshlog.SegmentsStatus, error) {
	var st refreshlog.SegmentsStatus
	const view = `
		SELECT c.relispopulated, pg_total_relation_size(c.oid), s.change_seq
		FROM pg_class c, public.segment_source_state s
		WHERE c.oid = 'public.brand_product_segments'::regclass`
	if err := db.pool.QueryRow(ctx, view).Scan(&st.Populated, &st.SizeBytes, &st.ChangeSeq); err != nil {
		return st, fmt.Errorf("read segments view state: %w", err)
	}
	if st.Populated {
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM public.brand_product_segments`).Scan(&st.Rows); err != nil {
			return st, fmt.Errorf("count segments: %w", err)
		}
	}

	last := `SELECT ` + runColumns + `, l.change_seq, l.validation::text,
			CASE jsonb_typeof(l.validation)
				WHEN 'array' THEN jsonb_array_length(l.validation)
				WHEN 'object' THEN CASE WHEN jsonb_typeof(l.validation -> 'violations') = 'array'
					THEN jsonb_array_length(l.validation -> 'violations') ELSE 0 END
				ELSE 0 END
		FROM public.materialized_view_refresh_log l
		WHERE l.view_name = 'brand_product_segments' AND l.status = 'success'
		ORDER BY l.id DESC
		LIMIT 1`
	var seq *int64
	var validation *string
	rows, err := db.pool.Query(ctx, last)
	if err != nil {
		return st, fmt.Errorf("read last successful refresh: %w", err)
	}
	for rows.Next() {
		run, err := scanRunAnd(rows, &seq, &validation, &st.ValidationViolations)
		if err != nil {
			rows.Close()
			return st, fmt.Errorf("read last successful refresh: %w", err)
		}
		st.LastSuccess, st.HasSuccess = run, true
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("read last successful refresh: %w", err)
	}
	st.Validation = deref(validation)
	st.ChangedSince = !st.HasSuccess || seq == nil || st.ChangeSeq > *seq

	const coverage = `
		SELECT
			(SELECT count(*) FROM public.brands WHERE is_active),
			(SELECT count(DISTINCT asin) FROM sqp.asin_performance_data),
			(SELECT count(DISTINCT start_date) FROM sqp.asin_performance_data),
			(SELECT max(start_date) FROM sqp.asin_performance_data)`
	var newest *time.Time
	c := &st.Coverage
	if err := db.pool.QueryRow(ctx, coverage).Scan(&c.Brands, &c.ASINs, &c.Weeks, &newest); err != nil {
		return st, fmt.Errorf("read data coverage: %w", err)
	}
	c.NewestWeek = deref(newest)
	return st, nil
}
