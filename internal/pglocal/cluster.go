// Package pglocal runs a private PostgreSQL cluster from the system's PostgreSQL programs, so sqpdash
// works without anyone setting up a database server: the cluster lives in one directory, listens only on
// a unix socket inside it, is reused by the next run and survives the process that started it until
// Stop. Tests use the same package with Ephemeral clusters in temporary directories.
//
// It deliberately drives the server's own programs (initdb, pg_ctl, pg_isready, createdb, dropdb)
// instead of speaking the protocol, so it needs nothing but the standard library.
package pglocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Superuser is the role initdb creates; sqpdash connects as it to the private cluster.
const Superuser = "postgres"

// defaultRunAs is the unprivileged OS user that runs the server when we are root.
const defaultRunAs = "postgres"

// Options configures Start. Only DataDir is required.
type Options struct {
	// DataDir is the cluster's data directory (PGDATA); created if missing. The caller picks the default
	// (sqpdash uses ./.sqpdash/pg).
	DataDir string
	// BinDir holds the PostgreSQL programs. Empty: the directory of pg_ctl on PATH, else the newest
	// /usr/lib/postgresql/*/bin (for an existing cluster, the first one of its major version).
	BinDir string
	// RunAs is the OS user that runs the server when we are root (PostgreSQL refuses to run as root).
	// Default "postgres". Ignored when we are not root: the server then runs as ourselves.
	RunAs string
	// Port names the socket file (.s.PGSQL.<port>). Default 5432: the socket lives in a directory
	// private to the cluster, so it never clashes with another server.
	Port int
	// Ephemeral trades durability for speed (fsync, synchronous_commit and full_page_writes off, minimal
	// WAL): for test clusters that are thrown away. A crash may corrupt such a cluster.
	Ephemeral bool
	// Replication makes the server a streaming replication primary or standby: WAL for a standby
	// (wal_level replica, WAL senders, full-page writes even when Ephemeral) and hot_standby, so a
	// standby made by StartStandby answers reads.
	Replication bool
	// StartTimeout bounds how long Start waits for the server to accept connections. Default 60s.
	StartTimeout time.Duration
	// Logger receives what the cluster does (initialized, started, reused, stopped). Nil: discarded.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.RunAs == "" {
		o.RunAs = defaultRunAs
	}
	if o.Port == 0 {
		o.Port = 5432
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Cluster is a running PostgreSQL server: the private cluster Start manages, or a server Attach found.
type Cluster struct {
	dataDir     string // empty for an attached server
	socketDir   string
	port        int
	serverURL   url.URL // connects to the maintenance database; URL swaps the database
	bin         binaries
	id          identity
	ephemeral   bool
	replication bool
	timeout     time.Duration
	logger      *slog.Logger
	startedByUs bool
}

// Start returns the running private cluster of opts.DataDir: it runs initdb when the directory holds no
// cluster yet, starts the server unless one is already running there (then it is reused and
// StartedByUs is false), and clears what a crashed server left behind (a stale postmaster.pid, orphaned
// server processes). It returns once the server accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := open(opts)
	if err != nil {
		return nil, err
	}
	if err := c.Restart(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// StopDir stops the server running in opts.DataDir, if any, without starting one: for a command that
// only stops the cluster, and for cleaning up after a test run that was killed.
func StopDir(ctx context.Context, opts Options) error {
	if _, err := os.Stat(filepath.Join(opts.DataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	c, err := open(opts)
	if err != nil {
		return err
	}
	return c.Stop(ctx)
}

// open resolves everything a cluster needs (binaries, the server's user, the data directory) without
// starting anything.
func open(opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	if opts.DataDir == "" {
		return nil, errors.New("start postgresql: no data directory given")
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("start postgresql in %s: %w", opts.DataDir, err)
	}
	major, err := readPGVersion(dataDir)
	if err != nil {
		return nil, err
	}
	bin, err := findBinaries(opts.BinDir, slices.Concat(serverPrograms, clientPrograms), major)
	if err != nil {
		return nil, err
	}
	id, err := resolveIdentity(opts.RunAs)
	if err != nil {
		return nil, err
	}
	// The existing parents are checked first, so that nothing is created where the server cannot go;
	// missing parents are then created enterable (0755) for the server's user; the data directory itself
	// is private.
	if err := id.checkReachable(dataDir); err != nil {
		return nil, err
	}
	if err := mkdirEnterable(filepath.Dir(dataDir)); err != nil {
		return nil, fmt.Errorf("create the parent of the data directory: %w", err)
	}
	if err := os.Mkdir(dataDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// /proc/<pid>/cwd of the server shows the resolved path, which is how a running server is recognized.
	if dataDir, err = filepath.EvalSymlinks(dataDir); err != nil {
		return nil, fmt.Errorf("resolve data directory: %w", err)
	}
	return &Cluster{
		dataDir:     dataDir,
		port:        opts.Port,
		bin:         bin,
		id:          id,
		ephemeral:   opts.Ephemeral,
		replication: opts.Replication,
		timeout:     opts.StartTimeout,
		logger:      opts.Logger.With("data_dir", dataDir),
	}, nil
}

// Restart brings the private cluster's server back after Stop (or a crash) with the same data
// directory, socket and settings; a running server is reused. Tests use it to take the database away
// and give it back.
func (c *Cluster) Restart(ctx context.Context) error {
	if c.dataDir == "" {
		return errors.New("start postgresql: an attached server is not ours to start")
	}
	unlock, err := lockDir(ctx, c.dataDir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := c.id.own(c.dataDir); err != nil {
		return err
	}
	major, err := readPGVersion(c.dataDir)
	if err != nil {
		return err
	}
	if major == "" {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	c.startedByUs = false
	reused, err := c.reuseRunning(ctx)
	if err != nil || reused {
		return err
	}
	return c.start(ctx)
}

// Attach manages databases on a PostgreSQL server someone else runs (a CI service, a developer's own
// server), given a postgres:// URL of a role allowed to create databases; only BinDir, StartTimeout and
// Logger of opts apply. Stop leaves such a server alone.
func Attach(ctx context.Context, serverURL string, opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("attach to postgresql: want a postgres:// URL, got %q", redact(serverURL))
	}
	bin, err := findBinaries(opts.BinDir, clientPrograms, "")
	if err != nil {
		return nil, err
	}
	c := &Cluster{serverURL: *u, bin: bin, timeout: opts.StartTimeout, logger: opts.Logger}
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// URL returns a URL that connects to database as the superuser; pgx and libpq both accept it.
func (c *Cluster) URL(database string) string {
	u := c.serverURL
	u.Path = "/" + database
	u.RawPath = ""
	return u.String()
}

// StartedByUs is false when Start found the server already running and reused it: a caller that only
// borrowed a server (another sqpdash process started it) may prefer to leave it running.
func (c *Cluster) StartedByUs() bool { return c.startedByUs }

// DataDir is the cluster's data directory; empty for an attached server.
func (c *Cluster) DataDir() string { return c.dataDir }

// SocketDir is the directory of the server's unix socket (psql -h <SocketDir> -p <Port>).
func (c *Cluster) SocketDir() string { return c.socketDir }

// Port is the port number in the socket's name.
func (c *Cluster) Port() int { return c.port }

// BinDir is the directory of the PostgreSQL programs in use (psql is there too).
func (c *Cluster) BinDir() string { return c.bin.dir }

// LogFile is where the server writes its log.
func (c *Cluster) LogFile() string { return filepath.Join(c.dataDir, logFileName) }

// Stop shuts the private cluster down cleanly and quickly (pg_ctl stop -m fast: open transactions are
// rolled back, connections closed, a checkpoint written). It does nothing when the server is not
// running or was attached.
func (c *Cluster) Stop(ctx context.Context) error {
	if c.dataDir == "" {
		return nil
	}
	unlock, err := lockDir(ctx, c.dataDir)
	if err != nil {
		return err
	}
	defer unlock()
	info, ok, err := readPidFile(c.dataDir)
	if err != nil {
		return fmt.Errorf("stop postgresql in %s: %w", c.dataDir, err)
	}
	if !ok || !isPostmasterOf(info.pid, c.dataDir) {
		return nil
	}
	_, err = command(ctx, c.id.credential, c.bin.path("pg_ctl"), "stop", "-D", c.dataDir,
		"-m", "fast", "-w", "-t", seconds(c.timeout), "-s")
	if err == nil {
		err = waitExit(ctx, info.pid, c.timeout)
	}
	if err != nil {
		return fmt.Errorf("stop postgresql in %s: %w", c.dataDir, err)
	}
	if info.socketDir != "" && !strings.HasPrefix(info.socketDir, c.dataDir+string(filepath.Separator)) {
		// The short fallback directory under /tmp; empty now, and recreated by the next start.
		_ = os.Remove(info.socketDir)
	}
	c.logger.Info("postgresql stopped")
	return nil
}

// readPGVersion returns the major version of the cluster in dataDir, "" when there is none yet.
func readPGVersion(dataDir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read PG_VERSION of %s: %w", dataDir, err)
	}
	return strings.TrimSpace(string(data)), nil
}

func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))
}

// redact hides the password of a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
