package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// Tests of the refresh procedure public.refresh_brand_product_segments and of the change tracking it relies
// on, called the way the application calls it: CALL through pgx's extended protocol, in autocommit.

// refreshResult is the row CALL public.refresh_brand_product_segments(...) returns.
type refreshResult struct {
	Status       *string
	LogID        *int64
	RowCount     *int64
	StartedAt    *time.Time
	FinishedAt   *time.Time
	Error        *string
	RunningSince *time.Time
	RunningBy    *string
}

func (r refreshResult) status() string {
	if r.Status == nil {
		return "<nil>"
	}
	return *r.Status
}

// callRefresh runs the procedure on conn; mode, if given, chooses how pgx sends it.
func callRefresh(ctx context.Context, conn *pgx.Conn, force bool, trigger, by string, mode ...pgx.QueryExecMode) (refreshResult, error) {
	var args []any
	for _, m := range mode {
		args = append(args, m)
	}
	args = append(args, force, trigger, by)
	var r refreshResult
	err := conn.QueryRow(ctx,
		`CALL public.refresh_brand_product_segments(p_force => $1, p_trigger => $2, p_requested_by => $3)`, args...).
		Scan(&r.Status, &r.LogID, &r.RowCount, &r.StartedAt, &r.FinishedAt, &r.Error, &r.RunningSince, &r.RunningBy)
	return r, err
}

// logRow is one row of public.materialized_view_refresh_log.
type logRow struct {
	ID             int64
	ViewName       string
	Status         string
	Start          time.Time
	End            *time.Time
	RowCount       *int64
	ChangeSeq      *int64
	Trigger        string
	RequestedBy    *string
	BackendPID     *int32
	Error          *string
	ValidationOK   *bool
	ViolationCount *int64
}

func readLog(ctx context.Context, t *testing.T, conn *pgx.Conn) []logRow {
	t.Helper()
	rows, err := conn.Query(ctx, `
		SELECT id, view_name, status, refresh_start, refresh_end, row_count, change_seq, trigger_source,
		       requested_by, backend_pid, error,
		       (validation ->> 'ok')::boolean, (validation ->> 'violation_count')::bigint
		FROM public.materialized_view_refresh_log
		ORDER BY id`)
	if err != nil {
		t.Fatalf("read refresh log: %v", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[logRow])
	if err != nil {
		t.Fatalf("read refresh log: %v", err)
	}
	return got
}

func changeSeq(ctx context.Context, t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	var seq int64
	if err := conn.QueryRow(ctx, `SELECT change_seq FROM public.segment_source_state`).Scan(&seq); err != nil {
		t.Fatalf("read change_seq: %v", err)
	}
	return seq
}

func segmentCount(ctx context.Context, t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public.brand_product_segments`).Scan(&n); err != nil {
		t.Fatalf("count segments: %v", err)
	}
	return n
}

func mustExec(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", strings.Join(strings.Fields(sql), " "), err)
	}
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// refreshDatabase is a fresh database with the hand dataset loaded but the view not yet refreshed.
func refreshDatabase(ctx context.Context, t *testing.T) (string, *pgx.Conn) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	conn := connect(ctx, t, url)
	loadHandData(ctx, t, conn, handData())
	return url, conn
}

func TestRefreshProcedure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CALL commits its work through pgx's extended protocol in autocommit", func(t *testing.T) {
		t.Parallel()
		url, conn := refreshDatabase(ctx, t)
		observer := connect(ctx, t, url)
		modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe,
			pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec}
		for i, mode := range modes {
			r, err := callRefresh(ctx, conn, true, "cli", "tester", mode)
			if err != nil || r.status() != "success" {
				t.Fatalf("mode %v: CALL = %s, %v; want success", mode, r.status(), err)
			}
			// Another session sees the log row and the refreshed view: both were committed.
			log := readLog(ctx, t, observer)
			if len(log) != i+1 || log[i].Status != "success" || log[i].ID != *r.LogID {
				t.Fatalf("mode %v: log seen by another session = %+v, want %d rows, the last success", mode, log, i+1)
			}
			if n := segmentCount(ctx, t, observer); n == 0 || n != *r.RowCount {
				t.Fatalf("mode %v: another session sees %d segments, the call reported %d", mode, n, *r.RowCount)
			}
		}
	})

	t.Run("CALL inside a transaction block fails before taking the lock or logging", func(t *testing.T) {
		t.Parallel()
		url, conn := refreshDatabase(ctx, t)
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = callRefresh(ctx, tx.Conn(), false, "sql", "tester")
		if sqlState(err) != "2D000" {
			t.Fatalf("CALL in a transaction = %v, want invalid transaction termination (2D000)", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if log := readLog(ctx, t, conn); len(log) != 0 {
			t.Fatalf("log = %+v, want nothing logged", log)
		}
		other := connect(ctx, t, url)
		if r, err := callRefresh(ctx, other, false, "sql", "tester"); err != nil || r.status() != "success" {
			t.Fatalf("refresh from another session = %s, %v; want success (the lock must be free)", r.status(), err)
		}
	})

	t.Run("skipped when unchanged, refreshed after an insert, an update and a delete", func(t *testing.T) {
		t.Parallel()
		_, conn := refreshDatabase(ctx, t)
		var pid int32
		if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		asinImpressions := func() int64 {
			t.Helper()
			var n int64
			err := conn.QueryRow(ctx, `
				SELECT coalesce(sum(asin_impressions), 0) FROM public.brand_product_segments
				WHERE asin = 'B0ACME0001' AND marketplace = 'US' AND segment_type = 'weekly'`).Scan(&n)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		steps := []struct {
			name, sql   string
			want        string
			impressions int64 // change of B0ACME0001's weekly ASIN impressions the step makes
		}{
			{"first refresh", "", "success", 0},
			{"nothing changed", "", "skipped", 0},
			{"insert", `INSERT INTO sqp.search_query_performance (asin_performance_id, search_query,
					total_query_impression_count, asin_impression_count)
				SELECT id, 'new query', 1000, 77 FROM sqp.asin_performance_data
				WHERE asin = 'B0ACME0001' AND marketplace = 'US' AND start_date = '2024-08-04'`, "success", 77},
			{"update", `UPDATE sqp.search_query_performance SET asin_impression_count = asin_impression_count + 5
				WHERE search_query = 'new query'`, "success", 5},
			{"delete", `DELETE FROM sqp.search_query_performance WHERE search_query = 'new query'`, "success", -82},
			{"a delete of no row", `DELETE FROM sqp.search_query_performance WHERE search_query = 'no such query'`, "skipped", 0},
			{"an update to the same values", `UPDATE public.brands SET display_name = display_name`, "skipped", 0},
		}
		// The view starts empty; after the first refresh it holds the dataset's impressions of B0ACME0001.
		var before int64
		for _, r := range handData().Reports {
			for _, q := range r.Queries {
				if r.ASIN == "B0ACME0001" && r.Marketplace == "US" {
					before += q.ASINImpressions
				}
			}
		}
		for i, step := range steps {
			if step.sql != "" {
				mustExec(ctx, t, conn, step.sql)
			}
			seq := changeSeq(ctx, t, conn)
			r, err := callRefresh(ctx, conn, false, "manual", "alice")
			if err != nil || r.status() != step.want {
				t.Fatalf("%s: refresh = %s, %v; want %s", step.name, r.status(), err, step.want)
			}
			if now := asinImpressions(); now != before+step.impressions {
				t.Errorf("%s: B0ACME0001 weekly impressions = %d, want %d", step.name, now, before+step.impressions)
			}
			before += step.impressions

			log := readLog(ctx, t, conn)
			if len(log) != i+1 {
				t.Fatalf("%s: %d log rows, want %d", step.name, len(log), i+1)
			}
			row := log[i]
			rows := segmentCount(ctx, t, conn)
			switch {
			case row.ID != *r.LogID || row.Status != step.want || row.ViewName != "brand_product_segments":
				t.Errorf("%s: log row = %+v, want %s of brand_product_segments with id %d", step.name, row, step.want, *r.LogID)
			case row.End == nil || !row.End.After(row.Start) || !row.Start.Equal(*r.StartedAt) || !row.End.Equal(*r.FinishedAt):
				t.Errorf("%s: log start/end = %v/%v, call start/end = %v/%v; want a real duration that matches", step.name, row.Start, row.End, r.StartedAt, r.FinishedAt)
			case row.ChangeSeq == nil || *row.ChangeSeq != seq:
				t.Errorf("%s: log change_seq = %v, want %d", step.name, row.ChangeSeq, seq)
			case row.RowCount == nil || *row.RowCount != rows || *r.RowCount != rows:
				t.Errorf("%s: row count logged %v, returned %v, want %d", step.name, row.RowCount, r.RowCount, rows)
			case row.Trigger != "manual" || row.RequestedBy == nil || *row.RequestedBy != "alice" || row.BackendPID == nil || *row.BackendPID != pid:
				t.Errorf("%s: trigger/requester/pid = %s/%v/%v, want manual/alice/%d", step.name, row.Trigger, row.RequestedBy, row.BackendPID, pid)
			case row.Error != nil:
				t.Errorf("%s: error = %q, want none", step.name, *row.Error)
			}
			if step.want == "success" && (row.ValidationOK == nil || !*row.ValidationOK || *row.ViolationCount != 0) {
				t.Errorf("%s: validation ok/violations = %v/%v, want a passing validation logged", step.name, row.ValidationOK, row.ViolationCount)
			}
			if step.want == "skipped" && row.ValidationOK != nil {
				t.Errorf("%s: a skipped run logged a validation", step.name)
			}
		}

		var lastRefreshed, lastSuccessEnd time.Time
		err := conn.QueryRow(ctx, `
			SELECT public.brand_product_segments_last_refreshed(),
			       (SELECT max(refresh_end) FROM public.materialized_view_refresh_log WHERE status = 'success')`).
			Scan(&lastRefreshed, &lastSuccessEnd)
		if err != nil || !lastRefreshed.Equal(lastSuccessEnd) {
			t.Errorf("last_refreshed() = %v, %v; want the end of the last success %v", lastRefreshed, err, lastSuccessEnd)
		}
	})

	t.Run("a forced refresh runs although nothing changed", func(t *testing.T) {
		t.Parallel()
		_, conn := refreshDatabase(ctx, t)
		for _, want := range []string{"success", "skipped"} {
			if r, err := callRefresh(ctx, conn, false, "sql", "tester"); err != nil || r.status() != want {
				t.Fatalf("refresh = %s, %v; want %s", r.status(), err, want)
			}
		}
		if r, err := callRefresh(ctx, conn, true, "sql", "tester"); err != nil || r.status() != "success" {
			t.Fatalf("forced refresh = %s, %v; want success", r.status(), err)
		}
	})

	t.Run("an error is logged as failed, committed and raised; the view keeps serving", func(t *testing.T) {
		t.Parallel()
		url, conn := refreshDatabase(ctx, t)
		if r, err := callRefresh(ctx, conn, false, "sql", "tester"); err != nil || r.status() != "success" {
			t.Fatalf("first refresh = %s, %v", r.status(), err)
		}
		rowsBefore := segmentCount(ctx, t, conn)

		// Another transaction holds the view's ACCESS EXCLUSIVE lock (a plain REFRESH not yet committed).
		holder := connect(ctx, t, url)
		holderTx, err := holder.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(ctx, t, holderTx.Conn(), `REFRESH MATERIALIZED VIEW public.brand_product_segments`)

		mustExec(ctx, t, conn, `SET lock_timeout = '200ms'`)
		_, err = callRefresh(ctx, conn, true, "schedule", "tester")
		if sqlState(err) != "55P03" {
			t.Fatalf("refresh while the view is locked = %v, want lock_not_available (55P03)", err)
		}
		if err := holderTx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		mustExec(ctx, t, conn, `RESET lock_timeout`)

		log := readLog(ctx, t, conn)
		last := log[len(log)-1]
		if last.Status != "failed" || last.Error == nil || !strings.Contains(*last.Error, "lock timeout") ||
			last.End == nil || last.End.Before(last.Start) || last.RowCount != nil || last.Trigger != "schedule" {
			t.Errorf("log row = %+v (error %v), want failed with the lock timeout error, an end and no row count", last, last.Error)
		}
		if n := segmentCount(ctx, t, conn); n != rowsBefore {
			t.Errorf("segments after the failure = %d, want the %d of before", n, rowsBefore)
		}
		// The lock was released: the next call runs.
		if r, err := callRefresh(ctx, conn, true, "sql", "tester"); err != nil || r.status() != "success" {
			t.Fatalf("refresh after the failure = %s, %v; want success", r.status(), err)
		}
	})

	t.Run("a rejected trigger source is raised without logging and releases the lock", func(t *testing.T) {
		t.Parallel()
		url, conn := refreshDatabase(ctx, t)
		if _, err := callRefresh(ctx, conn, false, "no such trigger", "tester"); sqlState(err) != "23514" {
			t.Fatalf("refresh with a bad trigger source = %v, want check_violation (23514)", err)
		}
		if log := readLog(ctx, t, conn); len(log) != 0 {
			t.Errorf("log = %+v, want nothing logged", log)
		}
		other := connect(ctx, t, url)
		if r, err := callRefresh(ctx, other, false, "sql", "tester"); err != nil || r.status() != "success" {
			t.Fatalf("refresh from another session = %s, %v; want success (the lock must be free)", r.status(), err)
		}
	})

	t.Run("a cancelled refresh is logged as cancelled and raised", func(t *testing.T) {
		t.Parallel()
		url, conn := refreshDatabase(ctx, t)
		holder := connect(ctx, t, url)
		holderTx, err := holder.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(ctx, t, holderTx.Conn(), `REFRESH MATERIALIZED VIEW public.brand_product_segments`)
		mustExec(ctx, t, conn, `SET statement_timeout = '1s'`)
		_, err = callRefresh(ctx, conn, false, "import", "tester")
		if sqlState(err) != "57014" {
			t.Fatalf("refresh past statement_timeout = %v, want query_canceled (57014)", err)
		}
		if err := holderTx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		mustExec(ctx, t, conn, `RESET statement_timeout`)
		log := readLog(ctx, t, conn)
		if len(log) != 1 || log[0].Status != "cancelled" || log[0].Error == nil || log[0].End == nil {
			t.Fatalf("log = %+v, want one cancelled row with the error and an end", log)
		}
	})

	t.Run("a second concurrent call returns busy with the running refresh's start and requester", func(t *testing.T) {
		t.Parallel()
		url, conn := refreshDatabase(ctx, t)
		holder := connect(ctx, t, url)
		holderTx, err := holder.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(ctx, t, holderTx.Conn(), `REFRESH MATERIALIZED VIEW public.brand_product_segments`)

		// The first call takes the refresh lock, logs its running row, then waits for the view's lock.
		first := connect(ctx, t, url)
		type answer struct {
			r   refreshResult
			err error
		}
		done := make(chan answer, 1)
		go func() {
			r, err := callRefresh(ctx, first, false, "manual", "first caller")
			done <- answer{r, err}
		}()
		var running logRow
		deadline := time.Now().Add(10 * time.Second)
		for {
			log := readLog(ctx, t, conn)
			if len(log) == 1 && log[0].Status == "running" {
				running = log[0]
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the first refresh never logged its running row: %+v", log)
			}
			time.Sleep(20 * time.Millisecond)
		}

		r, err := callRefresh(ctx, conn, true, "manual", "second caller")
		if err != nil || r.status() != "busy" {
			t.Fatalf("second call = %s, %v; want busy", r.status(), err)
		}
		if r.RunningSince == nil || !r.RunningSince.Equal(running.Start) || r.RunningBy == nil || *r.RunningBy != "first caller" || r.LogID != nil {
			t.Errorf("busy answer = since %v by %v log %v; want since %v by first caller, no log row", r.RunningSince, r.RunningBy, r.LogID, running.Start)
		}

		if err := holderTx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		a := <-done
		if a.err != nil || a.r.status() != "success" {
			t.Fatalf("first call = %s, %v; want success", a.r.status(), a.err)
		}
		if log := readLog(ctx, t, conn); len(log) != 1 || log[0].Status != "success" {
			t.Errorf("log = %+v, want only the first call's run, successful", log)
		}
	})

	t.Run("the spec's roles refresh and read with their grants alone", func(t *testing.T) {
		t.Parallel()
		_, conn := refreshDatabase(ctx, t)
		for _, role := range []string{"service_role", "authenticated"} {
			mustExec(ctx, t, conn, `SET ROLE `+role)
			if _, err := conn.Exec(ctx, `SELECT 1 FROM sqp.search_query_performance LIMIT 1`); sqlState(err) != "42501" {
				t.Fatalf("%s reading a base table: %v, want insufficient privilege (42501)", role, err)
			}
			r, err := callRefresh(ctx, conn, true, "manual", role)
			if err != nil || r.status() != "success" {
				t.Fatalf("%s: refresh = %s, %v; want success through the definer function", role, r.status(), err)
			}
			var n int64
			err = conn.QueryRow(ctx, `
				SELECT (SELECT count(*) FROM public.brand_product_segments)
				     + (SELECT count(*) FROM public.brand_performance_enhanced)
				     + (SELECT count(*) FROM public.get_product_segment_metadata(
				            (SELECT brand_id FROM public.brand_product_segments LIMIT 1), '2024-01-01', '2024-12-31'))
				     + (SELECT count(*) FROM public.validate_brand_product_segments())`).Scan(&n)
			if err != nil || n == 0 {
				t.Fatalf("%s reading the segments: %d rows, %v; want rows", role, n, err)
			}
			mustExec(ctx, t, conn, `RESET ROLE`)
		}
	})

	t.Run("the spec's incremental function refreshes and logs the same way", func(t *testing.T) {
		t.Parallel()
		_, conn := refreshDatabase(ctx, t)
		for _, want := range []string{"success", "skipped"} {
			mustExec(ctx, t, conn, `SELECT public.refresh_brand_product_segments_incremental()`)
			log := readLog(ctx, t, conn)
			if last := log[len(log)-1]; last.Status != want || last.Trigger != "sql" {
				t.Fatalf("log = %+v, want a %s run triggered by sql", log, want)
			}
		}
	})
}

func TestSegmentChangeTracking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn := refreshDatabase(ctx, t)

	unchanged := []struct{ name, sql string }{
		{"an update of no row", `UPDATE sqp.search_query_performance SET asin_click_count = 1 WHERE false`},
		{"a delete of no row", `DELETE FROM public.asin_brand_mapping WHERE asin = 'B0NOSUCH01'`},
		{"an insert of no row", `INSERT INTO public.brands (brand_name, display_name) SELECT 'x', 'x' WHERE false`},
		{"an update to the same values", `UPDATE sqp.asin_performance_data SET end_date = end_date`},
		{"an upsert that changes nothing", `INSERT INTO public.brands (brand_name, display_name) VALUES ('acme', 'Brand acme')
			ON CONFLICT (brand_name) DO UPDATE SET display_name = excluded.display_name`},
	}
	for _, c := range unchanged {
		t.Run(c.name+" does not count", func(t *testing.T) {
			before := changeSeq(ctx, t, conn)
			mustExec(ctx, t, conn, c.sql)
			if after := changeSeq(ctx, t, conn); after != before {
				t.Errorf("change_seq %d -> %d, want unchanged", before, after)
			}
		})
	}

	changed := []struct{ name, sql string }{
		{"a brand update", `UPDATE public.brands SET is_active = NOT is_active WHERE brand_name = 'initech'`},
		{"a mapping insert", `INSERT INTO public.asin_brand_mapping (asin, brand_id) SELECT 'B0NEW00001', id FROM public.brands WHERE brand_name = 'acme'`},
		{"a report delete", `DELETE FROM sqp.asin_performance_data WHERE asin = 'B0NOMAP001'`},
		{"a truncate", `TRUNCATE sqp.search_query_performance`},
	}
	for _, c := range changed {
		t.Run(c.name+" counts", func(t *testing.T) {
			before := changeSeq(ctx, t, conn)
			mustExec(ctx, t, conn, c.sql)
			// Foreign-key cascades run statements of their own, which count too: more than one is fine.
			if after := changeSeq(ctx, t, conn); after <= before {
				t.Errorf("change_seq %d -> %d, want it to grow", before, after)
			}
		})
	}

	t.Run("updated_at moves only when a row really changes", func(t *testing.T) {
		var first, second, third time.Time
		read := func(dst *time.Time) {
			t.Helper()
			if err := conn.QueryRow(ctx, `SELECT updated_at FROM public.brands WHERE brand_name = 'globex'`).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		read(&first)
		mustExec(ctx, t, conn, `UPDATE public.brands SET display_name = display_name WHERE brand_name = 'globex'`)
		read(&second)
		mustExec(ctx, t, conn, `UPDATE public.brands SET display_name = 'Globex Corp' WHERE brand_name = 'globex'`)
		read(&third)
		if !second.Equal(first) || !third.After(first) {
			t.Errorf("updated_at %v -> %v (same values) -> %v (new name); want unchanged, then later", first, second, third)
		}
	})
}
