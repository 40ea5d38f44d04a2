package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// RefreshSegments calls the refresh procedure, which takes the advisory lock, logs the run, refreshes
// brand_product_segments (CONCURRENTLY once populated) and validates it. The call runs on one dedicated
// session whose pid is returned even when the call fails, so that an interrupted run can be stopped and
// logged as cancelled.
func (db *DB) RefreshSegments(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return refreshlog.Outcome{}, fmt.Errorf("acquire connection for refresh: %w", err)
	}
	defer conn.Release()
	out := refreshlog.Outcome{BackendPID: conn.Conn().PgConn().PID()}

	const q = `
		CALL public.refresh_brand_product_segments(
			p_force => $1, p_trigger => $2, p_requested_by => $3,
			o_status => NULL, o_log_id => NULL, o_row_count => NULL,
			o_started_at => NULL, o_finished_at => NULL, o_error => NULL,
			o_running_since => NULL, o_running_by => NULL)`
	var (
		status, errText, runningBy *string
		logID, rowCount            *int64
		started, finished, since   *time.Time
	)
	err = conn.QueryRow(ctx, q, req.Force, string(req.Trigger), nullIfEmpty(req.RequestedBy)).
		Scan(&status, &logID, &rowCount, &started, &finished, &errText, &since, &runningBy)
	if err != nil {
		return out, fmt.Errorf("call refresh_brand_product_segments(force=%t, trigger=%s): %w", req.Force, req.Trigger, err)
	}
	out.Status = refreshlog.Status(deref(status))
	out.LogID = deref(logID)
	out.RowCount = deref(rowCount)
	out.Start = deref(started)
	out.End = deref(finished)
	out.Error = deref(errText)
	out.RunningSince = deref(since)
	out.RunningBy = deref(runningBy)
	return out, nil
}

// CancelRefresh stops the session pid when it still holds an advisory lock (it is still refreshing; a
// session whose client went away keeps running until it notices), then marks its running log row
// cancelled. pg_terminate_backend waits up to 10 s for the session to end, so the row cannot be
// overwritten by the procedure afterwards.
func (db *DB) CancelRefresh(ctx context.Context, pid uint32, reason string) error {
	const terminate = `
		SELECT pg_terminate_backend(l.pid, 10000)
		FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.pid = $1
		LIMIT 1`
	if _, err := db.pool.Exec(ctx, terminate, int64(pid)); err != nil {
		return fmt.Errorf("terminate refresh session %d: %w", pid, err)
	}
	// Through the definer function: the web role may not write the log, and the function closes only the
	// row of a session that has ended.
	// The pid goes as int64, as above: pgx refuses a value that does not fit the function's integer rather
	// than wrapping it into another session's pid.
	const mark = `SELECT public.refresh_log_close_ended('cancelled', $2, $1)`
	if _, err := db.pool.Exec(ctx, mark, int64(pid), reason); err != nil {
		return fmt.Errorf("mark refresh of session %d cancelled: %w", pid, err)
	}
	return nil
}

// FailOrphanedRefreshes marks failed the running rows whose session no longer exists: the process that ran
// them died before it could log the end.
func (db *DB) FailOrphanedRefreshes(ctx context.Context, reason string) (int64, error) {
	const q = `SELECT public.refresh_log_close_ended('failed', $1, NULL)`
	var n int64
	if err := db.pool.QueryRow(ctx, q, reason).Scan(&n); err != nil {
		return 0, fmt.Errorf("fail orphaned refresh runs: %w", err)
	}
	return n, nil
}

// RunningRefresh returns the newest running log row whose session is still alive.
func (db *DB) RunningRefresh(ctx context.Context) (refreshlog.Run, bool, error) {
	return db.newestRun(ctx, "find running refresh", `
		l.status = 'running'
		AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.backend_pid)`)
}

// LastSuccessfulRefresh returns the newest successful run of the segments refresh.
func (db *DB) LastSuccessfulRefresh(ctx context.Context) (refreshlog.Run, bool, error) {
	return db.newestRun(ctx, "read last successful refresh", `l.status = 'success'`)
}

// newestRun returns the newest segments refresh run that matches where (a constant condition on l).
func (db *DB) newestRun(ctx context.Context, op, where string) (refreshlog.Run, bool, error) {
	q := `SELECT ` + runColumns + `
		FROM public.materialized_view_refresh_log l
		WHERE l.view_name = 'brand_product_segments' AND ` + where + `
		ORDER BY l.id DESC
		LIMIT 1`
	rows, err := db.pool.Query(ctx, q)
	if err != nil {
		return refreshlog.Run{}, false, fmt.Errorf("%s: %w", op, err)
	}
	run, err := pgx.CollectExactlyOneRow(rows, scanRun)
	if errors.Is(err, pgx.ErrNoRows) {
		return refreshlog.Run{}, false, nil
	}
	if err != nil {
		return refreshlog.Run{}, false, fmt.Errorf("%s: %w", op, err)
	}
	return run, true, nil
}

// SegmentSourceChanged reports whether the base tables changed since the last successful refresh (or
// whether there never was one). It reads two small rows, so the schedule can ask it every tick.
func (db *DB) SegmentSourceChanged(ctx context.Context) (bool, error) {
	const q = `
		SELECT s.change_seq > coalesce((
			SELECT l.change_seq FROM public.materialized_view_refresh_log l
			WHERE l.view_name = 'brand_product_segments' AND l.status = 'success' AND l.change_seq IS NOT NULL
			ORDER BY l.id DESC LIMIT 1), -1)
		FROM public.segment_source_state s`
	var changed bool
	if err := db.pool.QueryRow(ctx, q).Scan(&changed); err != nil {
		return false, fmt.Errorf("compare segment source change_seq: %w", err)
	}
	return changed, nil
}

// RefreshHistory returns one page of the refresh log, newest first, and the number of rows in all.
func (db *DB) RefreshHistory(ctx context.Context, limit, offset int) ([]refreshlog.Run, int, error) {
	q := `SELECT ` + runColumns + `, count(*) OVER () AS total
		FROM public.materialized_view_refresh_log l
		WHERE l.view_name = 'brand_product_segments'
		ORDER BY l.id DESC
		LIMIT $1 OFFSET $2`
	rows, err := db.pool.Query(ctx, q, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list refresh history (limit %d offset %d): %w", limit, offset, err)
	}
	total := 0
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (refreshlog.Run, error) {
		return scanRunAnd(row, &total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list refresh history (limit %d offset %d): %w", limit, offset, err)
	}
	if len(runs) == 0 && offset > 0 {
		// Past the last page: the window function saw no row, so count separately.
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM public.materialized_view_refresh_log WHERE view_name = 'brand_product_segments'`).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count refresh history: %w", err)
		}
	}
	return runs, total, nil
}

// runColumns are the log columns scanRun reads, in its order.
const runColumns = `l.id, l.trigger_source, l.requested_by, l.status, l.refresh_start, l.refresh_end, l.row_count, l.error`

func scanRun(row pgx.CollectableRow) (refreshlog.Run, error) { return scanRunAnd(row) }

// scanRunAnd scans runColumns and then the extra columns that follow them into extra.
func scanRunAnd(row pgx.CollectableRow, extra ...any) (refreshlog.Run, error) {
	var r refreshlog.Run
	var end *time.Time
	var by, errText *string
	dest := append([]any{&r.ID, &r.Trigger, &by, &r.Status, &r.Start, &end, &r.RowCount, &errText}, extra...)
	err := row.Scan(dest...)
	r.End, r.RequestedBy, r.Error = deref(end), deref(by), deref(errText)
	return r, err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
