package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sqpdash/sqpdash/internal/bench"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/demo"
	"github.com/sqpdash/sqpdash/internal/pglocal"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/schema"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// benchFlags are the settings of `sqpdash bench`.
type benchFlags struct {
	out       string
	scales    []float64
	clients   []int
	opts      bench.Options
	atlas     string
	keep      bool
	benchUser string
	// largeRuns replaces opts.Runs from scale largeScale on, where one refresh takes tens of seconds.
	largeRuns int
}

// benchQueriesPerBrand is how many search queries of each brand the query page is requested for.
const benchQueriesPerBrand = 10

// largeScale is the scale from which --large-runs applies.
const largeScale = 5

// benchPassword signs the benchmark's own admin in; the account exists only in the benchmark databases.
const benchPassword = "bench-password-not-secret"

// runBench builds the demo dataset at each scale in a private cluster of its own, measures refreshes,
// queries and the HTTP server, and writes results.md and results.json.
func runBench(ctx context.Context, cfg config.Config, args []string) int {
	f, code, ok := parseBenchFlags(args, os.Stderr)
	if !ok {
		return code
	}
	log := newLogger(cfg)
	if err := benchmark(ctx, cfg, f, log); err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash bench: %v\n", err)
		return exitFailure
	}
	fmt.Printf("wrote %s and %s\n", filepath.Join(f.out, "results.md"), filepath.Join(f.out, "results.json"))
	return exitOK
}

func parseBenchFlags(args []string, stderr io.Writer) (f benchFlags, code int, ok bool) {
	fs := flag.NewFlagSet("sqpdash bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sqpdash bench [--out DIR] [--scales 1,10] [--runs N] [--duration D] [--clients 1,8,64] [--seed-max-scale 10]")
		fmt.Fprintln(stderr, "\nBuilds the demo dataset at each scale in a private PostgreSQL cluster (under SQPDASH_DATA_DIR/bench-pg),\nmeasures refreshes, the no-change check, the expansion query and the dashboard over HTTP, and writes\nDIR/results.md and DIR/results.json.\n\nflags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.out, "out", "bench", "directory for results.md and results.json")
	scales := fs.String("scales", "1,10", "demo scales to build and measure, comma-separated")
	clients := fs.String("clients", "1,8,64", "concurrent clients of each load, comma-separated")
	fs.IntVar(&f.opts.Runs, "runs", 3, "runs of each refresh measurement (the median is reported)")
	fs.IntVar(&f.largeRuns, "large-runs", 2, "runs of each refresh measurement from scale 5 on")
	fs.IntVar(&f.opts.CheckRuns, "check-runs", 20, "runs of the no-change check")
	fs.DurationVar(&f.opts.LoadDuration, "duration", 4*time.Second, "length of each load")
	fs.StringVar(&f.atlas, "config", "atlas.hcl", "atlas.hcl of the schema to apply")
	fs.Float64Var(&f.opts.SeedMaxScale, "seed-max-scale", 10, "largest scale at which the seed spec's view is built and compared (its refreshes take minutes above)")
	fs.BoolVar(&f.keep, "keep", false, "keep the benchmark databases (for profiling) instead of dropping them")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, exitOK, false
		}
		return f, exitUsage, false
	}
	bad := func(format string, a ...any) (benchFlags, int, bool) {
		fmt.Fprintf(stderr, "sqpdash bench: "+format+"\n", a...)
		return f, exitUsage, false
	}
	if fs.NArg() > 0 {
		return bad("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*scales, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || !(v > 0) || v > demo.MaxScale {
			return bad("--scales %q: want numbers above 0 and at most %d", *scales, demo.MaxScale)
		}
		f.scales = append(f.scales, v)
	}
	for _, s := range strings.Split(*clients, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < 1 || v > 1024 {
			return bad("--clients %q: want whole numbers from 1 to 1024", *clients)
		}
		f.clients = append(f.clients, v)
	}
	if f.opts.Runs < 1 || f.largeRuns < 1 || f.opts.CheckRuns < 1 || f.opts.LoadDuration <= 0 {
		return bad("--runs, --large-runs, --check-runs and --duration must be positive")
	}
	f.opts.Clients = f.clients
	f.benchUser = "bench@sqpdash.invalid"
	return f, exitOK, true
}

// benchmark runs every scale against a private cluster and writes the results.
func benchmark(ctx context.Context, cfg config.Config, f benchFlags, log *slog.Logger) error {
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "bench-pg"))
	if err != nil {
		return fmt.Errorf("resolve bench data dir: %w", err)
	}
	cluster, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, Logger: log})
	if err != nil {
		return fmt.Errorf("start benchmark PostgreSQL in %s: %w", dir, err)
	}
	defer func() {
		if !cluster.StartedByUs() {
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(sctx); err != nil {
			log.Error("stop benchmark PostgreSQL", "err", err)
		}
	}()

	if err := preloadStatementStats(ctx, cluster); err != nil {
		return err
	}
	f.opts.Logger = log
	reference := time.Now()
	from, to := benchRange(reference, demo.WeeksPerDataset)
	results := bench.Results{
		Machine: bench.ReadMachine(),
		Date:    time.Now().UTC(),
		Options: bench.ResultOptions{
			Runs: f.opts.Runs, LargeRuns: f.largeRuns, CheckRuns: f.opts.CheckRuns, LoadSeconds: f.opts.LoadDuration.Seconds(), Clients: f.clients,
			RangeFrom: from.Format(time.DateOnly), RangeTo: to.Format(time.DateOnly),
			Measurements: "One private cluster (pglocal's settings, pg_stat_statements loaded); each scale in its own database; `sqpdash serve` as a separate process, connected as the web role, started before the refreshes; it serves each product's expansion once right away (the freshly started server's first requests), so that the first requests after the refreshes are a running server's. Before the expansion query loads, the HTTP phases and the cold expansion the database is settled: VACUUM (ANALYZE), CHECKPOINT, no autovacuum worker running (the refresh and change cases before them leave dead rows, stale statistics and dirty buffers).",
		},
	}
	for _, scale := range f.scales {
		res, err := benchScale(ctx, cluster, f, scale, reference, log, &results.Machine)
		if err != nil {
			return fmt.Errorf("scale %g: %w", scale, err)
		}
		results.Scales = append(results.Scales, res)
		results.Targets = bench.CheckTargets(results.Scales)
		// Written after every scale, so that a long run that fails later keeps what it measured.
		if err := bench.WriteFiles(f.out, results); err != nil {
			return err
		}
	}
	return nil
}

// preloadStatementStats restarts the benchmark cluster with pg_stat_statements loaded, once.
func preloadStatementStats(ctx context.Context, cluster *pglocal.Cluster) error {
	db, err := postgres.Open(ctx, cluster.URL("postgres"))
	if err != nil {
		return err
	}
	restart, err := db.PreloadStatementStats(ctx)
	db.Close()
	if err != nil || !restart {
		return err
	}
	if err := cluster.Stop(ctx); err != nil {
		return fmt.Errorf("restart benchmark PostgreSQL: %w", err)
	}
	if err := cluster.Restart(ctx); err != nil {
		return fmt.Errorf("restart benchmark PostgreSQL: %w", err)
	}
	return nil
}

// benchRange is the date range of the whole demo dataset built for reference.
func benchRange(reference time.Time, weeks int) (from, to time.Time) {
	ds, err := demo.New(demo.Options{Scale: 0.01, Reference: reference})
	if err != nil {
		return reference.AddDate(0, 0, -7*weeks), reference
	}
	w := ds.Weeks()
	return w[0], w[len(w)-1].AddDate(0, 0, 6)
}

// benchScale prepares one database (schema, demo data, the seed's view, a server) and measures it.
func benchScale(ctx context.Context, cluster *pglocal.Cluster, f benchFlags, scale float64, reference time.Time, log *slog.Logger, machine *bench.Machine) (bench.ScaleResult, error) {
	name := "bench_scale_" + strings.ReplaceAll(strconv.FormatFloat(scale, 'f', -1, 64), ".", "_")
	if err := cluster.DropDatabase(ctx, name); err != nil {
		return bench.ScaleResult{}, err
	}
	if err := cluster.CreateDatabase(ctx, name, ""); err != nil {
		return bench.ScaleResult{}, err
	}
	if !f.keep {
		defer func() {
			if err := cluster.DropDatabase(context.WithoutCancel(ctx), name); err != nil {
				log.Error("drop benchmark database", "database", name, "err", err)
			}
		}()
	}
	url := cluster.URL(name)
	log.Info("bench: apply schema", "database", name)
	if _, err := schema.Apply(ctx, schema.Options{ConfigFile: f.atlas, Env: "local", URL: url, AutoApprove: true, Out: io.Discard}); err != nil {
		return bench.ScaleResult{}, fmt.Errorf("apply schema: %w", err)
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return bench.ScaleResult{}, err
	}
	defer db.Close()
	if machine.Postgres == "" {
		machine.Postgres, _ = db.ServerVersion(ctx)
	}

	log.Info("bench: load demo data", "scale", scale)
	ds, err := demo.New(demo.Options{Scale: scale, Seed: 1, Reference: reference})
	if err != nil {
		return bench.ScaleResult{}, err
	}
	began := time.Now()
	loaded, err := db.LoadDemo(ctx, demoData(ds), postgres.DemoLoadOptions{})
	if err != nil {
		return bench.ScaleResult{}, err
	}
	refresher := refresh.New(db, refresh.Options{Logger: log})
	out, err := refresher.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "bench", Force: true})
	if err != nil {
		return bench.ScaleResult{}, fmt.Errorf("first refresh: %w", err)
	}
	loadTime := time.Since(began)
	var seedTime time.Duration
	if scale <= f.opts.SeedMaxScale {
		log.Info("bench: create the seed's view", "scale", scale)
		began = time.Now()
		if err := db.CreateSeedSegments(ctx); err != nil {
			return bench.ScaleResult{}, err
		}
		seedTime = time.Since(began)
	}

	products, err := db.BenchProducts(ctx, 200)
	if err != nil {
		return bench.ScaleResult{}, err
	}
	from, to := benchRange(reference, demo.WeeksPerDataset)
	target := bench.Target{
		Dataset: bench.Dataset{
			Scale: scale, Brands: loaded.Brands, ASINs: loaded.Mappings, Weeks: int64(len(ds.Weeks())),
			ASINWeeks: loaded.ASINWeeks, SQPRows: loaded.QueryRows, SegmentRows: out.RowCount,
			LoadSeconds: loadTime.Seconds(), SeedCreateSeconds: seedTime.Seconds(),
		},
		Store: benchStore{db: db, refresher: refresher, scale: scale, reference: reference},
		From:  from, To: to,
	}
	for _, p := range products {
		target.Products = append(target.Products, bench.Product{BrandID: p.BrandID, ASIN: p.ASIN, Marketplace: p.Marketplace})
	}
	queries, err := db.BenchQueries(ctx, benchQueriesPerBrand)
	if err != nil {
		return bench.ScaleResult{}, err
	}
	for _, q := range queries {
		target.Queries = append(target.Queries, bench.Query{BrandID: q.BrandID, Marketplace: q.Marketplace, Query: q.Query})
	}

	// A server that cannot start or sign in fails the benchmark: skipping its measurements quietly once
	// hid, for a while, that every HTTP figure was missing.
	server, stop, err := startBenchServer(ctx, db, url, f.benchUser, log)
	if err != nil {
		return bench.ScaleResult{}, fmt.Errorf("start the server for the HTTP measurements: %w", err)
	}
	defer stop()
	target.Server = server
	// The database's CPU per uncached request is reported beside the server's when the postmaster is known.
	if pid, err := cluster.PID(); err == nil {
		target.DatabasePID = pid
	} else {
		log.Warn("bench: no database CPU per request", "err", err)
	}
	swapDir, err := os.MkdirTemp("", "sqpdash-bench-swap-")
	if err != nil {
		return bench.ScaleResult{}, err
	}
	defer os.RemoveAll(swapDir) //nolint:errcheck // a temporary copy of schema.hcl
	if target.Swap, err = benchSwapCase(f, url, swapDir, target); err != nil {
		return bench.ScaleResult{}, err
	}
	opts := f.opts
	if scale >= largeScale {
		opts.Runs = f.largeRuns
	}
	return bench.Measure(ctx, target, opts)
}

// startBenchServer starts `sqpdash serve` on a free loopback port against url, connected as the
// least-privilege web role as in production, creates the benchmark's admin and signs it in. stop ends the
// server.
func startBenchServer(ctx context.Context, db *postgres.DB, url, user string, log *slog.Logger) (*bench.Server, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("find own executable: %w", err)
	}
	if err := db.EnableLogin(ctx, postgres.WebRole); err != nil {
		return nil, nil, err
	}
	webURL, err := postgres.URLAsRole(url, postgres.WebRole)
	if err != nil {
		return nil, nil, err
	}
	env := append(os.Environ(), "DATABASE_URL="+url, "SQPDASH_WEB_DATABASE_URL="+webURL,
		"SQPDASH_REFRESH_EVERY=0", "SQPDASH_LOG_FORMAT=json")

	add := exec.CommandContext(ctx, self, "users", "add", "--role", "admin", user)
	add.Env = env
	add.Stdin = strings.NewReader(benchPassword + "\n")
	if outp, err := add.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("create benchmark user: %v: %s", err, outp)
	}

	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logFile, err := os.CreateTemp("", "sqpdash-bench-serve-*.log")
	if err != nil {
		return nil, nil, fmt.Errorf("create server log: %w", err)
	}
	cmd := exec.Command(self, "serve", "--addr", addr)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, nil, errors.Join(fmt.Errorf("start sqpdash serve: %w", err), logFile.Close())
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		waited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
		}
		// The server wrote its log through its own descriptor: closing ours loses nothing.
		_ = logFile.Close()
	}
	base := "http://" + addr
	if err := waitHealthy(ctx, base+"/healthz", 30*time.Second); err != nil {
		stop()
		return nil, nil, fmt.Errorf("%w (server log: %s)", err, logFile.Name())
	}
	server, err := bench.NewServer(ctx, base, cmd.Process.Pid, user, benchPassword)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("%w (server log: %s)", err, logFile.Name())
	}
	// After a run that got this far the log holds only request lines: it is not kept.
	return server, func() { stop(); _ = os.Remove(logFile.Name()) }, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// The port must be free again before the server binds it.
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return port, nil
}

func waitHealthy(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("server not healthy at %s after %s", url, timeout)
}

// benchStore adapts storage and the refresher to what the benchmark measures.
type benchStore struct {
	db        *postgres.DB
	refresher *refresh.Refresher
	// scale and reference rebuild the demo dataset one week later, whose newest week is the one week
	// that ImportNextWeek imports.
	scale     float64
	reference time.Time
}

func (s benchStore) RefreshView(ctx context.Context, view string, concurrent bool, workMem string) (time.Duration, int64, error) {
	r, err := s.db.RefreshView(ctx, view, postgres.RefreshOptions{Concurrent: concurrent, WorkMem: workMem})
	return r.Duration, r.RowsInserted + r.RowsDeleted, err
}

func (s benchStore) RefreshThroughProcedure(ctx context.Context, force bool) (string, error) {
	out, err := s.refresher.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "bench", Force: force})
	return string(out.Status), err
}

func (s benchStore) SourceChanged(ctx context.Context) (bool, error) {
	return s.db.SegmentSourceChanged(ctx)
}

func (s benchStore) Settle(ctx context.Context, wait time.Duration) (time.Duration, int, error) {
	r, err := s.db.Settle(ctx, wait)
	return r.Took, r.Autovacuum, err
}

func (s benchStore) ChangeNewestWeek(ctx context.Context) (int64, error) {
	return s.db.ChangeNewestWeek(ctx)
}

func (s benchStore) ExpansionRows(ctx context.Context, p bench.Product, from, to time.Time, live bool) (int, error) {
	return s.db.ExpansionRows(ctx, postgres.BenchProduct{BrandID: p.BrandID, ASIN: p.ASIN, Marketplace: p.Marketplace}, from, to, live)
}

func (s benchStore) ResetStatementStats(ctx context.Context) error {
	return s.db.ResetStatementStats(ctx)
}

func (s benchStore) TopStatements(ctx context.Context, n int) ([]bench.StatementStat, error) {
	top, err := s.db.TopStatements(ctx, n)
	out := make([]bench.StatementStat, len(top))
	for i, t := range top {
		out[i] = bench.StatementStat(t)
	}
	return out, err
}

func (s benchStore) Explain(ctx context.Context, name string, p bench.Product, from, to time.Time) (string, error) {
	return s.db.ExplainAnalyze(ctx, name, postgres.BenchProduct{BrandID: p.BrandID, ASIN: p.ASIN, Marketplace: p.Marketplace}, from, to)
}

func (s benchStore) ImportNextWeek(ctx context.Context) (int64, error) {
	ds, err := demo.New(demo.Options{Scale: s.scale, Seed: 1, Reference: s.reference.AddDate(0, 0, 7)})
	if err != nil {
		return 0, err
	}
	weeks := ds.Weeks()
	newest := weeks[len(weeks)-1]
	var reports []sqp.WeeklyReport
	for r := range ds.Reports() {
		if r.WeekStart.Equal(newest) {
			reports = append(reports, r)
		}
	}
	counts, err := s.db.ImportWeeklyReports(ctx, reports)
	if err != nil {
		return 0, err
	}
	if counts.ASINWeeksNew == 0 {
		return 0, fmt.Errorf("import the week of %s: no new ASIN-week (%+v): it is not the week after the dataset", newest.Format(time.DateOnly), counts)
	}
	return int64(counts.QueryRowsInserted + counts.QueryRowsUpdated), nil
}

func (s benchStore) DatabaseBytes(ctx context.Context) (int64, error) {
	return s.db.DatabaseSize(ctx)
}
