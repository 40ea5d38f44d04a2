package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// QueueRefresh records one follow-up refresh of the segments, to run when the refresh running now ends.
// There is at most one: a request while one is queued moves its time (the follow-up must start after
// this request too) and names the newest requester.
func (db *DB) QueueRefresh(ctx context.Context, req refreshlog.Request) error {
	const q = `
		INSERT INTO public.refresh_requests AS r (view_name, requested_at, trigger_source, requested_by)
		VALUES ('brand_product_segments', clock_timestamp(), $1, $2)
		ON CONFLICT (view_name) DO UPDATE
		SET requested_at = EXCLUDED.requested_at, trigger_source = EXCLUDED.trigger_source, requested_by = EXCLUDED.requested_by`
	if _, err := db.pool.Exec(ctx, q, string(req.Trigger), nullIfEmpty(req.RequestedBy)); err != nil {
		return fmt.Errorf("queue a refresh (%s by %s): %w", req.Trigger, req.RequestedBy, err)
	}
	return nil
}

// SettleQueuedRefresh removes the queued refresh when it was requested before ranFrom, the start of a
// refresh that has just ended (that refresh read data at least as new as the request's), and returns the
// one still queued, requested while that refresh ran, if any.
func (db *DB) SettleQueuedRefresh(ctx context.Context, ranFrom time.Time) (refreshlog.Queued, bool, error) {
	// Both parts read the statement's snapshot: the SELECT sees the row as it was, and only a row the
	// DELETE leaves (requested at or after ranFrom) can match it.
	const q = `
		WITH settled AS (
			DELETE FROM public.refresh_requests
			WHERE view_name = 'brand_product_segments' AND requested_at < $1
		)
		SELECT requested_at, trigger_source, coalesce(requested_by, '')
		FROM public.refresh_requests
		WHERE view_name = 'brand_product_segments' AND requested_at >= $1`
	return db.queuedRefresh(ctx, "settle queued refresh", q, ranFrom)
}

// QueuedRefresh returns the queued follow-up refresh, if any.
func (db *DB) QueuedRefresh(ctx context.Context) (refreshlog.Queued, bool, error) {
	const q = `
		SELECT requested_at, trigger_source, coalesce(requested_by, '')
		FROM public.refresh_requests
		WHERE view_name = 'brand_product_segments'`
	return db.queuedRefresh(ctx, "read queued refresh", q)
}

func (db *DB) queuedRefresh(ctx context.Context, op, q string, args ...any) (refreshlog.Queued, bool, error) {
	var (
		qr      refreshlog.Queued
		trigger string
	)
	err := db.pool.QueryRow(ctx, q, args...).Scan(&qr.RequestedAt, &trigger, &qr.RequestedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return refreshlog.Queued{}, false, nil
	}
	if err != nil {
		return refreshlog.Queued{}, false, fmt.Errorf("%s: %w", op, err)
	}
	qr.Trigger = refreshlog.Trigger(trigger)
	return qr, true, nil
}

// WaitRefreshLock blocks until no session holds the refresh procedure's advisory lock: it takes the lock
// on a connection of its own and gives it back at once. Cancelling ctx cancels the wait.
func (db *DB) WaitRefreshLock(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection to wait for the refresh lock: %w", err)
	}
	defer conn.Release()
	const q = `SELECT pg_advisory_lock(hashtextextended('public.brand_product_segments', 0)),
	                  pg_advisory_unlock(hashtextextended('public.brand_product_segments', 0))`
	if _, err := conn.Exec(ctx, q); err != nil {
		// The connection may still hold the lock if the query was interrupted between the two calls: closing
		// it ends the session, which releases the lock. pgx marks it closed (and Release drops it from the
		// pool) whatever Close returns, so its error changes nothing.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		return fmt.Errorf("wait for the refresh lock: %w", err)
	}
	return nil
}
