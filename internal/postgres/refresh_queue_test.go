package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// pollUntil asks cond until it holds or the deadline passes: it waits for what the database records,
// not for time.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// queueRows counts the rows of the refresh queue.
func queueRows(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM public.refresh_requests`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// importRuns returns the refresh log rows with trigger import, oldest first.
func importRuns(t *testing.T, db *DB) []refreshlog.Run {
	t.Helper()
	var runs []refreshlog.Run
	for _, r := range logRows(t, db) {
		if r.Trigger == string(refreshlog.TriggerImport) {
			runs = append(runs, r)
		}
	}
	return runs
}

func TestQueuedRefresh(t *testing.T) {
	ctx := context.Background()

	t.Run("the process that ends the running refresh runs the follow-up", func(t *testing.T) {
		t.Parallel()
		dbURL := pgtest.NewDatabase(t)
		// Two sqpdash processes (A refreshes, B imports) and a session that keeps A's refresh waiting.
		dbA, dbB, dbLock := openTestDB(t, dbURL), openTestDB(t, dbURL), openTestDB(t, dbURL)
		seedWeek(t, dbA, "B000QUEUE1", "2026-01-04")
		release := blockRefresh(t, dbLock)
		done := make(chan refreshlog.Outcome, 1)
		go func() {
			out, _ := refresh.New(dbA, refresh.Options{}).Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "alice", Force: true})
			done <- out
		}()
		waitRunning(t, dbA)

		b := refresh.New(dbB, refresh.Options{})
		for i := range 2 {
			out, err := b.RunOrQueue(ctx, refreshlog.Request{Trigger: refreshlog.TriggerImport, RequestedBy: "bob"})
			if err != nil || out.Status != refreshlog.StatusQueued {
				t.Fatalf("import refresh #%d while another runs = %+v, %v; want queued", i+1, out, err)
			}
		}
		if n := queueRows(t, dbB); n != 1 {
			t.Fatalf("%d queued refreshes after two requests, want at most one", n)
		}
		q, ok, err := dbB.QueuedRefresh(ctx)
		if err != nil || !ok || q.RequestedBy != "bob" || q.Trigger != refreshlog.TriggerImport {
			t.Fatalf("queued = %+v, %t, %v", q, ok, err)
		}
		if runs := importRuns(t, dbA); len(runs) != 0 {
			t.Fatalf("the follow-up ran before the running refresh ended: %+v", runs)
		}

		release()
		out := <-done
		if out.Status != refreshlog.StatusSuccess && out.Status != refreshlog.StatusSkipped {
			t.Fatalf("A's run ended %+v", out)
		}
		runs := importRuns(t, dbA)
		if len(runs) != 1 || runs[0].RequestedBy != "bob" {
			t.Fatalf("import runs after A's refresh = %+v, want bob's follow-up", runs)
		}
		log := logRows(t, dbA)
		if log[0].Trigger != string(refreshlog.TriggerManual) || log[0].Status != refreshlog.StatusSuccess || !runs[0].Start.After(log[0].Start) {
			t.Errorf("log = %+v, want alice's refresh, then the follow-up", log)
		}
		if n := queueRows(t, dbA); n != 0 {
			t.Errorf("%d queued refreshes left after the follow-up ran", n)
		}
	})

	t.Run("an import behind a held refresh lock refreshes as soon as it is released", func(t *testing.T) {
		t.Parallel()
		dbURL := pgtest.NewDatabase(t)
		db, other := openTestDB(t, dbURL), openTestDB(t, dbURL)
		seedWeek(t, db, "B000QUEUE2", "2026-01-11")
		if _, err := refresh.New(db, refresh.Options{}).Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
			t.Fatal(err)
		}
		// Another session refreshing, as the procedure leaves it: the advisory lock and a running row.
		conn, err := other.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, `
			SELECT pg_advisory_lock(hashtextextended('public.brand_product_segments', 0));
			INSERT INTO public.materialized_view_refresh_log (view_name, refresh_start, status, trigger_source, requested_by, backend_pid)
			VALUES ('brand_product_segments', clock_timestamp(), 'running', 'sql', 'carol', pg_backend_pid())`); err != nil {
			t.Fatal(err)
		}
		// New data arrives (the import), and its refresh is asked for in the background, as the upload does.
		seedWeek(t, db, "B000QUEUE3", "2026-01-11")
		r := refresh.New(db, refresh.Options{})
		t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
		queued, err := r.StartOrQueue(ctx, refreshlog.Request{Trigger: refreshlog.TriggerImport, RequestedBy: "bob"})
		if err != nil || !queued {
			t.Fatalf("StartOrQueue while carol refreshes = %t, %v; want queued", queued, err)
		}
		pollUntil(t, "the background run to leave the request queued and wait for the lock", func() bool {
			var waiting int
			err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting)
			return err == nil && waiting == 1 && queueRows(t, db) == 1
		})
		if runs := importRuns(t, db); len(runs) != 0 {
			t.Fatalf("refreshed while the lock was held: %+v", runs)
		}

		if _, err := conn.Exec(ctx, `
			UPDATE public.materialized_view_refresh_log SET status = 'cancelled', refresh_end = clock_timestamp()
			WHERE backend_pid = pg_backend_pid() AND status = 'running';
			SELECT pg_advisory_unlock(hashtextextended('public.brand_product_segments', 0))`); err != nil {
			t.Fatal(err)
		}
		pollUntil(t, "the queued refresh to run once the lock is free", func() bool {
			runs := importRuns(t, db)
			return len(runs) == 1 && runs[0].Status == refreshlog.StatusSuccess && queueRows(t, db) == 0
		})
		if n := segmentCount(t, db); n < 2 {
			t.Errorf("%d segment rows, want the new ASIN's too", n)
		}
	})
}
