package postgres

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// seedWeek inserts one active brand, one mapped ASIN and one weekly report with two queries.
func seedWeek(t *testing.T, db *DB, asin string, weekStart string) {
	t.Helper()
	ctx := context.Background()
	_, err := db.pool.Exec(ctx, `
		WITH b AS (
			INSERT INTO public.brands (brand_name, display_name) VALUES ($1, $1)
			ON CONFLICT (brand_name) DO UPDATE SET display_name = excluded.display_name
			RETURNING id
		)
		INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title)
		SELECT $2::varchar(20), b.id, 'Test product ' || $2::text FROM b
		ON CONFLICT (asin) DO NOTHING`, "Brand of "+asin, asin)
	if err != nil {
		t.Fatalf("seed brand and mapping: %v", err)
	}
	_, err = db.pool.Exec(ctx, `
		WITH w AS (
			INSERT INTO sqp.asin_performance_data (asin, start_date, end_date)
			VALUES ($1, $2::date, $2::date + 6) RETURNING id
		)
		INSERT INTO sqp.search_query_performance (asin_performance_id, search_query,
			total_query_impression_count, asin_impression_count, total_click_count, asin_click_count,
			total_cart_add_count, asin_cart_add_count, total_purchase_count, asin_purchase_count)
		SELECT w.id, q.query, 1000, 100, 50, 10, 20, 4, 10, 2
		FROM w, (VALUES ('red shoes'), ('blue shoes')) AS q(query)`, asin, weekStart)
	if err != nil {
		t.Fatalf("seed week %s of %s: %v", weekStart, asin, err)
	}
}

// logRows returns the refresh log, oldest first.
func logRows(t *testing.T, db *DB) []refreshlog.Run {
	t.Helper()
	runs, _, err := db.RefreshHistory(context.Background(), 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs
}

func segmentCount(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	if err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM public.brand_product_segments`).Scan(&n); err != nil {
		t.Fatalf("query segments: %v", err)
	}
	return n
}

// blockRefresh holds an ACCESS EXCLUSIVE lock on a base table in its own transaction, so that a refresh
// (which must read it) waits; release ends the transaction.
func blockRefresh(t *testing.T, db *DB) (release func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE sqp.search_query_performance IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = tx.Rollback(ctx) }) }
	t.Cleanup(release)
	return release
}

// waitRunning waits until a refresh has logged its running row.
func waitRunning(t *testing.T, db *DB) refreshlog.Run {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		run, ok, err := db.RunningRefresh(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return run
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no refresh started running within 10s")
	return refreshlog.Run{}
}

func TestRefreshSegments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("skipped when nothing changed, refreshed after insert, update and delete", func(t *testing.T) {
		t.Parallel()
		db := openTestDB(t, pgtest.NewDatabase(t))
		r := refresh.New(db, refresh.Options{})
		seedWeek(t, db, "B000TEST01", "2026-01-04")

		run := func(force bool) refreshlog.Outcome {
			t.Helper()
			out, err := r.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: force})
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			return out
		}
		first := run(false)
		if first.Status != refreshlog.StatusSuccess || first.RowCount == 0 || first.LogID == 0 {
			t.Fatalf("first refresh after seeding = %+v, want success with rows and a log id", first)
		}
		if n := segmentCount(t, db); n != first.RowCount {
			t.Fatalf("segments hold %d rows, the refresh reported %d", n, first.RowCount)
		}
		if got := run(false); got.Status != refreshlog.StatusSkipped {
			t.Fatalf("refresh without changes = %s, want skipped", got.Status)
		}
		if got := run(true); got.Status != refreshlog.StatusSuccess {
			t.Fatalf("forced refresh without changes = %s, want success", got.Status)
		}

		changes := []struct{ name, sql string }{
			{"insert", `INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, asin_impression_count, total_query_impression_count)
				SELECT id, 'green shoes', 7, 70 FROM sqp.asin_performance_data WHERE asin = 'B000TEST01'`},
			{"update", `UPDATE sqp.search_query_performance SET asin_impression_count = asin_impression_count + 1 WHERE search_query = 'red shoes'`},
			{"delete", `DELETE FROM sqp.search_query_performance WHERE search_query = 'blue shoes'`},
		}
		for _, c := range changes {
			before := sumImpressions(t, db)
			if _, err := db.pool.Exec(ctx, c.sql); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			changed, err := db.SegmentSourceChanged(ctx)
			if err != nil || !changed {
				t.Fatalf("after %s: SegmentSourceChanged = %t, %v; want true", c.name, changed, err)
			}
			if got := run(false); got.Status != refreshlog.StatusSuccess {
				t.Fatalf("refresh after %s = %s, want success", c.name, got.Status)
			}
			if after := sumImpressions(t, db); after == before {
				t.Fatalf("segments' impressions still %d after %s and refresh", after, c.name)
			}
		}
		// A statement that changes no row is no change.
		if _, err := db.pool.Exec(ctx, `DELETE FROM sqp.search_query_performance WHERE search_query = 'no such query'`); err != nil {
			t.Fatal(err)
		}
		if got := run(false); got.Status != refreshlog.StatusSkipped {
			t.Fatalf("refresh after a delete of no row = %s, want skipped", got.Status)
		}

		var statuses []string
		for _, l := range logRows(t, db) {
			statuses = append(statuses, string(l.Status))
			if l.Trigger != "cli" || l.RequestedBy != "test" || l.End.IsZero() {
				t.Errorf("log row %+v: want trigger cli, requested by test, and an end", l)
			}
		}
		want := "success skipped success success success success skipped"
		if got := strings.Join(statuses, " "); got != want {
			t.Fatalf("log statuses = %q, want %q", got, want)
		}
	})

	t.Run("two refreshers on separate pools: one runs, the other is told it is running", func(t *testing.T) {
		t.Parallel()
		url := pgtest.NewDatabase(t)
		dbA, dbB, dbLock := openTestDB(t, url), openTestDB(t, url), openTestDB(t, url)
		seedWeek(t, dbA, "B000TEST02", "2026-01-11")
		release := blockRefresh(t, dbLock)

		type result struct {
			out refreshlog.Outcome
			err error
		}
		results := make(chan result, 2)
		var start sync.WaitGroup
		start.Add(1)
		for _, db := range []*DB{dbA, dbB} {
			r := refresh.New(db, refresh.Options{})
			go func() {
				start.Wait()
				out, err := r.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "alice", Force: true})
				results <- result{out, err}
			}()
		}
		start.Done()

		// The loser answers at once, while the winner waits for the lock held above.
		busy := <-results
		e, ok := apperr.As(busy.err)
		if !ok || e.Code != apperr.ECONFLICT {
			t.Fatalf("first answer = %+v, %v; want a conflict while the other refresh waits", busy.out, busy.err)
		}
		if !strings.HasPrefix(e.Message, "a refresh is already running (started ") || !strings.HasSuffix(e.Message, " by alice)") {
			t.Fatalf("conflict message = %q", e.Message)
		}
		release()
		won := <-results
		if won.err != nil || won.out.Status != refreshlog.StatusSuccess {
			t.Fatalf("the other refresh = %+v, %v; want success", won.out, won.err)
		}
		if rows := logRows(t, dbA); len(rows) != 1 || rows[0].Status != refreshlog.StatusSuccess {
			t.Fatalf("log = %+v, want exactly one successful run", rows)
		}
	})

	t.Run("a failing refresh is logged failed and the segments keep serving", func(t *testing.T) {
		t.Parallel()
		dbURL := pgtest.NewDatabase(t)
		db := openTestDB(t, dbURL)
		seedWeek(t, db, "B000TEST03", "2026-01-18")
		r := refresh.New(db, refresh.Options{})
		if _, err := r.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
			t.Fatal(err)
		}
		served := segmentCount(t, db)

		// A session whose lock_timeout is short fails the refresh while a base table is locked.
		impatient := openTestDB(t, withParam(t, dbURL, "lock_timeout", "300ms"))
		release := blockRefresh(t, db)
		out, err := refresh.New(impatient, refresh.Options{}).Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true})
		if err == nil || out.Status != refreshlog.StatusFailed {
			t.Fatalf("refresh during a held lock = %+v, %v; want failed with an error", out, err)
		}
		if !strings.Contains(err.Error(), "lock timeout") {
			t.Fatalf("error = %v, want the database's lock timeout", err)
		}
		release()
		rows := logRows(t, db)
		last := rows[len(rows)-1]
		if last.Status != refreshlog.StatusFailed || !strings.Contains(last.Error, "lock timeout") || last.End.IsZero() {
			t.Fatalf("last log row = %+v, want failed with the lock timeout error and an end", last)
		}
		if n := segmentCount(t, db); n != served {
			t.Fatalf("segments hold %d rows after the failed refresh, want the previous %d", n, served)
		}
	})

	t.Run("a refresh cancelled by shutdown is logged cancelled and releases the lock", func(t *testing.T) {
		t.Parallel()
		url := pgtest.NewDatabase(t)
		db, dbLock := openTestDB(t, url), openTestDB(t, url)
		seedWeek(t, db, "B000TEST04", "2026-01-25")
		r := refresh.New(db, refresh.Options{})
		release := blockRefresh(t, dbLock)

		if err := r.Start(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "bob", Force: true}); err != nil {
			t.Fatal(err)
		}
		running := waitRunning(t, db)
		if running.RequestedBy != "bob" || running.Trigger != "manual" {
			t.Fatalf("running row = %+v", running)
		}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := r.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
		release()
		rows := logRows(t, db)
		// Two paths record the run, and which one does is a race: pgx's cancel request makes the procedure log
		// PostgreSQL's "canceling statement due to user request" itself, or the refresher's terminate ends the
		// session first and it records sqpdash's "cancelled: sqpdash stopped ...". Either is a cancelled run
		// with an end and a reason.
		if len(rows) != 1 || rows[0].Status != refreshlog.StatusCancelled || rows[0].End.IsZero() || !strings.Contains(rows[0].Error, "cancel") {
			t.Fatalf("log = %+v, want one cancelled run with an end and a reason", rows)
		}
		if f, ok := r.Last(); !ok || f.Outcome.Status != refreshlog.StatusCancelled {
			t.Fatalf("Last = %+v, %t; want the cancelled run", f, ok)
		}
		// The session was stopped, so the advisory lock is free again.
		out, err := refresh.New(db, refresh.Options{}).Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true})
		if err != nil || out.Status != refreshlog.StatusSuccess {
			t.Fatalf("refresh after the cancelled one = %+v, %v; want success", out, err)
		}
	})

	t.Run("the least-privilege web role can refresh, read the status and cancel its refresh", func(t *testing.T) {
		t.Parallel()
		ownerURL := pgtest.NewDatabase(t)
		owner := openTestDB(t, ownerURL)
		if err := owner.EnableLogin(ctx, WebRole); err != nil {
			t.Fatal(err)
		}
		webURL, err := URLAsRole(ownerURL, WebRole)
		if err != nil {
			t.Fatal(err)
		}
		web := openTestDB(t, webURL)
		seedWeek(t, owner, "B000TEST07", "2026-02-22")
		r := refresh.New(web, refresh.Options{})
		if err := r.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		if out, err := r.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "web"}); err != nil || out.Status != refreshlog.StatusSuccess {
			t.Fatalf("refresh as %s = %+v, %v; want success", WebRole, out, err)
		}
		if _, err := web.SegmentsStatus(ctx); err != nil {
			t.Fatalf("status as %s: %v", WebRole, err)
		}
		if err := web.Readiness(ctx); err != nil {
			t.Fatalf("readiness as %s: %v", WebRole, err)
		}
		release := blockRefresh(t, owner)
		if err := r.Start(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "web", Force: true}); err != nil {
			t.Fatal(err)
		}
		waitRunning(t, web)
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		release()
		rows := logRows(t, owner)
		if last := rows[len(rows)-1]; last.Status != refreshlog.StatusCancelled {
			t.Fatalf("last run = %+v, want cancelled by the web role itself", last)
		}
	})

	t.Run("running rows of dead sessions are marked failed on start", func(t *testing.T) {
		t.Parallel()
		db := openTestDB(t, pgtest.NewDatabase(t))
		// pid 1 is never a PostgreSQL backend.
		_, err := db.pool.Exec(ctx, `
			INSERT INTO public.materialized_view_refresh_log (view_name, refresh_start, status, trigger_source, backend_pid)
			VALUES ('brand_product_segments', now() - interval '1 hour', 'running', 'schedule', 1)`)
		if err != nil {
			t.Fatal(err)
		}
		if err := refresh.New(db, refresh.Options{}).Recover(ctx); err != nil {
			t.Fatal(err)
		}
		rows := logRows(t, db)
		if len(rows) != 1 || rows[0].Status != refreshlog.StatusFailed || rows[0].End.IsZero() || rows[0].Error == "" {
			t.Fatalf("log = %+v, want the orphaned run failed with an end and a reason", rows)
		}
		if _, ok, err := db.RunningRefresh(ctx); ok || err != nil {
			t.Fatalf("RunningRefresh = %t, %v; want none", ok, err)
		}
	})
}

func TestSegmentsStatusAndReadiness(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	seedWeek(t, db, "B000TEST06", "2026-02-08")
	seedWeek(t, db, "B000TEST06", "2026-02-15")

	st, err := db.SegmentsStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.HasSuccess || !st.ChangedSince {
		t.Fatalf("before any refresh: status %+v, want no success and changed", st)
	}
	want := struct{ brands, asins, weeks int64 }{1, 1, 2}
	c := st.Coverage
	if c.Brands != want.brands || c.ASINs != want.asins || c.Weeks != want.weeks || c.NewestWeek.Format(time.DateOnly) != "2026-02-15" {
		t.Fatalf("coverage = %+v, want %+v and newest week 2026-02-15", c, want)
	}

	out, err := refresh.New(db, refresh.Options{}).Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Readiness(ctx); err != nil {
		t.Fatalf("Readiness after a refresh = %v, want ready", err)
	}
	st, err = db.SegmentsStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Populated || !st.HasSuccess || st.ChangedSince || st.Rows != out.RowCount || st.SizeBytes <= 0 || st.LastSuccess.ID != out.LogID {
		t.Fatalf("after a refresh: status %+v, want populated, fresh, %d rows of log id %d", st, out.RowCount, out.LogID)
	}
	if st.Validation == "" || st.ValidationViolations != 0 {
		t.Fatalf("validation = %q with %d violations, want a logged, passing validation", st.Validation, st.ValidationViolations)
	}
}

func sumImpressions(t *testing.T, db *DB) int64 {
	t.Helper()
	var n int64
	err := db.pool.QueryRow(context.Background(), `SELECT coalesce(sum(asin_impressions), 0)::bigint FROM public.brand_product_segments`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// withParam adds a run-time parameter to a connection URL (pgx sends unknown URL parameters to the server).
func withParam(t *testing.T, raw, name, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
