package schema_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/schema"
)

// maxRead is the longest a reader may wait during an apply that changes the materialized view's SQL.
const maxRead = 500 * time.Millisecond

// changedTotals is base.hcl with customer_totals' SQL changed (zero-amount orders no longer count).
func changedTotals(t *testing.T, more ...string) string {
	return variant(t, append([]string{"WHERE c.active", "WHERE c.active AND o.amount > 0"}, more...)...)
}

// reader queries the materialized view and the view on it in a loop on its own connection, recording how
// long each read took, until stopped.
type reader struct {
	mu       sync.Mutex
	reads    []time.Duration
	err      error
	progress chan struct{} // a receive after each read
	stop     chan struct{}
	done     chan struct{}
}

func startReader(t *testing.T, url string) *reader {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{progress: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer conn.Close(ctx) //nolint:errcheck // the reader is over
		for i := 0; ; i++ {
			select {
			case <-r.stop:
				return
			default:
			}
			q := "SELECT count(*) FROM public.customer_totals WHERE total >= 0"
			if i%2 == 1 {
				q = "SELECT count(*) FROM public.big_customers"
			}
			start := time.Now()
			var n int64
			err := conn.QueryRow(ctx, q).Scan(&n)
			d := time.Since(start)
			r.mu.Lock()
			r.reads = append(r.reads, d)
			if err != nil && r.err == nil {
				r.err = err
			}
			r.mu.Unlock()
			select {
			case r.progress <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(r.halt)
	return r
}

func (r *reader) halt() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
}

func (r *reader) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reads)
}

// longest stops the reader and returns its longest read, its number of reads and its first error.
func (r *reader) longest() (time.Duration, int, error) {
	r.halt()
	var longest time.Duration
	for _, d := range r.reads {
		longest = max(longest, d)
	}
	return longest, len(r.reads), r.err
}

// waitFor polls the target until query returns true (what another session is doing shows in the
// catalogs), failing the test after a minute.
func (tg *target) waitFor(what, query string) {
	tg.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	conn := tg.conn()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var ok bool
		if err := conn.QueryRow(ctx, query).Scan(&ok); err != nil {
			tg.t.Fatalf("wait for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var activity string
			_ = conn.QueryRow(ctx, `SELECT string_agg(format('%s %s %s: %s', pid, wait_event_type, wait_event, left(query, 100)), E'\n')
			  FROM pg_stat_activity WHERE datname = current_database()`).Scan(&activity)
			tg.t.Fatalf("wait for %s: not after a minute; sessions:\n%s", what, activity)
		}
		<-tick.C
	}
}

// lockTable opens a transaction that holds a lock on table until the returned function commits it.
func (tg *target) lockTable(table, mode string) func() {
	tg.t.Helper()
	ctx := context.Background()
	conn := tg.conn()
	tx, err := conn.Begin(ctx)
	if err != nil {
		tg.t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+table+" IN "+mode+" MODE"); err != nil {
		tg.t.Fatal(err)
	}
	return func() {
		if err := tx.Commit(ctx); err != nil {
			tg.t.Fatal(err)
		}
	}
}

type applied struct {
	res *schema.Result
	out string
	err error
}

// startBlockedApply starts applying file and makes its build wait until the returned function is called:
// the test's transactions hold, first, the lock the apply's hold phase takes on the view (so the apply waits
// before building, after reading the target), then shop.orders, which the build reads.
func (tg *target) startBlockedApply(ctx context.Context, file string) (<-chan applied, func()) {
	tg.t.Helper()
	c := tg.conn()
	hold, err := c.Begin(ctx)
	if err != nil {
		tg.t.Fatal(err)
	}
	if _, err := hold.Exec(ctx, "COMMENT ON MATERIALIZED VIEW public.customer_totals IS 'totals per active customer'"); err != nil {
		tg.t.Fatal(err)
	}
	done := make(chan applied, 1)
	go func() {
		var out strings.Builder
		res, err := schema.Apply(ctx, schema.Options{ConfigFile: "testdata/atlas.hcl", Env: "test", URL: tg.url, DevURL: tg.devURL, To: "file://" + file, Out: &out})
		done <- applied{res, out.String(), err}
	}()
	tg.waitFor("the apply to wait for the view", `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
	  AND wait_event_type = 'Lock' AND query LIKE 'COMMENT ON MATERIALIZED VIEW public.customer_totals%' AND pid <> `+itoa(c.PgConn().PID())+`)`)
	release := tg.lockTable("shop.orders", "ACCESS EXCLUSIVE")
	if err := hold.Commit(ctx); err != nil {
		tg.t.Fatal(err)
	}
	tg.waitFor("the build to wait for shop.orders", buildWaiting)
	return done, release
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

const buildWaiting = `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
  AND wait_event_type = 'Lock' AND query LIKE 'CREATE MATERIALIZED VIEW "public"."customer_totals__new"%')`

func TestSwapKeepsReadersReading(t *testing.T) {
	t.Run("readers read throughout an apply whose build takes long; the longest read stays short", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		fn := tg.queryString("SELECT 'public.customer_total(bigint)'::regprocedure::oid::text")
		// The build needs shop.orders: holding it makes the build as long as the test wants, while the
		// old view keeps serving.
		r := startReader(t, tg.url)
		done, release := tg.startBlockedApply(context.Background(), changedTotals(t))
		blocked := time.Now()
		for n := r.count(); r.count() < n+20 || time.Since(blocked) < 3*maxRead; {
			<-r.progress
		}
		release()
		a := <-done
		if a.err != nil {
			t.Fatalf("apply: %v\n%s", a.err, a.out)
		}
		longest, reads, err := r.longest()
		if err != nil {
			t.Fatalf("a read failed during the apply: %v", err)
		}
		if a.res.Build < 3*maxRead {
			t.Errorf("the build took %s: too short to show readers were not held", a.res.Build)
		}
		if longest > maxRead {
			t.Errorf("the longest of %d reads took %s (build %s, swap %s in %d tries), want at most %s", reads, longest, a.res.Build, a.res.Swap, a.res.SwapTries, maxRead)
		}
		t.Logf("%d reads, longest %s; build %s, swap %s (%d tries)", reads, longest, a.res.Build, a.res.Swap, a.res.SwapTries)
		if got := tg.queryString("SELECT string_agg(c.name, ',') FROM public.customer_totals t JOIN shop.customers c ON c.id = t.customer_id"); got != "big" {
			t.Errorf("swapped view rows: %q, want only big", got)
		}
		for _, want := range []string{"built beside the serving views, then swapped in: public.customer_totals", "-- built beside in"} {
			if !strings.Contains(a.out, want) {
				t.Errorf("output lacks %q:\n%s", want, a.out)
			}
		}
		// customer_total is an SQL function with a quoted body: it looks the view up when it runs, so it
		// is left alone and reads the new view.
		if got := tg.queryString("SELECT public.customer_total(id)::text FROM shop.customers WHERE name = 'big'"); got != "205.00" {
			t.Errorf("customer_total(big) = %s after the swap, want 205.00", got)
		}
		if tg.queryString("SELECT 'public.customer_total(bigint)'::regprocedure::oid::text") != fn {
			t.Errorf("customer_total was recreated: it reads the view late-bound")
		}
		tg.assertSwappedClean()
		if res, _ := tg.mustApply(changedTotals(t), nil); len(res.Plan.Statements) != 0 {
			t.Errorf("a second apply planned %q", sqlOf(res))
		}
	})

	t.Run("a function with an SQL-standard body that reads the view is dropped and created around the swap", func(t *testing.T) {
		atomic := []string{`procedure "refresh_totals" {`, "function \"customer_count\" {\n  schema = schema.public\n  lang = SQL\n  return = bigint\n  as = \"RETURN (SELECT count(*) FROM public.customer_totals)\"\n}\n\nprocedure \"refresh_totals\" {"}
		tg := newTarget(t)
		tg.mustApply(variant(t, atomic...), nil)
		tg.seed()
		if got := tg.queryString("SELECT public.customer_count()::text"); got != "2" {
			t.Fatalf("customer_count() = %s, want 2", got)
		}
		res, out := tg.mustApply(changedTotals(t, atomic...), nil)
		got := sqlOf(res)
		if !slices.Contains(res.Plan.Swapped, "public.customer_totals") || !slices.Contains(got, "DROP FUNCTION public.customer_count()") {
			t.Fatalf("want the view swapped and the function dropped and created: %q\n%s", got, out)
		}
		if got := tg.queryString("SELECT public.customer_count()::text"); got != "1" {
			t.Errorf("customer_count() = %s after the swap, want 1 (the new view)", got)
		}
		tg.assertSwappedClean()
		if res, _ := tg.mustApply(changedTotals(t, atomic...), nil); len(res.Plan.Statements) != 0 {
			t.Errorf("a second apply planned %q", sqlOf(res))
		}
	})

	t.Run("a refresh started during the build waits and then refreshes the new view", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		done, release := tg.startBlockedApply(context.Background(), changedTotals(t))
		refreshed := make(chan error, 1)
		refresher := tg.conn()
		go func() {
			_, err := refresher.Exec(context.Background(), "REFRESH MATERIALIZED VIEW CONCURRENTLY public.customer_totals")
			refreshed <- err
		}()
		tg.waitFor("the refresh to wait for the apply", `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		  WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'REFRESH MATERIALIZED VIEW%')`)
		release()
		if a := <-done; a.err != nil {
			t.Fatalf("apply: %v\n%s", a.err, a.out)
		}
		if err := <-refreshed; err != nil {
			t.Fatalf("the waiting refresh failed: %v", err)
		}
		if got := tg.queryString("SELECT string_agg(c.name, ',') FROM public.customer_totals t JOIN shop.customers c ON c.id = t.customer_id"); got != "big" {
			t.Errorf("view rows after the refresh: %q, want only big (the new SQL)", got)
		}
		tg.assertSwappedClean()
	})
}

func TestSwapPlanOutput(t *testing.T) {
	t.Run("a dry run prints the hold, build and swap phases and the summary, and changes nothing", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		before := tg.snapshot()
		_, out := tg.mustApply(changedTotals(t), func(o *schema.Options) { o.DryRun = true })
		for _, want := range []string{
			"-- Hold off refreshes of the views to swap",
			"-- Build beside the serving views (readers keep reading them; refreshes of them wait):",
			`CREATE MATERIALIZED VIEW "public"."customer_totals__new" AS`,
			"-- Swap (each lock wait given up after lock_timeout and retried):",
			`ALTER MATERIALIZED VIEW "public"."customer_totals__new" RENAME TO "customer_totals"`,
			"1 materialized view: public.customer_totals\n",
			"  built beside the serving views, then swapped in: public.customer_totals\n",
			"-- dry run: nothing was changed.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("dry-run output lacks %q:\n%s", want, out)
			}
		}
		if after := tg.snapshot(); after != before {
			t.Errorf("a dry run changed the target")
		}
	})

	t.Run("a view that reads a table the same plan alters is recreated inside the swap, and the summary says why", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		res, out := tg.mustApply(changedTotals(t, "type = numeric(12, 2)", "type = numeric(14, 2)"), nil)
		if len(res.Plan.Swapped) != 0 || len(res.Plan.InPlace) != 1 {
			t.Fatalf("swapped %q, in place %q", res.Plan.Swapped, res.Plan.InPlace)
		}
		if want := "recreated inside the swap (its readers wait): public.customer_totals: it reads table shop.orders, which this plan alters"; !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
		tg.assertSwappedClean()
	})
}

func TestSwapFailures(t *testing.T) {
	t.Run("an index build that fails on the target's data leaves the old view serving and nothing behind", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		before := tg.snapshot()
		// Every active or inactive customer now, and a unique index on the order count, which the dev
		// database (empty) accepts and the seeded data (zero and gone have one order each) violates.
		failing := variant(t, "WHERE c.active", "WHERE c.active OR NOT c.active",
			`index "customer_totals_total_idx" {`, "index \"customer_totals_total_idx\" {\n    unique = true",
			"column = column.total", "column = column.orders")
		tg.assertFailsUnchanged(failing, before, "could not create unique index")
		tg.assertSwappedClean()
		if got := tg.queryString("SELECT count(*)::text FROM public.customer_totals"); got != "2" {
			t.Errorf("the old view has %s rows, want its 2", got)
		}
		tg.mustApply(changedTotals(t), nil)
		tg.assertSwappedClean()
	})

	t.Run("a swap that never gets its locks gives up, leaves the old view serving and a rerun works", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		before := tg.snapshot()
		// A long reader: the swap's DROP waits for it, gives up after lock_timeout, retries, and fails.
		release := tg.lockTable("public.big_customers", "ACCESS SHARE")
		r := startReader(t, tg.url)
		_, out, err := tg.apply(changedTotals(t), func(o *schema.Options) {
			o.LockTimeout, o.LockRetryFor = 50*time.Millisecond, 2*time.Second
		})
		if err == nil || !strings.Contains(err.Error(), "the swap did not get its locks") || !strings.Contains(err.Error(), "lock timeout") {
			t.Fatalf("want the swap to give up on its locks, got %v\n%s", err, out)
		}
		longest, reads, rerr := r.longest()
		if rerr != nil {
			t.Fatalf("a read failed: %v", rerr)
		}
		if longest > maxRead {
			t.Errorf("the longest of %d reads took %s while the swap retried, want at most %s", reads, longest, maxRead)
		}
		if after := tg.snapshot(); after != before {
			t.Errorf("the target changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		tg.assertSwappedClean()
		release()
		res, _ := tg.mustApply(changedTotals(t), nil)
		if !res.Applied || res.SwapTries < 1 {
			t.Errorf("rerun: applied=%v tries=%d", res.Applied, res.SwapTries)
		}
	})

	t.Run("a cancelled apply during the build leaves nothing behind", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		before := tg.snapshot()
		ctx, cancel := context.WithCancel(context.Background())
		done, release := tg.startBlockedApply(ctx, changedTotals(t))
		cancel()
		if a := <-done; !errors.Is(a.err, context.Canceled) && (a.err == nil || !strings.Contains(a.err.Error(), "cancel")) {
			t.Errorf("want the apply cancelled, got %v", a.err)
		}
		release()
		if after := tg.snapshot(); after != before {
			t.Errorf("the target changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		tg.assertSwappedClean()
	})
}

// assertSwappedClean checks no temporary object of a swap is left.
func (tg *target) assertSwappedClean() {
	tg.t.Helper()
	if left := tg.queryString(`SELECT coalesce(string_agg(relname, ', '), '') FROM pg_class WHERE relname LIKE '%\_\_new'`); left != "" {
		tg.t.Errorf("temporary objects left behind: %s", left)
	}
}

func TestSwapAfterImportRefreshCatchesUp(t *testing.T) {
	if _, err := os.Stat("../../schema.hcl"); err != nil {
		t.Fatalf("the repository's schema.hcl: %v", err)
	}
	repo := func(o *schema.Options) { o.ConfigFile = "../../atlas.hcl"; o.AutoApprove = true }
	tg := newTarget(t)
	tg.mustApply("", repo)
	week := func(asin, start string) {
		tg.exec(`WITH p AS (INSERT INTO sqp.asin_performance_data (asin, start_date, end_date)
		                    VALUES ($1, $2::date, $2::date + 6) RETURNING id)
		         INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count, asin_impression_count)
		         SELECT id, 'widget', 100, 10 FROM p`, asin, start)
	}
	tg.exec(`WITH b AS (INSERT INTO public.brands (brand_name, display_name) VALUES ('acme', 'Acme') RETURNING id)
	         INSERT INTO public.asin_brand_mapping (asin, brand_id) SELECT 'B000TEST01', id FROM b`)
	week("B000TEST01", "2024-08-04")
	refresh := func() string {
		t.Helper()
		rows, err := tg.conn().Query(context.Background(), "CALL public.refresh_brand_product_segments()")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() {
			t.Fatalf("refresh: no result row: %v", rows.Err())
		}
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		status, _ := vals[0].(string) // o_status, the first result
		return status
	}
	if status := refresh(); status != "success" {
		t.Fatalf("first refresh: %s", status)
	}
	weekRows := `SELECT count(*)::text FROM public.brand_product_segments WHERE segment_type = 'weekly' AND period_start = date '2024-08-11'`

	// A long reader of the view on brand_product_segments: the swap, once the new view is built, waits for
	// it (and retries); an import commits meanwhile.
	release := tg.lockTable("public.brand_performance_enhanced", "ACCESS SHARE")
	done := make(chan applied, 1)
	wrapped := wrapMaterializedQuery(t, "../../schema.hcl", "brand_product_segments")
	go func() {
		res, out, err := tg.apply(wrapped, func(o *schema.Options) { repo(o); o.LockTimeout = 50 * time.Millisecond })
		done <- applied{res, out, err}
	}()
	tg.waitFor("the swap to wait for the reader", `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
	  AND wait_event_type = 'Lock' AND query LIKE '%DROP VIEW public.brand_performance_enhanced%')`)
	week("B000TEST01", "2024-08-11")
	release()
	a := <-done
	if a.err != nil {
		t.Fatalf("apply: %v\n%s", a.err, a.out)
	}
	if !slices.Contains(a.res.Plan.Swapped, "public.brand_product_segments") {
		t.Fatalf("brand_product_segments was not built beside: %q", a.res.Plan.InPlace)
	}
	if n := tg.queryString(weekRows); n != "0" {
		t.Fatalf("the new view holds %s rows of the week imported after its build, want 0 (built before)", n)
	}
	if status := refresh(); status != "success" {
		t.Errorf("the refresh after the apply: %s, want success (the import raised change_seq)", status)
	}
	if n := tg.queryString(weekRows); n == "0" {
		t.Errorf("the refresh did not catch the imported week up")
	}
	tg.assertSwappedClean()
}
