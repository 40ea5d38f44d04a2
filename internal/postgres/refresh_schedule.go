package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// ClaimScheduleInterval claims for instance the interval of the refresh schedule that contains at (every
// long, binned from the Unix epoch; a zero at means the database's clock, which every instance shares).
// It claims only when the last claimed interval has ended, in one statement: ON CONFLICT DO UPDATE locks
// the row and re-checks the condition against the newest version, so of two instances ticking at once
// exactly one wins. claimed is false when another tick (of any instance) served the interval already.
func (db *DB) ClaimScheduleInterval(ctx context.Context, at time.Time, every time.Duration, instance string) (claim refreshlog.ScheduleClaim, claimed bool, err error) {
	if every <= 0 {
		return refreshlog.ScheduleClaim{}, false, fmt.Errorf("claim schedule interval: the interval must be positive, got %s", every)
	}
	var atArg *time.Time
	if !at.IsZero() {
		atArg = &at
	}
	const q = `
		WITH t AS (
			SELECT coalesce($1::timestamptz, statement_timestamp()) AS at, $2::bigint * interval '1 microsecond' AS every
		), slot AS (
			SELECT at, date_bin(every, at, timestamptz '1970-01-01 00:00:00+00') AS start, every FROM t
		)
		INSERT INTO public.refresh_schedule_claims AS c
			(view_name, interval_start, interval_end, claimed_at, claimed_by, finished_at, outcome)
		SELECT 'brand_product_segments', start, start + every, at, $3, NULL, NULL FROM slot
		ON CONFLICT (view_name) DO UPDATE
		SET interval_start = EXCLUDED.interval_start, interval_end = EXCLUDED.interval_end,
		    claimed_at = EXCLUDED.claimed_at, claimed_by = EXCLUDED.claimed_by, finished_at = NULL, outcome = NULL
		WHERE c.interval_end <= EXCLUDED.interval_start
		RETURNING interval_start, interval_end, claimed_at, claimed_by`
	err = db.pool.QueryRow(ctx, q, atArg, every.Microseconds(), instance).
		Scan(&claim.IntervalStart, &claim.IntervalEnd, &claim.ClaimedAt, &claim.ClaimedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return refreshlog.ScheduleClaim{}, false, nil
	}
	if err != nil {
		return refreshlog.ScheduleClaim{}, false, fmt.Errorf("claim schedule interval (every %s, by %s): %w", every, instance, err)
	}
	return claim, true, nil
}

// FinishScheduleInterval records what the tick that claimed claim did, unless another claim replaced it.
func (db *DB) FinishScheduleInterval(ctx context.Context, claim refreshlog.ScheduleClaim, outcome string) error {
	const q = `
		UPDATE public.refresh_schedule_claims
		SET finished_at = clock_timestamp(), outcome = $3
		WHERE view_name = 'brand_product_segments' AND interval_start = $1 AND claimed_by = $2`
	if _, err := db.pool.Exec(ctx, q, claim.IntervalStart, claim.ClaimedBy, outcome); err != nil {
		return fmt.Errorf("finish schedule interval %s by %s: %w", claim.IntervalStart, claim.ClaimedBy, err)
	}
	return nil
}

// LastScheduleClaim returns the newest claimed interval of the schedule, if any instance ever claimed one.
func (db *DB) LastScheduleClaim(ctx context.Context) (refreshlog.ScheduleClaim, bool, error) {
	const q = `
		SELECT interval_start, interval_end, claimed_at, claimed_by, finished_at, coalesce(outcome, '')
		FROM public.refresh_schedule_claims
		WHERE view_name = 'brand_product_segments'`
	var (
		c        refreshlog.ScheduleClaim
		finished *time.Time
	)
	err := db.pool.QueryRow(ctx, q).Scan(&c.IntervalStart, &c.IntervalEnd, &c.ClaimedAt, &c.ClaimedBy, &finished, &c.Outcome)
	if errors.Is(err, pgx.ErrNoRows) {
		return refreshlog.ScheduleClaim{}, false, nil
	}
	if err != nil {
		return refreshlog.ScheduleClaim{}, false, fmt.Errorf("read the last schedule claim: %w", err)
	}
	c.FinishedAt = deref(finished)
	return c, true, nil
}
