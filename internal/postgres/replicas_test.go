package postgres

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/web"
)

func TestParseLSN(t *testing.T) {
	for _, s := range []string{"0/0", "0/16B3748", "1A/FF000028", "FFFFFFFF/FFFFFFFF"} {
		l, err := ParseLSN(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLSN(%q) = %v (%s), %v", s, uint64(l), l, err)
		}
	}
	a, _ := ParseLSN("1/0")
	b, _ := ParseLSN("0/FFFFFFFF")
	if a <= b || a-b != 1 {
		t.Errorf("1/0 - 0/FFFFFFFF = %d, want 1", a-b)
	}
	for _, s := range []string{"", "0", "x/1", "1/", "/1", "100000000/0"} {
		if _, err := ParseLSN(s); err == nil {
			t.Errorf("ParseLSN(%q) accepted", s)
		}
	}
}

// TestReplicaLagInTime: the lag in time is the age of the oldest primary position the standby has not
// replayed, 0 once it has replayed the newest; an idle primary (same position) keeps its first sample.
func TestReplicaLagInTime(t *testing.T) {
	r := &ReadRouter{maxLag: time.Minute}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.remember(100, t0)
	r.remember(200, t0.Add(time.Second))
	r.remember(200, t0.Add(2*time.Second)) // idle: not a new sample
	r.remember(300, t0.Add(3*time.Second))
	now := t0.Add(4 * time.Second)
	for _, c := range []struct {
		replayed LSN
		want     time.Duration
	}{{50, 4 * time.Second}, {100, 3 * time.Second}, {150, 3 * time.Second}, {200, time.Second}, {300, 0}, {400, 0}} {
		if got := r.lagSince(c.replayed, now); got != c.want {
			t.Errorf("replayed %d: lag %s, want %s", c.replayed, got, c.want)
		}
	}
	r.remember(400, t0.Add(20*time.Minute)) // older than 10 x maxLag: dropped, the newest kept
	if len(r.samples) != 1 || r.samples[0].lsn != 400 {
		t.Errorf("samples after a long pause: %+v, want only 400", r.samples)
	}
}

// newTestRouter opens a router over primary with one "replica" pool on replicaURL; the replica pool is
// logged in replicaLog when it is not nil.
func newTestRouter(t *testing.T, primary *DB, replicaURL string, replicaLog *StatementLog, log *slog.Logger) *ReadRouter {
	t.Helper()
	r, err := OpenReadRouter(primary, []string{replicaURL}, ReadRouterOptions{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	if replicaLog != nil {
		logged, err := OpenWithStatementLog(context.Background(), replicaURL, replicaLog)
		if err != nil {
			t.Fatal(err)
		}
		r.replicas[0].db.Close()
		r.replicas[0].db = logged
	}
	return r
}

// forceServing makes the router's first standby take reads, as a check that found it healthy would.
func forceServing(r *ReadRouter) {
	rep := r.replicas[0]
	rep.mu.Lock()
	rep.state.Serving, rep.state.Up, rep.state.Problem = true, true, ""
	rep.mu.Unlock()
}

// TestReadRouterRoutesEveryDashboardRead calls every method of the web's read stores on a router whose
// request was routed to a replica: none may run a statement on the primary. A read method added to an
// interface without its routed twin in replicas_reads.go fails here.
func TestReadRouterRoutesEveryDashboardRead(t *testing.T) {
	ctx := context.Background()
	var primaryLog, replicaLog StatementLog
	primary, err := OpenWithStatementLog(ctx, pgtest.NewDatabase(t), &primaryLog)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	r := newTestRouter(t, primary, pgtest.NewDatabase(t), &replicaLog, nil)
	forceServing(r)
	routedCtx := r.Route(ctx, 0)
	if got := r.ReadsFrom(routedCtx); got == "primary" {
		t.Fatal("a serving replica was not picked")
	}
	stores := []reflect.Type{
		reflect.TypeFor[web.BrandStore](), reflect.TypeFor[web.ProductStore](), reflect.TypeFor[web.SegmentStore](),
		reflect.TypeFor[web.QueryStore](), reflect.TypeFor[web.DataVersionStore](),
	}
	rv := reflect.ValueOf(r)
	calls := 0
	for _, iface := range stores {
		if !reflect.TypeOf(r).Implements(iface) {
			t.Fatalf("ReadRouter does not implement %s", iface)
		}
		for i := range iface.NumMethod() {
			m := iface.Method(i)
			fn := rv.MethodByName(m.Name)
			args := make([]reflect.Value, fn.Type().NumIn())
			for j := range args {
				args[j] = reflect.Zero(fn.Type().In(j))
			}
			args[0] = reflect.ValueOf(routedCtx)
			primaryLog.Reset()
			fn.Call(args) // zero arguments: an error is fine, a statement on the primary is not
			calls++
			if stmts := primaryLog.Statements(); len(stmts) > 0 {
				t.Errorf("%s.%s ran on the primary: %q", iface.Name(), m.Name, stmts)
			}
		}
	}
	if calls < 19 || len(replicaLog.Statements()) == 0 {
		t.Errorf("%d methods called, %d statements on the replica", calls, len(replicaLog.Statements()))
	}
	// Without routing (background work, no replica serving) the same reads run on the primary.
	primaryLog.Reset()
	if _, err := r.ActiveBrands(ctx); err != nil {
		t.Fatal(err)
	}
	if len(primaryLog.Statements()) != 1 {
		t.Errorf("unrouted read: %d statements on the primary, want 1", len(primaryLog.Statements()))
	}
}

// syncLog collects log lines written from several goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestReadRouterFallsBackToThePrimary: a standby that cannot be reached takes no reads after a check,
// and one that dies between checks costs a request nothing: the read runs again on the primary, the
// standby is marked down and one warning names it. A server that is not in recovery takes no reads.
func TestReadRouterFallsBackToThePrimary(t *testing.T) {
	ctx := context.Background()
	primary, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	logs := &syncLog{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	gone := "postgres://postgres@/sqpdash?host=" + t.TempDir() + "&port=5432&sslmode=disable"
	r := newTestRouter(t, primary, gone, nil, log)

	r.Check(ctx)
	st := r.Replicas()[0]
	if st.Serving || st.Up || !strings.HasPrefix(st.Problem, "unreachable") || st.CheckedAt.IsZero() {
		t.Fatalf("unreachable standby after a check: %+v", st)
	}
	if !strings.Contains(logs.String(), "read replica takes no reads") {
		t.Errorf("no warning for the unreachable standby; log:\n%s", logs.String())
	}
	if got := r.ReadsFrom(r.Route(ctx, 0)); got != "primary" {
		t.Errorf("reads go to %s, want primary", got)
	}

	forceServing(r) // it passed its last check, then went away
	routedCtx := r.Route(ctx, 0)
	if r.ReadsFrom(routedCtx) == "primary" {
		t.Fatal("the serving standby was not picked")
	}
	before := strings.Count(logs.String(), "read replica failed a read")
	if _, err := r.DataVersion(routedCtx); err != nil {
		t.Fatalf("a read routed to a dead standby: %v, want the primary's answer", err)
	}
	if st := r.Replicas()[0]; st.Serving {
		t.Errorf("the dead standby still serves: %+v", st)
	}
	if got := strings.Count(logs.String(), "read replica failed a read"); got != before+1 {
		t.Errorf("%d warnings for the failed read, want 1; log:\n%s", got-before, logs.String())
	}

	// A reachable server that is not a standby (a promoted one, a wrong URL) takes no reads either.
	notStandby := newTestRouter(t, primary, pgtest.NewDatabase(t), nil, log)
	notStandby.Check(ctx)
	if st := notStandby.Replicas()[0]; st.Serving || !strings.Contains(st.Problem, "not in recovery") {
		t.Errorf("a primary given as a standby: %+v", st)
	}
}

// TestReadRouterHonoursTheWriteMark: a standby takes a request's reads only once it has replayed the
// position the request asks for.
func TestReadRouterHonoursTheWriteMark(t *testing.T) {
	r := &ReadRouter{replicas: []*replica{{name: "s", state: ReplicaStatus{Serving: true, ReplayLSN: 1000}}}}
	ctx := context.Background()
	for _, c := range []struct {
		after LSN
		want  string
	}{{0, "s"}, {999, "s"}, {1000, "s"}, {1001, "primary"}} {
		if got := r.ReadsFrom(r.Route(ctx, c.after)); got != c.want {
			t.Errorf("after %d: reads from %s, want %s", c.after, got, c.want)
		}
	}
}

// namedVersions is a VersionSource that names the server it was made for.
type namedVersions struct{ name string }

func (n namedVersions) DataVersion(context.Context) (string, error) { return n.name, nil }

// TestReadRouterVersionsPerServer: the data version comes from the source made for the server the
// request reads from (one per server, as a per-server version cache needs).
func TestReadRouterVersionsPerServer(t *testing.T) {
	ctx := context.Background()
	primary, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	made := 0
	r, err := OpenReadRouter(primary, []string{"postgres://x@/a?host=/nonexistent", "postgres://x@/b?host=/nonexistent"}, ReadRouterOptions{
		Versions: func(db *DB) VersionSource {
			made++
			if db == primary {
				return namedVersions{"primary"}
			}
			return namedVersions{"standby" + strconv.Itoa(made-1)}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if made != 3 {
		t.Fatalf("%d version sources made, want 3 (primary and two standbys)", made)
	}
	if v, _ := r.DataVersion(ctx); v != "primary" {
		t.Errorf("unrouted version from %q, want primary", v)
	}
	for _, rep := range r.replicas {
		rep.state.Serving = true
	}
	seen := map[string]bool{}
	for range 4 {
		routedCtx := r.Route(ctx, 0)
		v, err := r.DataVersion(routedCtx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{r.replicas[0].name: "standby1", r.replicas[1].name: "standby2"}[r.ReadsFrom(routedCtx)]; v != want {
			t.Errorf("request routed to %s read version %q, want %q", r.ReadsFrom(routedCtx), v, want)
		}
		seen[v] = true
	}
	if len(seen) != 2 {
		t.Errorf("round robin over two standbys read versions %v", seen)
	}
}
