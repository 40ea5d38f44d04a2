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
	"runtime/debug"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/events"
	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/logbuffer"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/replyconn"
	"github.com/sqpdash/sqpdash/web"
)

// HTTP server timeouts. Writes get a minute because a CSV export of a large brand streams for a while.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 2 * time.Minute // uploads of SQP reports
	writeTimeout      = time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 30 * time.Second
)

// runServe serves the dashboard until SIGINT/SIGTERM, then shuts down gracefully: in-flight requests
// finish, a running refresh is cancelled and logged as cancelled, and the private PostgreSQL is stopped.
// It applies no schema: `make run` runs `schema apply` and `demo` first.
func runServe(ctx context.Context, cfg config.Config, args []string) int {
	fs := flag.NewFlagSet("sqpdash serve", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "HTTP listen address (SQPDASH_ADDR)")
	fs.DurationVar(&cfg.RefreshEvery, "refresh-every", cfg.RefreshEvery, "refresh the segments this often when base data changed; 0 disables (SQPDASH_REFRESH_EVERY)")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", cfg.SecureCookies, "mark cookies Secure: set it behind TLS (SQPDASH_SECURE_COOKIES)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", cfg.TrustProxy, "trust X-Forwarded-For/-Proto from a reverse proxy (SQPDASH_TRUST_PROXY)")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "auto (text on a terminal, else JSON), json or text (SQPDASH_LOG_FORMAT)")
	readURLs := fs.String("read-database-url", strings.Join(cfg.ReadDatabaseURLs, ","), "hot standbys for the dashboard's reads, comma- or space-separated URLs (SQPDASH_READ_DATABASE_URL)")
	fs.DurationVar(&cfg.ReadMaxLag, "read-max-lag", cfg.ReadMaxLag, "a standby lagging more than this takes no reads (SQPDASH_READ_MAX_LAG)")
	fs.IntVar(&cfg.ResponseCacheMB, "response-cache-mb", cfg.ResponseCacheMB, "MiB of compressed responses kept per data version; the heap's soft limit grows by as much (SQPDASH_RESPONSE_CACHE_MB)")
	dev := fs.Bool("dev", false, "development: text logs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 || cfg.RefreshEvery < 0 || cfg.ReadMaxLag <= 0 {
		fmt.Fprintln(os.Stderr, "sqpdash serve: takes only flags, --refresh-every must not be negative and --read-max-lag must be positive")
		return exitUsage
	}
	if cfg.ResponseCacheMB < 1 || cfg.ResponseCacheMB > config.MaxResponseCacheMB {
		fmt.Fprintf(os.Stderr, "sqpdash serve: --response-cache-mb must be from 1 to %d\n", config.MaxResponseCacheMB)
		return exitUsage
	}
	cfg.ReadDatabaseURLs = config.SplitURLs(*readURLs)
	if err := checkLogFormat(cfg.LogFormat); err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash serve: %v\n", err)
		return exitUsage
	}
	if *dev {
		cfg.LogFormat = "text"
	}
	log := slog.New(web.WithRequestID(newLogger(cfg).Handler()))
	if !isTerminal(os.Stderr) {
		// A log collector's pipe or a file gets one line per request: they are gathered and written in
		// batches (internal/logbuffer), warnings and errors at once, the rest when serve returns. A
		// person at a terminal sees each line as it comes.
		logOut := logbuffer.New(os.Stderr, 0, 0)
		// Nothing is left to report a failure of stderr to: the lines are lost either way.
		defer func() { _ = logOut.Close() }()
		format := logFormat(cfg.LogFormat, false)
		log = slog.New(web.WithRequestID(logbuffer.Handler(newLoggerTo(logOut, format).Handler(), logOut, slog.LevelWarn)))
	}
	limitMemory(cfg.ResponseCacheMB << 20)
	if err := serve(ctx, cfg, log, os.Stdout, nil); err != nil {
		log.Error("sqpdash serve failed", "err", err)
		return exitFailure
	}
	return exitOK
}

// serveMemoryLimit is the Go heap's soft limit of `sqpdash serve` besides its response cache, unless
// GOMEMLIMIT is set. The rest of the heap is mostly short-lived render buffers: with the default GOGC
// alone, 64 concurrent expansions let the process grow past 200 MB; near this limit the collector runs
// sooner instead. (96 MB in all with the 16 MB cache of before; the cache is long-lived, so it is added.)
// The limit is the process's memory budget besides the password hashes of sign-ins (auth's hash gate
// raises it by each running hash's memory, 64 MiB, and lowers it after). With the collector off until it
// is reached (limitMemory) the heap comes to it under load: RSS is the limit plus about 30 MB (the
// binary's pages, stacks, the runtime's own), so 48 MB plus the default 64 MB cache keep it under the
// 150 MB it is held to (56 MB plus 64 came to 150.5 MB in the benchmark, 64 plus 64 and 80 plus 16 to
// 151 MB).
const serveMemoryLimit = 48 << 20

// serveGCPercent is `sqpdash serve`'s GOGC when GOMEMLIMIT is set and GOGC is not: the limit is then the
// environment's, maybe none, so the collector cannot wait for it. What stays live is small and a cached
// request allocates about 9 KB: at GOGC 100 the collector ran 5 times a second at 64 clients, at 400 every
// 0.3-0.5 s (docs/performance.md).
const serveGCPercent = 400

// limitMemory sets serveMemoryLimit plus the response cache's bound as the soft memory limit, unless
// GOMEMLIMIT is set, and then turns GOGC off unless the environment sets it: the limit alone starts a
// collection. That is the memory budget the heap is allowed anyway, and a small live heap (the caches
// after a data change: a few MB) is no longer collected every few tens of MB (25 MB at GOGC 400 and 5 MB
// live, every 0.3-0.5 s at 64 clients). Each collection takes a core's worth of marking and stops the
// world twice, and the slowest requests of a load wait for it: with the budget, collections came 3.6
// times rarer (docs/performance.md).
func limitMemory(responseCacheBytes int) {
	ownLimit := os.Getenv("GOMEMLIMIT") == ""
	if ownLimit {
		debug.SetMemoryLimit(int64(serveMemoryLimit + responseCacheBytes))
	}
	switch {
	case os.Getenv("GOGC") != "":
	case ownLimit:
		debug.SetGCPercent(-1)
	default:
		debug.SetGCPercent(serveGCPercent)
	}
}

// serve runs the server until ctx ends. Once it listens, it tells out (the terminal, not the log) where to
// sign in; listening, when not nil, is told the bound address (tests listen on port 0).
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer, listening func(addr string)) error {
	// Everything, the refresh included, runs as the least-privilege web role (docs/security.md).
	db, closeDB, err := openWebDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB() // the pool, then the private cluster

	// Reads of pages, partials, exports and the JSON API go to the standbys (docs/replicas.md); with none
	// configured the router reads from the primary. Each server pages are read from (the primary, each
	// standby) is at its own data version: one version cache per server, all fed by the one listener on
	// the primary below (a standby cannot LISTEN).
	var versionCaches []events.Subscriber
	reads, stopReads, err := openReadRouter(ctx, db, cfg, log, func(server *postgres.DB) postgres.VersionSource {
		c := events.NewVersionCache(server)
		versionCaches = append(versionCaches, c)
		return c
	})
	if err != nil {
		return err
	}
	defer stopReads()

	metrics := web.NewMetrics(func() web.PoolStats { return poolStats(db) })
	refresher := refresh.New(db, refresh.Options{Logger: log, Observer: metrics})
	// Neither step is fatal: without the schema the server still starts and /readyz says why.
	if err := refresher.Recover(ctx); err != nil {
		log.Warn("recover orphaned refresh runs", "err", err)
	}
	if run, ok, err := db.LastSuccessfulRefresh(ctx); err == nil && ok {
		metrics.SetLastSuccess(run.End)
	}
	// Every instance ticks; the database hands each interval to the first tick (docs/scaling.md).
	scheduler := refresh.NewScheduler(refresher, db, cfg.RefreshEvery, refresh.ScheduleOptions{Logger: log, Instance: instanceName()})
	// Sessions and the data version are kept in memory while this process hears every change on the
	// primary (LISTEN sqpdash_events): a cached request makes no database round trip, and a revocation
	// or new data on any instance reaches this one within milliseconds (docs/security.md).
	sessionCache := auth.NewSessionCache(0, 0)
	listenCtx, stopListening := context.WithCancel(context.WithoutCancel(ctx))
	listenDone := make(chan struct{})
	go func() {
		defer close(listenDone)
		db.ListenEvents(listenCtx, events.NewHub(log, append([]events.Subscriber{sessionCache}, versionCaches...)...), postgres.ListenOptions{})
	}()
	defer func() { stopListening(); <-listenDone }() // before the pool closes
	// The web role may not write hashes.
	authService, err := auth.NewService(db, auth.Config{KeepHashes: true, Cache: sessionCache})
	if err != nil {
		return err
	}
	// The CSRF key is shared through the database, so that every instance accepts the others' tokens.
	csrfSecret, err := db.ServerSecret(ctx, "csrf")
	if err != nil {
		return err
	}
	// The admin upload runs the same import code as `sqpdash import` (marketplace from the file names).
	uploads, err := importer.NewService(db, log, importer.Options{})
	if err != nil {
		return err
	}

	srv, err := web.New(web.Options{
		Logger:     log,
		Brands:     reads,
		Products:   reads,
		Segments:   reads,
		Queries:    reads,
		BrandTerms: db,
		Ops: web.OpsOptions{
			Ready:     db,
			Metrics:   metrics,
			Status:    db,
			Refresher: refresher,
			Schedule:  scheduler.State,
		},
		Auth:     web.AuthOptions{Service: authService, CSRFSecret: csrfSecret, SecureCookies: cfg.SecureCookies, TrustProxy: cfg.TrustProxy},
		Importer: uploads,
		Versions: reads, // the version is read from the server the page is read from
		Reads:    webReadRouter(reads),

		ResponseCacheBytes: cfg.ResponseCacheMB << 20,
	})
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	tcp, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// Each response leaves in one write instead of two (headers and the body's start, then its rest), so
	// the client is woken once per answer (docs/performance.md).
	ln := replyconn.Listener{Listener: tcp}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "refresh_every", cfg.RefreshEvery.String())
	// The first run's password scrolled away under the log lines by now: say again how to sign in.
	writeReady(out, "http://"+ln.Addr().String(), commandName(), firstAdminPending(ctx, db, log))
	if listening != nil {
		listening(ln.Addr().String())
	}

	schedCtx, stopSchedule := context.WithCancel(context.WithoutCancel(ctx))
	scheduleDone := make(chan struct{})
	go func() {
		defer close(scheduleDone)
		scheduler.Run(schedCtx)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	var failed error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests, cancelling a running refresh")
	case err := <-serveErr:
		failed = fmt.Errorf("serve http: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	stopSchedule()
	if err := httpServer.Shutdown(sctx); err != nil {
		log.Error("shut down http server", "err", err)
	}
	if err := refresher.Shutdown(sctx); err != nil {
		log.Error("stop the running refresh", "err", err)
	}
	<-scheduleDone
	log.Info("stopped")
	return failed
}

// instanceName names this process among the instances serving one database (the schedule's claims, the
// refresh log, the admin page): the host and the process id.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown host"
	}
	return fmt.Sprintf("%s (pid %d)", host, os.Getpid())
}

// poolStats copies the pool statistics into the web package's plain struct.
func poolStats(db *postgres.DB) web.PoolStats {
	s := db.Pool().Stat()
	return web.PoolStats{
		AcquiredConns:        s.AcquiredConns(),
		IdleConns:            s.IdleConns(),
		TotalConns:           s.TotalConns(),
		MaxConns:             s.MaxConns(),
		AcquireCount:         s.AcquireCount(),
		EmptyAcquireCount:    s.EmptyAcquireCount(),
		CanceledAcquireCount: s.CanceledAcquireCount(),
		NewConnsCount:        s.NewConnsCount(),
		AcquireDuration:      s.AcquireDuration(),
	}
}

// firstAdminPending reports whether the account `users ensure-admin` creates exists, is active and has
// never signed in: its one-time password is then the only way in, and the user may have lost it.
func firstAdminPending(ctx context.Context, db *postgres.DB, log *slog.Logger) bool {
	u, err := db.UserByEmail(ctx, firstAdminEmail)
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			log.Warn("look up the first admin account", "err", err)
		}
		return false
	}
	return u.Active && u.LastLoginAt == nil
}

// writeReady tells the person at the terminal where the dashboard is and, while the first admin has
// never signed in, how to get in. It never prints a password: `serve` does not know it (only its hash is
// stored), and the one-time password belongs on the terminal of `users ensure-admin` alone.
func writeReady(out io.Writer, url, command string, adminPending bool) {
	fmt.Fprintf(out, "\nsqpdash is ready: %s\n", url)
	if adminPending {
		fmt.Fprintf(out, "  Sign in as %s with the one-time password 'users ensure-admin' printed above.\n", firstAdminEmail)
		fmt.Fprintf(out, "  Lost it? Set a new one with:  %s users set-password %s\n", command, firstAdminEmail)
	}
	fmt.Fprintln(out, "  Ctrl-C stops the server.")
	fmt.Fprintln(out)
}

// commandName is this program as the user invoked it (bin/sqpdash under make run), so that a command it
// suggests can be typed as shown; "sqpdash" when it was found on PATH.
func commandName() string {
	if len(os.Args) > 0 && strings.ContainsRune(os.Args[0], '/') {
		return os.Args[0]
	}
	return "sqpdash"
}
