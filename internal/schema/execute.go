package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// execute runs the plan in one transaction on the target: first the materialized views built beside the
// serving ones (PhaseBuild: readers keep reading the old views, refreshes of them wait), then every other
// statement (the swap) in a savepoint under a short lock_timeout, given up and retried when a lock is not
// granted in time, so that readers never queue behind the apply for longer than that. It validates the
// materialized views and checks the swapped ones before committing; any failure rolls everything back.
func execute(ctx context.Context, conn *sql.Conn, plan *Plan, des *catalog, opts Options, out io.Writer, res *Result) error {
	lockTimeout, retryFor := opts.LockTimeout, opts.LockRetryFor
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	if retryFor <= 0 {
		retryFor = DefaultLockRetryFor
	}
	if _, err := conn.ExecContext(ctx, "RESET search_path"); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("target: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('sqpdash schema apply'))"); err != nil {
		return fmt.Errorf("target: lock: %w", err)
	}
	deadline := time.Now().Add(retryFor)
	var hold, build, swap []Statement
	for _, s := range plan.Statements {
		switch s.Phase {
		case PhaseHold:
			hold = append(hold, s)
		case PhaseBuild:
			build = append(build, s)
		default:
			swap = append(swap, s)
		}
	}
	fail := func(i int, s Statement, err error) error {
		return fmt.Errorf("statement %d of %d (%s) failed, nothing was changed: %w\n%s", i+1, len(plan.Statements), s.Comment, err, s.SQL)
	}
	setLockTimeout := fmt.Sprintf("SET LOCAL lock_timeout = %d", lockTimeout.Milliseconds())

	if len(hold) > 0 {
		// The hold statements take what a REFRESH of the views to swap needs, not what a SELECT needs: a
		// refresh running now finishes first, so the new views are built from data at least as new as the
		// last refresh's (its logged change_seq stays a lower bound of what the views hold, and a change
		// committed during the build makes the next refresh run); one starting during the build waits for
		// the commit and then refreshes the new view. Each wait is given up after lock_timeout and retried:
		// holding some views while queueing for another could deadlock with a refresh that takes them in
		// another order, and a wait shorter than deadlock_timeout never cancels autovacuum.
		if _, err := retryLocks(ctx, tx, "sqpdash_hold", deadline, func() error {
			if _, err := tx.ExecContext(ctx, setLockTimeout); err != nil {
				return err
			}
			for i, s := range hold {
				if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
					return fail(i, s, err)
				}
			}
			_, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = 0")
			return err
		}); err != nil {
			return fmt.Errorf("wait for the refreshes of %s to finish (for %s), nothing was changed: %w", strings.Join(plan.Swapped, ", "), retryFor, err)
		}
	}
	if len(build) > 0 {
		fmt.Fprintf(out, "-- building %s beside the serving view(s); readers keep reading them\n", strings.Join(plan.Swapped, ", "))
		start := time.Now()
		for i, s := range build {
			if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
				return fail(len(hold)+i, s, err)
			}
		}
		res.Build = time.Since(start)
	}
	// Counting a large view takes a while: the views that exist before the swap are counted now, while
	// the apply holds nothing readers wait for.
	inSwap := make(map[string]bool)
	for _, s := range swap {
		if s.Kind == KindMaterializedView && s.Action == ActionCreate && !slices.Contains(plan.Swapped, s.Object) {
			inSwap[s.Object] = true
		}
	}
	rows := make(map[string]int64)
	for _, name := range sortedKeys(des.relations) {
		d := des.relations[name]
		if d.Kind != "m" || inSwap[name] {
			continue
		}
		from := name
		if slices.Contains(plan.Swapped, name) {
			from = tempName(d)
		}
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+from).Scan(&n); err != nil {
			return fmt.Errorf("validate %s: %w", name, err)
		}
		rows[name] = n
	}

	var swapStart time.Time
	// The swap goes in one round trip (the simple protocol runs several statements): readers of the swapped
	// views wait from its first DROP to the commit, and a round trip per statement would add tens of
	// milliseconds each on a busy machine. The newline before each ';' ends a trailing "--" comment.
	batch := []string{setLockTimeout}
	for _, s := range swap {
		batch = append(batch, s.SQL)
	}
	swapSQL := strings.Join(batch, "\n;\n")
	tries, err := retryLocks(ctx, tx, "sqpdash_swap", deadline, func() error {
		swapStart = time.Now()
		_, err := tx.ExecContext(ctx, swapSQL)
		if err == nil || lockConflict(err) {
			return err
		}
		// Say which statement failed: back to the savepoint, then one statement at a time.
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT sqpdash_swap"); rerr != nil {
			return fmt.Errorf("the swap failed, nothing was changed: %w", err)
		}
		if _, err := tx.ExecContext(ctx, setLockTimeout); err != nil {
			return err
		}
		for i, s := range swap {
			if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
				return fail(len(hold)+len(build)+i, s, err)
			}
		}
		return fmt.Errorf("the swap failed, nothing was changed: %w", err)
	})
	res.SwapTries = tries
	if err != nil {
		if lockConflict(err) {
			return fmt.Errorf("the swap did not get its locks within lock_timeout %s in %d tries over %s (a long reader or a refresh holds them); nothing was changed, the old views keep serving: %w", lockTimeout, tries, retryFor, err)
		}
		return err
	}
	if err := verifySwap(ctx, tx, plan.Swapped, des); err != nil {
		return err
	}
	if err := validate(ctx, tx, des, rows, out); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("target: commit: %w", err)
	}
	res.Swap = time.Since(swapStart)
	if len(plan.Swapped) > 0 {
		fmt.Fprintf(out, "-- built beside in %s; the swap held its locks for %s (try %d, lock_timeout %s)\n",
			res.Build.Round(time.Millisecond), res.Swap.Round(time.Millisecond), tries, lockTimeout)
	}
	return nil
}

// retryLocks runs run in a savepoint; when it fails because a lock was not granted (lock_timeout, NOWAIT,
// or a deadlock), it rolls back to the savepoint and tries again, waiting a little longer each time,
// until deadline. It returns the number of tries.
func retryLocks(ctx context.Context, tx *sql.Tx, savepoint string, deadline time.Time, run func() error) (int, error) {
	for try := 1; ; try++ {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT "+savepoint); err != nil {
			return try, fmt.Errorf("target: %w", err)
		}
		err := run()
		if err == nil {
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+savepoint); err != nil {
				return try, fmt.Errorf("target: %w", err)
			}
			return try, nil
		}
		if !lockConflict(err) || !time.Now().Before(deadline) {
			return try, err
		}
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+savepoint); rerr != nil {
			return try, fmt.Errorf("target: %w (after %w)", rerr, err)
		}
		// Readers that queued behind the given-up lock run now; the next try comes after them.
		wait := min(time.Duration(try)*50*time.Millisecond, time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return try, ctx.Err()
		case <-t.C:
		}
	}
}

// lockConflict reports an error of a lock not granted: lock_not_available (lock_timeout, NOWAIT) or
// deadlock_detected. Both end only the savepoint they happened in.
func lockConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "55P03" || pgErr.Code == "40P01")
}

// tempName is the qualified name a materialized view is built under beside the serving one.
func tempName(d *catRelation) string { return qident(d.Schema, d.Rel+swapSuffix) }

// verifySwap checks that each swapped view and its indexes now read exactly as the dev database built them:
// the build rewrote references between swapped views to their temporary names, and the renames must have
// brought every name back (a second apply then plans nothing).
func verifySwap(ctx context.Context, tx *sql.Tx, swapped []string, des *catalog) error {
	if len(swapped) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path = ''"); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	for _, name := range swapped {
		var def string
		if err := tx.QueryRowContext(ctx, "SELECT pg_get_viewdef($1::regclass, true)", name).Scan(&def); err != nil {
			return fmt.Errorf("check swapped %s: %w", name, err)
		}
		if def != des.relations[name].Def {
			return fmt.Errorf("check swapped %s: its definition differs from the desired one, nothing was changed:\n%s\nwant:\n%s", name, def, des.relations[name].Def)
		}
		for _, i := range des.indexes {
			if i.Relation != name {
				continue
			}
			if err := tx.QueryRowContext(ctx, "SELECT pg_get_indexdef($1::regclass)", i.Name).Scan(&def); err != nil {
				return fmt.Errorf("check swapped %s: %w", i.Name, err)
			}
			if def != i.Def {
				return fmt.Errorf("check swapped %s: index %s differs from the desired one, nothing was changed:\n%s\nwant:\n%s", name, i.Name, def, i.Def)
			}
		}
	}
	return nil
}

// validate is the seed's "Migration validation": each materialized view has rows (a warning when empty)
// and all its declared indexes. rows holds the views counted before the swap; the others (created inside
// it) are counted now.
func validate(ctx context.Context, tx *sql.Tx, des *catalog, rows map[string]int64, out io.Writer) error {
	for _, name := range sortedKeys(des.relations) {
		if des.relations[name].Kind != "m" {
			continue
		}
		want := 0
		for _, i := range des.indexes {
			if i.Relation == name {
				want++
			}
		}
		n, ok := rows[name]
		if !ok {
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+name).Scan(&n); err != nil {
				return fmt.Errorf("validate %s: %w", name, err)
			}
		}
		var indexes int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass", name).Scan(&indexes); err != nil {
			return fmt.Errorf("validate %s: %w", name, err)
		}
		fmt.Fprintf(out, "-- validation: %s has %d rows and %d indexes\n", name, n, indexes)
		if n == 0 {
			fmt.Fprintf(out, "-- warning: %s is empty: load data and refresh it\n", name)
		}
		if indexes != want {
			return fmt.Errorf("validate %s: %d indexes, want %d: nothing was changed", name, indexes, want)
		}
	}
	return nil
}
