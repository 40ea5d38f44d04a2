package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"
)

// The two views compared.
const (
	OurView = "public.brand_product_segments"
	// BrandView stands for the brand-level tables (corrections #14, issue 13) that the same procedure
	// maintains for the slices changed since the last refresh (brand_level_refresh).
	BrandView = "public.brand_marketplace_segments"
	SeedView  = "public.seed_brand_product_segments"
)

// Store is what the benchmark needs from the database. internal/postgres implements it (through a small
// adapter in cmd/sqpdash).
type Store interface {
	// RefreshView runs REFRESH MATERIALIZED VIEW [CONCURRENTLY] directly, with the server's work_mem or
	// workMem, and returns its duration and the rows it deleted plus inserted.
	RefreshView(ctx context.Context, view string, concurrent bool, workMem string) (time.Duration, int64, error)
	// RefreshThroughProcedure calls the refresh procedure (change check, lock, log, validation) and
	// returns the status it logged ("success", "skipped", ...).
	RefreshThroughProcedure(ctx context.Context, force bool) (string, error)
	// SourceChanged is the read-only question the schedule asks before calling the procedure: did the
	// base data change since the last successful refresh?
	SourceChanged(ctx context.Context) (bool, error)
	// ChangeNewestWeek changes every query row of the newest week.
	ChangeNewestWeek(ctx context.Context) (int64, error)
	// ExpansionRows reads a product's weekly segments, from the view or live from the base tables.
	ExpansionRows(ctx context.Context, p Product, from, to time.Time, live bool) (int, error)
	// ResetStatementStats clears the per-statement statistics (pg_stat_statements).
	ResetStatementStats(ctx context.Context) error
	// TopStatements returns the statements with the most execution time since the reset.
	TopStatements(ctx context.Context, n int) ([]StatementStat, error)
	// Explain returns EXPLAIN (ANALYZE, BUFFERS) of a named statement.
	Explain(ctx context.Context, name string, p Product, from, to time.Time) (string, error)
	// ImportNextWeek imports the reports of the week after the dataset's newest one, through the import
	// path `sqpdash import` uses (one transaction), and returns the query rows it wrote.
	ImportNextWeek(ctx context.Context) (int64, error)
	// DatabaseBytes is the size of the database on disk (pg_database_size).
	DatabaseBytes(ctx context.Context) (int64, error)
	// Settle leaves the database quiet before a measured read phase: VACUUM (ANALYZE), CHECKPOINT, and no
	// autovacuum worker running, waited for up to wait. It returns how long that took and how many
	// autovacuum workers still ran when the wait ended.
	Settle(ctx context.Context, wait time.Duration) (took time.Duration, autovacuum int, err error)
}

// settleWait is how long Settle waits for autovacuum workers to finish before a phase is measured anyway.
const settleWait = 5 * time.Minute

// settle runs Store.Settle before the phase named and logs what it took. The refresh, change and import
// cases leave dead rows, stale statistics and dirty buffers behind: measured right after them, a read
// phase shares the 2 cores with autovacuum and autoanalyze, and its queries write out the dirty buffers
// they evict or wait behind the checkpoint that does (the first uncached expansions ran at 2-4 times the
// cold case's latency, and the expansion query at 64 clients at 70% of its throughput at the other
// scales, in the run before this was added).
func settle(ctx context.Context, s Store, log *slog.Logger, scale float64, phase string) error {
	took, workers, err := s.Settle(ctx, settleWait)
	if err != nil {
		return fmt.Errorf("settle the database before %s: %w", phase, err)
	}
	if workers > 0 {
		log.Warn("bench: autovacuum still running, measuring anyway", "scale", scale, "phase", phase, "workers", workers, "waited", settleWait.String())
	}
	log.Info("bench: settled", "scale", scale, "phase", phase, "took", took.Round(time.Millisecond).String())
	return nil
}

// Product is one product whose pages are requested.
type Product struct {
	BrandID     string
	ASIN        string
	Marketplace string // the marketplace of its newest report
}

// Dataset is the size of one benchmark database.
type Dataset struct {
	Scale             float64 `json:"scale"`
	Brands            int64   `json:"brands"`
	ASINs             int64   `json:"asins"`
	Weeks             int64   `json:"weeks"`
	ASINWeeks         int64   `json:"asin_weeks"`
	SQPRows           int64   `json:"sqp_rows"`
	SegmentRows       int64   `json:"segment_rows"`
	LoadSeconds       float64 `json:"load_seconds"`
	SeedCreateSeconds float64 `json:"seed_view_create_seconds"`
}

// Query is a search query of a brand whose query page is requested.
type Query struct {
	BrandID     string
	Marketplace string
	Query       string
}

// Target is one prepared dataset: its database, its running server and the products to request.
type Target struct {
	Dataset  Dataset
	Store    Store
	Server   *Server // nil skips the HTTP measurements
	Products []Product
	// Queries are the search queries whose query pages are requested; their brands' query views too.
	// Without any, those pages are not measured.
	Queries  []Query
	From, To time.Time // the date range of every product request: the whole dataset
	// Swap, when set, measures readers during `schema apply` of a changed view SQL (last, as it rebuilds
	// the view).
	Swap *SwapCase
	// DatabasePID is the cluster's postmaster: the CPU time of it and its children per uncached request is
	// reported beside the server's. 0 leaves it out.
	DatabasePID int
}

// queryWindows is the number of 13-week ranges of each brand's query view requested first (uncached):
// the newest 13 weeks and the ranges ending 1, 2, ... weeks earlier, so that the uncached path has more
// samples than there are brands.
const queryWindows = 4

// Names of the HTTP cases of the query pages; the targets read them.
const (
	QueryViewPage = "query view (13 weeks)"
	QueryPage     = "query page (13 weeks)"
)

// Options say how long and how often to measure.
type Options struct {
	Runs         int           // runs of each refresh measurement
	CheckRuns    int           // runs of the no-change check
	LoadDuration time.Duration // of each load at one concurrency
	Clients      []int         // concurrencies of the loads
	// SeedMaxScale is the largest scale at which the seed spec's view is built and refreshed: its
	// refreshes take minutes from scale 50 on, and the side-by-side comparison is made at scale 10.
	SeedMaxScale float64
	Logger       *slog.Logger
}

// RefreshCase is one refresh measurement.
type RefreshCase struct {
	View       string  `json:"view"`
	Concurrent bool    `json:"concurrent"`
	Changed    bool    `json:"changed_data"`
	WorkMem    string  `json:"work_mem,omitempty"` // empty: the server's setting
	Result     Summary `json:"result"`
}

// refreshCases are the refreshes measured, in this order: each "unchanged" concurrent case follows a
// plain refresh of the same view, which left it current. A plain REFRESH recomputes everything whether
// or not data changed, so the seed's view is measured plainly once; ours both ways, as a check. The
// work_mem case tries the setting the refresh's aggregation needs at large scales.
var refreshCases = []RefreshCase{
	{View: OurView},
	{View: OurView, Changed: true},
	{View: OurView, Concurrent: true},
	{View: OurView, Concurrent: true, Changed: true},
	{View: OurView, Concurrent: true, Changed: true, WorkMem: "256MB"},
	// What the brand-level view adds to every refresh (the procedure refreshes both).
	{View: BrandView, Concurrent: true, Changed: true, WorkMem: "256MB"},
	{View: SeedView},
	{View: SeedView, Concurrent: true},
	{View: SeedView, Concurrent: true, Changed: true},
}

// LoadCase is one endpoint or query under load at several concurrencies.
type LoadCase struct {
	Name    string       `json:"name"`
	Results []LoadResult `json:"results"`
	// Statements are the database statements that took the most time during the loads of an HTTP case.
	Statements []StatementStat `json:"top_statements,omitempty"`
	// DatabaseCPUPerReqMs is the CPU time of the cluster's processes per request (Target.DatabasePID), for
	// the first requests of an HTTP case: with the server's CPU, what decides on a busy machine.
	DatabaseCPUPerReqMs float64 `json:"database_cpu_per_request_ms,omitempty"`
}

// StatementStat is one statement's database time during a load (pg_stat_statements).
type StatementStat struct {
	Query   string  `json:"query"`
	Calls   int64   `json:"calls"`
	TotalMs float64 `json:"total_ms"`
	MeanMs  float64 `json:"mean_ms"`
	Rows    int64   `json:"rows"`
}

// ScaleResult is every figure of one dataset.
type ScaleResult struct {
	Dataset       Dataset       `json:"dataset"`
	Refresh       []RefreshCase `json:"refresh"`
	ForcedRefresh Summary       `json:"procedure_forced_refresh"`
	// ChangedRefresh is the procedure (not forced) after the newest week's rows changed: what the
	// schedule or the admin button runs after a corrected re-import.
	ChangedRefresh Summary `json:"procedure_after_newest_week_changed"`
	// ImportWeek is importing one new week of reports (every ASIN), ImportWeekRows its query rows, and
	// RefreshAfterImport the procedure's refresh that follows it.
	ImportWeek         Summary `json:"import_one_new_week"`
	ImportWeekRows     int64   `json:"import_one_new_week_rows,omitempty"`
	RefreshAfterImport Summary `json:"procedure_after_import_of_one_week"`
	// DatabaseBytes is the database's size on disk after the measurements.
	DatabaseBytes int64      `json:"database_bytes,omitempty"`
	NoChangeCheck Summary    `json:"no_change_check"`
	ChangedQuery  Summary    `json:"read_only_change_check"`
	Queries       []LoadCase `json:"queries"`
	HTTP          []LoadCase `json:"http,omitempty"`
	HTTPFirst     []LoadCase `json:"http_first_request_per_product,omitempty"`
	// FreshServer is the expansion's first requests of the server right after it started, before the
	// refreshes: the same URLs as HTTPFirst's expansion case, which then measures the first requests after
	// a refresh on a server that has been serving.
	FreshServer   *LoadCase         `json:"http_first_requests_of_fresh_server,omitempty"`
	ColdExpansion *ColdExpansion    `json:"cold_expansion,omitempty"`
	UnderRefresh  *LoadCase         `json:"http_expansion_during_concurrent_refresh,omitempty"`
	RefreshesRun  int               `json:"concurrent_refreshes_during_load,omitempty"` // finished ones, the last one after the load
	PeakRSSBytes  int64             `json:"server_peak_rss_bytes,omitempty"`
	Explain       map[string]string `json:"explain,omitempty"`
	Swap          *SwapResult       `json:"schema_apply_swap,omitempty"`
}

// Measure takes every measurement of one target.
func Measure(ctx context.Context, t Target, opts Options) (ScaleResult, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := ScaleResult{Dataset: t.Dataset, Explain: map[string]string{}}
	if len(t.Products) == 0 {
		return res, fmt.Errorf("measure scale %v: no products to request", t.Dataset.Scale)
	}
	if t.Server != nil {
		// A deployment's server has been serving for days when an import or a refresh empties its cache:
		// the first requests after the refreshes below should be those of a running server, not of a
		// process that has just started (its heap growing into fresh pages, its database connections'
		// statements planned anew). The fresh server's first requests are reported on their own.
		log.Info("bench: http first requests of the freshly started server", "scale", t.Dataset.Scale, "requests", len(t.Products))
		fresh := firstPass(ctx, t, expansionPage+", freshly started server, first request per product", expansionURLs(t))
		res.FreshServer = &fresh
	}

	for _, c := range refreshCases {
		if c.View == SeedView && opts.SeedMaxScale > 0 && t.Dataset.Scale > opts.SeedMaxScale {
			continue
		}
		log.Info("bench: refresh", "scale", t.Dataset.Scale, "view", c.View, "concurrent", c.Concurrent, "changed", c.Changed, "work_mem", c.WorkMem)
		s, err := measureRefresh(ctx, t.Store, c, opts.Runs)
		if err != nil {
			return res, err
		}
		c.Result = s
		res.Refresh = append(res.Refresh, c)
	}

	// The procedure: a forced refresh, then the no-change check (nothing changed since).
	log.Info("bench: refresh procedure and no-change check", "scale", t.Dataset.Scale)
	var forced, checks []time.Duration
	for range opts.Runs {
		d, status, err := timed(func() (string, error) { return t.Store.RefreshThroughProcedure(ctx, true) })
		if err != nil || status != "success" {
			return res, fmt.Errorf("forced refresh through the procedure: status %q: %w", status, err)
		}
		forced = append(forced, d)
	}
	for range opts.CheckRuns {
		d, status, err := timed(func() (string, error) { return t.Store.RefreshThroughProcedure(ctx, false) })
		if err != nil || status != "skipped" {
			return res, fmt.Errorf("no-change check: status %q, want skipped: %w", status, err)
		}
		checks = append(checks, d)
	}
	var reads []time.Duration
	for range opts.CheckRuns {
		d, changed, err := timed(func() (bool, error) { return t.Store.SourceChanged(ctx) })
		if err != nil || changed {
			return res, fmt.Errorf("read-only change check: changed=%t, want false: %w", changed, err)
		}
		reads = append(reads, d)
	}
	var changed []time.Duration
	for range opts.Runs {
		if _, err := t.Store.ChangeNewestWeek(ctx); err != nil {
			return res, err
		}
		d, status, err := timed(func() (string, error) { return t.Store.RefreshThroughProcedure(ctx, false) })
		if err != nil || status != "success" {
			return res, fmt.Errorf("refresh through the procedure after a change: status %q: %w", status, err)
		}
		changed = append(changed, d)
	}
	res.ChangedRefresh = summarize(changed, nil)
	res.ForcedRefresh = summarize(forced, nil)
	res.NoChangeCheck = summarize(checks, nil)
	res.ChangedQuery = summarize(reads, nil)

	if err := settle(ctx, t.Store, log, t.Dataset.Scale, "the expansion query loads"); err != nil {
		return res, err
	}
	// The expansion query, from the view and live, at each concurrency.
	for _, live := range []bool{false, true} {
		name := "expansion query (brand_product_segments)"
		if live {
			name = "expansion query, live from the base tables"
		}
		lc := LoadCase{Name: name}
		for _, clients := range opts.Clients {
			log.Info("bench: query load", "scale", t.Dataset.Scale, "query", name, "clients", clients)
			lc.Results = append(lc.Results, Load{Clients: clients, Duration: opts.LoadDuration, Do: func(ctx context.Context, c, n int) error {
				p := t.Products[(c*7919+n)%len(t.Products)]
				_, err := t.Store.ExpansionRows(ctx, p, t.From, t.To, live)
				return err
			}}.Run(ctx))
		}
		res.Queries = append(res.Queries, lc)
	}

	if t.Server != nil {
		if err := settle(ctx, t.Store, log, t.Dataset.Scale, "the HTTP phases"); err != nil {
			return res, err
		}
		if err := measureHTTP(ctx, t, opts, &res, log); err != nil {
			return res, err
		}
		// After the refreshes run under load at the end of measureHTTP.
		if err := settle(ctx, t.Store, log, t.Dataset.Scale, "the cold expansion"); err != nil {
			return res, err
		}
		log.Info("bench: cold expansion", "scale", t.Dataset.Scale, "requests", len(t.Products))
		cold, err := measureColdExpansion(ctx, t)
		if err != nil {
			return res, err
		}
		res.ColdExpansion = cold
	}

	// Last, because it adds a week to the dataset: a new week's import and the refresh after it.
	log.Info("bench: import one new week and refresh", "scale", t.Dataset.Scale)
	d, rows, err := timed(func() (int64, error) { return t.Store.ImportNextWeek(ctx) })
	if err != nil {
		return res, err
	}
	res.ImportWeek, res.ImportWeekRows = summarize([]time.Duration{d}, nil), rows
	d, status, err := timed(func() (string, error) { return t.Store.RefreshThroughProcedure(ctx, false) })
	if err != nil || status != "success" {
		return res, fmt.Errorf("refresh through the procedure after an import: status %q: %w", status, err)
	}
	res.RefreshAfterImport = summarize([]time.Duration{d}, nil)
	if res.DatabaseBytes, err = t.Store.DatabaseBytes(ctx); err != nil {
		return res, err
	}

	for _, name := range []string{"expansion", "expansion-live", "segments-definition"} {
		plan, err := t.Store.Explain(ctx, name, t.Products[0], t.From, t.To)
		if err != nil {
			return res, err
		}
		res.Explain[name] = plan
	}
	if t.Swap != nil {
		log.Info("bench: readers during schema apply of a changed view SQL", "scale", t.Dataset.Scale, "view", t.Swap.View)
		s, err := MeasureSwap(ctx, *t.Swap)
		if err != nil {
			return res, err
		}
		res.Swap = &s
	}
	return res, nil
}

// measureRefresh refreshes c.View runs times; with c.Changed, the newest week's rows change before each
// run.
func measureRefresh(ctx context.Context, s Store, c RefreshCase, runs int) (Summary, error) {
	var (
		times     []time.Duration
		rewritten []int64
	)
	for range runs {
		if c.Changed {
			if _, err := s.ChangeNewestWeek(ctx); err != nil {
				return Summary{}, err
			}
		}
		d, rows, err := s.RefreshView(ctx, c.View, c.Concurrent, c.WorkMem)
		if err != nil {
			return Summary{}, err
		}
		times = append(times, d)
		// A plain REFRESH rewrites the whole view whatever changed: only a concurrent one has a diff.
		if c.Concurrent {
			rewritten = append(rewritten, rows)
		}
	}
	return summarize(times, rewritten), nil
}

// httpPage is one page measured over HTTP: the URLs requested, each once first (uncached), then in turn
// under load.
type httpPage struct {
	name  string
	first string // what the first requests go through once each: "product", "search query"
	urls  []string
}

// expansionPage is the name of the expansion's HTTP cases; the targets read it.
const expansionPage = "expansion partial (htmx)"

// wholeRange is the date range of every product request: the whole dataset.
func wholeRange(t Target) url.Values {
	return url.Values{"from": {t.From.Format(time.DateOnly)}, "to": {t.To.Format(time.DateOnly)}}
}

// perProduct is page's URL of each of t's products.
func perProduct(t Target, page func(Product) string) []string {
	urls := make([]string, len(t.Products))
	for i, p := range t.Products {
		urls[i] = page(p)
	}
	return urls
}

// expansionURLs are the expansions (weekly, the whole range) of t's products.
func expansionURLs(t Target) []string {
	dates := wholeRange(t)
	return perProduct(t, func(p Product) string { return t.Server.ExpansionURL(p, dates) })
}

// firstPass requests each URL once, one at a time (Server.firstRequests), as the case name, with the
// database's CPU per request.
func firstPass(ctx context.Context, t Target, name string, urls []string) LoadCase {
	db0, dbErr := databaseCPU(t.DatabasePID)
	first := t.Server.firstRequests(ctx, urls)
	fc := LoadCase{Name: name, Results: []LoadResult{first}}
	if db1, err := databaseCPU(t.DatabasePID); err == nil && dbErr == nil && first.Requests > 0 {
		fc.DatabaseCPUPerReqMs = ms(db1-db0) / float64(first.Requests)
	}
	return fc
}

// measureHTTP loads the three pages, the expansion under a refresh loop, and reads the server's peak RSS.
func measureHTTP(ctx context.Context, t Target, opts Options, res *ScaleResult, log *slog.Logger) error {
	srv := t.Server
	dates := wholeRange(t)
	pages := []httpPage{
		{expansionPage, "product", expansionURLs(t)},
		{"brand page", "product", perProduct(t, func(p Product) string { return srv.BrandURL(p, dates) })},
		{"product page", "product", perProduct(t, func(p Product) string { return srv.ProductURL(p, dates) })},
	}
	if len(t.Queries) > 0 {
		var views, queries []string
		seen := map[string]bool{}
		for _, q := range t.Queries {
			queries = append(queries, srv.QueryPageURL(q, weeks13(t.To, 0)))
			if seen[q.BrandID] {
				continue
			}
			seen[q.BrandID] = true
			for w := range queryWindows {
				views = append(views, srv.QueryViewURL(q.BrandID, weeks13(t.To, w)))
			}
		}
		pages = append(pages, httpPage{QueryViewPage, "brand and 13-week range", views}, httpPage{QueryPage, "search query", queries})
	}
	for _, page := range pages {
		lc := LoadCase{Name: page.name}
		if err := srv.Check(ctx, page.urls[0]); err != nil {
			return fmt.Errorf("%s: %w", page.name, err)
		}
		if err := t.Store.ResetStatementStats(ctx); err != nil {
			return err
		}
		// Each URL once first: the uncached path, reported apart, and a warm server for the loads.
		log.Info("bench: http first requests", "scale", t.Dataset.Scale, "page", page.name, "requests", len(page.urls))
		res.HTTPFirst = append(res.HTTPFirst, firstPass(ctx, t, page.name+", first request per "+page.first, page.urls))
		for _, clients := range opts.Clients {
			log.Info("bench: http load", "scale", t.Dataset.Scale, "page", page.name, "clients", clients)
			lc.Results = append(lc.Results, srv.load(ctx, clients, opts.LoadDuration, page.urls))
		}
		top, err := t.Store.TopStatements(ctx, 5)
		if err != nil {
			return err
		}
		lc.Statements = top
		res.HTTP = append(res.HTTP, lc)
	}

	// The expansion while concurrent refreshes of our view run back to back. The refresh in flight when
	// the loads end is waited for, so that every load overlaps a refresh from start to end.
	log.Info("bench: http load during concurrent refreshes", "scale", t.Dataset.Scale)
	var stop atomic.Bool
	done := make(chan int)
	go func() {
		n := 0
		for !stop.Load() {
			if _, _, err := t.Store.RefreshView(ctx, OurView, true, ""); err != nil {
				log.Error("bench: refresh during load", "err", err)
				break
			}
			n++
		}
		done <- n
	}()
	time.Sleep(100 * time.Millisecond) // let the first refresh begin
	under := LoadCase{Name: "expansion partial during concurrent refreshes"}
	for _, clients := range []int{1, 8} {
		under.Results = append(under.Results, srv.load(ctx, clients, opts.LoadDuration, pages[0].urls))
	}
	stop.Store(true)
	res.RefreshesRun = <-done
	res.UnderRefresh = &under

	rss, err := PeakRSS(srv.PID)
	if err != nil {
		return err
	}
	res.PeakRSSBytes = rss
	return nil
}

// errNoDatabasePID is databaseCPU's answer when the cluster's postmaster is not known.
var errNoDatabasePID = errors.New("the database's process is not known")

// databaseCPU is the CPU time the cluster's processes have used so far (ProcessTreeCPU of pid).
func databaseCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, errNoDatabasePID
	}
	return ProcessTreeCPU(pid)
}

// weeks13 is the range of the 13 weeks ending back weeks before to (a Saturday), as URL parameters.
func weeks13(to time.Time, back int) url.Values {
	end := to.AddDate(0, 0, -7*back)
	return url.Values{"from": {end.AddDate(0, 0, -7*13+1).Format(time.DateOnly)}, "to": {end.Format(time.DateOnly)}}
}

func timed[T any](f func() (T, error)) (time.Duration, T, error) {
	start := time.Now()
	v, err := f()
	return time.Since(start), v, err
}
