package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The statements below are the original spec's own (its refresh section and rollback script; docs/spec-notes.md), run verbatim:
// callers of the spec (cron jobs, RPC clients, a DBA's rollback) must be able to run them unchanged.
const (
	specRefresh  = `SELECT public.refresh_brand_product_segments_incremental();`
	specGrant    = `GRANT EXECUTE ON FUNCTION public.refresh_brand_product_segments_incremental() TO authenticated, service_role;`
	specRollback = `-- Rollback migration: 053_rollback_brand_product_segments.sql
-- Description: Clean removal of brand product segments infrastructure

-- Drop materialized view and all dependent objects
DROP MATERIALIZED VIEW IF EXISTS public.brand_product_segments CASCADE;

-- Drop functions
DROP FUNCTION IF EXISTS public.get_product_segment_metadata(UUID, DATE, DATE);
DROP FUNCTION IF EXISTS public.refresh_brand_product_segments_incremental();
DROP FUNCTION IF EXISTS validate_brand_product_segments();

-- Drop enhanced view
DROP VIEW IF EXISTS public.brand_performance_enhanced;

-- Note: Indexes are automatically dropped with the materialized view
`
)

// noticeConn opens a session that records the NOTICEs and WARNINGs the server sends it.
func noticeConn(ctx context.Context, t *testing.T, url string) (*pgx.Conn, func() []string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		notices = append(notices, n.Severity+": "+n.Message)
		mu.Unlock()
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) }) // the test is over: nothing depends on it
	return conn, func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := notices
		notices = nil
		return out
	}
}

func TestSpecStatementsRunVerbatim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("SELECT refreshes, logs and returns; again without changes it skips", func(t *testing.T) {
		t.Parallel()
		url, _ := refreshDatabase(ctx, t)
		conn, notices := noticeConn(ctx, t, url)
		observer := connect(ctx, t, url)
		for i, want := range []string{"success", "skipped"} {
			if _, err := conn.Exec(ctx, specRefresh); err != nil {
				t.Fatalf("run %d: %v", i+1, err)
			}
			log := readLog(ctx, t, observer) // another session: the row was committed
			last := log[len(log)-1]
			if len(log) != i+1 || last.Status != want || last.Trigger != "sql" || last.End == nil || last.Error != nil {
				t.Fatalf("run %d: log %+v, want one more %s row triggered by sql, finished, without error", i+1, log, want)
			}
			if got := notices(); len(got) != 1 || !strings.HasPrefix(got[0], "NOTICE: brand_product_segments: "+want) {
				t.Errorf("run %d: notices %q", i+1, got)
			}
		}
		var rows, brandRows int64
		if err := observer.QueryRow(ctx, `SELECT (SELECT count(*) FROM public.brand_product_segments),
			(SELECT count(*) FROM public.brand_marketplace_segments)`).Scan(&rows, &brandRows); err != nil || rows == 0 || brandRows == 0 {
			t.Fatalf("views after the refresh: %d product rows, %d brand rows, %v", rows, brandRows, err)
		}
		if log := readLog(ctx, t, observer); *log[0].RowCount != rows || log[0].ValidationOK == nil || !*log[0].ValidationOK {
			t.Errorf("success row %+v: want row count %d and a passed validation", log[0], rows)
		}
	})

	t.Run("it runs inside the caller's transaction block", func(t *testing.T) {
		t.Parallel()
		url, _ := refreshDatabase(ctx, t)
		conn, _ := noticeConn(ctx, t, url)
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, specRefresh); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if log := readLog(ctx, t, connect(ctx, t, url)); len(log) != 1 || log[0].Status != "success" {
			t.Fatalf("log %+v, want one success", log)
		}
	})

	t.Run("a failure is logged in its row and reported as a WARNING, and the view keeps its rows", func(t *testing.T) {
		t.Parallel()
		url, _ := refreshDatabase(ctx, t)
		conn, notices := noticeConn(ctx, t, url)
		observer := connect(ctx, t, url)
		mustExec(ctx, t, conn, specRefresh)
		notices()
		var before int64
		if err := observer.QueryRow(ctx, `SELECT count(*) FROM public.brand_product_segments`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		// A change to refresh, and a lock the refresh cannot get within the lock timeout.
		mustExec(ctx, t, observer, `DELETE FROM sqp.asin_performance_data WHERE asin = 'B0NOMAP001'`)
		holder, err := observer.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Rollback(ctx) //nolint:errcheck // released below
		// The view's input: the per-segment sums (the brand level reads only changed weeks, none here).
		mustExec(ctx, t, holder.Conn(), `LOCK TABLE sqp.segment_sums IN ACCESS EXCLUSIVE MODE`)
		mustExec(ctx, t, conn, `SET lock_timeout = '200ms'`)
		if _, err := conn.Exec(ctx, specRefresh); err != nil {
			t.Fatalf("the function raised %v; want it to return after logging", err)
		}
		if err := holder.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		got := notices()
		if len(got) != 1 || !strings.HasPrefix(got[0], "WARNING: brand_product_segments: refresh failed, logged in materialized_view_refresh_log id") ||
			!strings.Contains(got[0], "lock timeout") {
			t.Errorf("notices %q, want one WARNING naming the log row and the lock timeout", got)
		}
		log := readLog(ctx, t, observer)
		last := log[len(log)-1]
		if last.Status != "failed" || last.Error == nil || !strings.Contains(*last.Error, "lock timeout") || last.End == nil || last.RowCount != nil {
			t.Fatalf("last log row %+v, want failed with the lock timeout, an end and no row count", last)
		}
		var after int64
		if err := observer.QueryRow(ctx, `SELECT count(*) FROM public.brand_product_segments`).Scan(&after); err != nil || after != before {
			t.Fatalf("view holds %d rows after the failure, want the previous %d (%v)", after, before, err)
		}
		// The failed run recorded no change_seq, so the next call refreshes.
		mustExec(ctx, t, conn, `RESET lock_timeout`)
		mustExec(ctx, t, conn, specRefresh)
		if log := readLog(ctx, t, observer); log[len(log)-1].Status != "success" {
			t.Fatalf("after the failure: %+v, want success", log[len(log)-1])
		}
	})

	t.Run("while the procedure's lock is held it does nothing and says so", func(t *testing.T) {
		t.Parallel()
		url, _ := refreshDatabase(ctx, t)
		conn, notices := noticeConn(ctx, t, url)
		holder := connect(ctx, t, url)
		mustExec(ctx, t, holder, `SELECT pg_advisory_lock(hashtextextended('public.brand_product_segments', 0))`)
		mustExec(ctx, t, conn, specRefresh)
		if got := notices(); len(got) != 1 || !strings.Contains(got[0], "a refresh is already running") {
			t.Errorf("notices %q", got)
		}
		if log := readLog(ctx, t, holder); len(log) != 0 {
			t.Errorf("log %+v, want nothing logged", log)
		}
	})

	t.Run("the spec's GRANT runs", func(t *testing.T) {
		t.Parallel()
		_, conn := refreshDatabase(ctx, t)
		mustExec(ctx, t, conn, specGrant)
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT has_function_privilege('service_role', 'public.refresh_brand_product_segments_incremental()', 'EXECUTE')`).Scan(&ok); err != nil || !ok {
			t.Fatalf("service_role EXECUTE: %t, %v", ok, err)
		}
	})

	t.Run("the spec's rollback script runs and removes the spec's objects", func(t *testing.T) {
		t.Parallel()
		_, conn := refreshDatabase(ctx, t)
		if _, err := conn.Exec(ctx, specRollback); err != nil {
			t.Fatalf("rollback script: %v", err)
		}
		var left string
		err := conn.QueryRow(ctx, `SELECT concat_ws(', ',
			to_regclass('public.brand_product_segments')::text, to_regclass('public.brand_performance_enhanced')::text,
			to_regprocedure('public.get_product_segment_metadata(uuid, date, date)')::text,
			to_regprocedure('public.refresh_brand_product_segments_incremental()')::text,
			to_regprocedure('public.validate_brand_product_segments()')::text)`).Scan(&left)
		if err != nil || left != "" {
			t.Fatalf("objects left by the rollback: %q, %v", left, err)
		}
	})
}
