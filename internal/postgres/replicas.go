package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// replicaConnectTimeout bounds a connection attempt to a standby when its URL sets no connect_timeout:
// a standby whose host vanished must cost a request this long at most before the read falls back to
// the primary, never a TCP timeout of minutes.
const replicaConnectTimeout = 2 * time.Second

// ReadRouterOptions configure a ReadRouter.
type ReadRouterOptions struct {
	// MaxLag is the replication lag beyond which a standby takes no reads (they go to another standby
	// or the primary). 0 means DefaultMaxReplicaLag.
	MaxLag time.Duration
	// Logger receives the standbys' state changes (down, lagging, back). Nil: discarded.
	Logger *slog.Logger
	// Versions gives each server (the primary, each standby) the source of its data version, called once
	// per server: a process that caches the version must cache it per server, since each server is at
	// its own version. Nil: each server's DataVersion, read per call.
	Versions func(server *DB) VersionSource
}

// VersionSource names a server's current data version (DB.DataVersion, or a cache over it).
type VersionSource interface {
	DataVersion(ctx context.Context) (string, error)
}

// DefaultMaxReplicaLag is the lag limit when none is configured.
const DefaultMaxReplicaLag = 30 * time.Second

// ReadRouter sends the dashboard's reads to PostgreSQL hot standbys and everything else to the primary.
// It is a *DB (the primary: writes, sessions, the admin page's refresh state) whose read methods, the
// ones pages, partials, exports and the JSON API call, run on the standby Route chose for the request.
// A read method added to DB later and not overridden here runs on the primary: correct, only not
// spread.
//
// A standby takes reads while its last check (Check) found it reachable, in recovery and not lagging
// more than MaxLag; among those Route picks round robin. With none, reads go to the primary. A read
// that fails on a standby because the connection failed (or a recovery conflict cancelled it) is run
// again on the primary, and the standby is marked down until the next check finds it back.
type ReadRouter struct {
	*DB
	versions VersionSource // the primary's
	replicas []*replica
	next     atomic.Int64
	maxLag   time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	samples []lsnSample // the primary's WAL position over time, oldest first (lag in seconds)
}

// replica is one standby and what its last check found.
type replica struct {
	name     string
	db       *DB
	versions VersionSource

	mu    sync.Mutex
	state ReplicaStatus
}

// lsnSample is the primary's WAL position at a time.
type lsnSample struct {
	lsn LSN
	at  time.Time
}

// ReplicaStatus is what the last check of a standby found.
type ReplicaStatus struct {
	// Name is the standby's host, port and database (never its password).
	Name string
	// Up: the last check reached it and it is in recovery (a hot standby).
	Up bool
	// Serving: it takes reads (up and lagging at most the limit).
	Serving bool
	// Problem says why it does not take reads ("" when it does).
	Problem string
	// ReplayLSN is the last WAL position it replayed; LagBytes how far that is behind the primary.
	ReplayLSN LSN
	LagBytes  int64
	// Lag is how long ago the primary was at a WAL position the standby has not replayed yet (0 when
	// it has replayed everything the primary had written at the check), to the checks' resolution.
	Lag time.Duration
	// CheckedAt is when the check ran (zero: never).
	CheckedAt time.Time
}

// LSN is a PostgreSQL WAL position (pg_lsn) as a number; its text form is "X/Y" in hexadecimal.
type LSN uint64

// ParseLSN reads a pg_lsn's text form.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(strings.TrimSpace(s), "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("invalid WAL position %q: want X/Y in hexadecimal", s)
	}
	return LSN(h<<32 | l), nil
}

// String is the pg_lsn text form.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

// OpenReadRouter opens a pool per standby URL beside the primary. It does not wait for the standbys:
// one that is down at start takes no reads until a check finds it up, so the server starts anyway.
// Call Check (or Run) before serving: until then every read goes to the primary.
func OpenReadRouter(primary *DB, urls []string, opts ReadRouterOptions) (*ReadRouter, error) {
	r := &ReadRouter{DB: primary, maxLag: opts.MaxLag, log: opts.Logger}
	if r.maxLag <= 0 {
		r.maxLag = DefaultMaxReplicaLag
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	versionsOf := opts.Versions
	if versionsOf == nil {
		versionsOf = func(db *DB) VersionSource { return db }
	}
	r.versions = versionsOf(primary)
	for _, u := range urls {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			r.closeReplicas()
			return nil, fmt.Errorf("parse read database url: %w", redactedError{err})
		}
		if cfg.ConnConfig.ConnectTimeout == 0 {
			cfg.ConnConfig.ConnectTimeout = replicaConnectTimeout
		}
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg) // connects lazily
		if err != nil {
			r.closeReplicas()
			return nil, fmt.Errorf("open read database pool: %w", err)
		}
		name := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
		db := &DB{pool: pool}
		rep := &replica{name: name, db: db, versions: versionsOf(db)}
		rep.state = ReplicaStatus{Name: name, Problem: "not checked yet"}
		r.replicas = append(r.replicas, rep)
	}
	return r, nil
}

// Close closes the standbys' pools (the primary's belongs to the caller).
func (r *ReadRouter) Close() { r.closeReplicas() }

func (r *ReadRouter) closeReplicas() {
	for _, rep := range r.replicas {
		rep.db.Close()
	}
}

// MaxLag is the lag limit in use.
func (r *ReadRouter) MaxLag() time.Duration { return r.maxLag }

// Replicas returns what the last check of each standby found, in configuration order.
func (r *ReadRouter) Replicas() []ReplicaStatus {
	out := make([]ReplicaStatus, len(r.replicas))
	for i, rep := range r.replicas {
		rep.mu.Lock()
		out[i] = rep.state
		rep.mu.Unlock()
	}
	return out
}

// Run checks the standbys every interval until ctx ends.
func (r *ReadRouter) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Check(ctx)
		}
	}
}

// checkTimeout bounds one standby's check, so a hung standby is marked down instead of stalling the
// loop.
const checkTimeout = 2 * time.Second

// Check reads the primary's WAL position, then each standby's replay position, and decides which
// standbys take reads. State changes are logged once each (down, lagging, serving again).
func (r *ReadRouter) Check(ctx context.Context) {
	if len(r.replicas) == 0 {
		return
	}
	now := time.Now()
	primaryLSN, err := r.WALPosition(ctx)
	if err != nil {
		// Without the primary's position no lag is known; keep the standbys' last verdicts.
		r.log.Warn("read replicas: cannot read the primary's WAL position", "err", err)
		return
	}
	r.remember(primaryLSN, now)
	for _, rep := range r.replicas {
		st := r.checkOne(ctx, rep, primaryLSN, now)
		rep.mu.Lock()
		old := rep.state
		rep.state = st
		rep.mu.Unlock()
		r.logChange(old, st)
	}
}

// checkOne checks one standby against the primary's position read at now.
func (r *ReadRouter) checkOne(ctx context.Context, rep *replica, primaryLSN LSN, now time.Time) ReplicaStatus {
	st := ReplicaStatus{Name: rep.name, CheckedAt: now}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	const q = `SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '')`
	var recovering bool
	var replay string
	if err := rep.db.pool.QueryRow(cctx, q).Scan(&recovering, &replay); err != nil {
		st.Problem = "unreachable: " + errorLine(err)
		return st
	}
	if !recovering {
		// A promoted standby is a second primary: reading from it would show a diverging history.
		st.Problem = "not in recovery (not a standby)"
		return st
	}
	lsn, err := ParseLSN(replay)
	if err != nil {
		st.Problem = "no replay position"
		return st
	}
	st.Up, st.ReplayLSN = true, lsn
	if primaryLSN > lsn {
		st.LagBytes = lagBytes(primaryLSN, lsn)
		st.Lag = r.lagSince(lsn, now)
	}
	if st.Lag > r.maxLag {
		st.Problem = fmt.Sprintf("lagging %s (limit %s)", st.Lag.Round(time.Millisecond), r.maxLag)
		return st
	}
	st.Serving = true
	return st
}

// lagBytes is primary - replayed as an int64 (capped: WAL positions never get near 2^63 bytes).
func lagBytes(primary, replayed LSN) int64 {
	d := uint64(primary - replayed)
	if d > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(d)
}

// remember records the primary's position at a check; samples older than needed are dropped.
func (r *ReadRouter) remember(lsn LSN, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.samples); n > 0 && r.samples[n-1].lsn == lsn {
		return // idle primary: the oldest sample at this position is the one that counts
	}
	r.samples = append(r.samples, lsnSample{lsn: lsn, at: at})
	keep := at.Add(-10 * r.maxLag)
	i := 0
	for i < len(r.samples)-1 && r.samples[i].at.Before(keep) {
		i++
	}
	r.samples = r.samples[i:]
}

// lagSince is how long ago the primary first stood past replayed: the age of the oldest remembered
// position the standby has not reached.
func (r *ReadRouter) lagSince(replayed LSN, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.samples {
		if s.lsn > replayed {
			return now.Sub(s.at)
		}
	}
	return 0
}

// logChange logs a standby's change of verdict.
func (r *ReadRouter) logChange(old, now ReplicaStatus) {
	switch {
	case now.Serving && !old.Serving:
		r.log.Info("read replica serving reads", "replica", now.Name, "lag_bytes", now.LagBytes)
	case !now.Serving && (old.Serving || old.CheckedAt.IsZero() || problemKind(old.Problem) != problemKind(now.Problem)):
		r.log.Warn("read replica takes no reads: reads go to another replica or the primary", "replica", now.Name, "reason", now.Problem)
	}
}

// problemKind is a problem's first word (unreachable, lagging, not, no): a change of kind is logged, a
// new lag figure or error text of the same kind is not.
func problemKind(p string) string {
	k, _, _ := strings.Cut(p, " ")
	return k
}

// WALPosition returns the server's current WAL insert position: on the primary, a position at or past
// the commit of every transaction that has committed (read after a write, the read-your-writes mark).
func (db *DB) WALPosition(ctx context.Context) (LSN, error) {
	var s string
	if err := db.pool.QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&s); err != nil {
		return 0, fmt.Errorf("read the WAL position: %w", err)
	}
	return ParseLSN(s)
}

// routeKey is the context key of the standby a request reads from.
type routeKey struct{}

// Route picks the server the request's reads go to and returns ctx carrying it: round robin among the
// standbys taking reads that have replayed at least after (the caller's last write, 0 for none), else
// the primary.
func (r *ReadRouter) Route(ctx context.Context, after LSN) context.Context {
	n := len(r.replicas)
	if n == 0 {
		return ctx
	}
	start, count := r.next.Add(1), int64(n)
	for i := range count {
		rep := r.replicas[(start+i)%count]
		rep.mu.Lock()
		ok := rep.state.Serving && rep.state.ReplayLSN >= after
		rep.mu.Unlock()
		if ok {
			return context.WithValue(ctx, routeKey{}, rep)
		}
	}
	return context.WithValue(ctx, routeKey{}, (*replica)(nil))
}

// ReadsFrom names the server ctx's reads go to: a standby's name, or "primary".
func (r *ReadRouter) ReadsFrom(ctx context.Context) string {
	if rep, _ := ctx.Value(routeKey{}).(*replica); rep != nil {
		return rep.name
	}
	return "primary"
}

// routed runs read on the standby ctx was routed to (the primary without one) and, when the standby
// fails it for a reason of its own (connection lost, recovery conflict), on the primary.
func routed[T any](r *ReadRouter, ctx context.Context, read func(*DB) (T, error)) (T, error) {
	return routedTo(r, ctx, func(rep *replica) (T, error) {
		if rep == nil {
			return read(r.DB)
		}
		return read(rep.db)
	})
}

// routedTo is routed for reads that need more of the server than its pool (its version source): read
// gets the standby, nil for the primary.
func routedTo[T any](r *ReadRouter, ctx context.Context, read func(rep *replica) (T, error)) (T, error) {
	rep, _ := ctx.Value(routeKey{}).(*replica)
	if rep == nil {
		return read(nil)
	}
	v, err := read(rep)
	if err == nil || ctx.Err() != nil || !standbyFault(err) {
		return v, err
	}
	rep.mu.Lock()
	wasServing := rep.state.Serving
	if connectionLost(err) {
		rep.state.Serving, rep.state.Up = false, false
		rep.state.Problem = "unreachable: " + errorLine(err)
	}
	rep.mu.Unlock()
	if wasServing {
		r.log.WarnContext(ctx, "read replica failed a read: reading from the primary", "replica", rep.name, "err", err)
	}
	return read(nil)
}

// standbyFault reports whether err is the standby's fault rather than the query's: the primary may
// then answer the same read.
func standbyFault(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 40001: cancelled by a conflict with recovery; 57P04: database dropped by replay.
		return pgErr.Code == "40001" || pgErr.Code == "57P04" || connectionLost(err)
	}
	return connectionLost(err)
}

// connectionLost reports whether err means the server could not be reached or went away.
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		c := pgErr.Code
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03" || c == "53300"
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connectErr)
}

// errorLine is err's message cut at its first line, for a status shown on the admin page.
func errorLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
