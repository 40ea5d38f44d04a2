// Package pgtest gives tests real PostgreSQL databases: one private ephemeral cluster per test package,
// a template database with schema.hcl applied (built once, on first use), and a fresh copy of it per
// test, dropped when the test ends. Copying a template (CREATE DATABASE ... TEMPLATE) takes a few
// milliseconds, so every test can own its database and run in parallel.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.NewDatabase(t) // schema applied, empty tables
//		...
//	}
//
// With SQPDASH_TEST_DATABASE_URL set (a postgres:// URL of a role that may create databases), the tests
// use that server instead of starting a cluster; the PostgreSQL client programs (createdb, dropdb,
// pg_isready) must still be installed.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pglocal"
	"github.com/sqpdash/sqpdash/internal/schema"
)

// DatabaseURLEnv names the environment variable that points the tests at an existing server.
const DatabaseURLEnv = "SQPDASH_TEST_DATABASE_URL"

// tempDirPrefix starts the name of every test cluster's directory; the test process's pid follows, so a
// later run can tell the clusters of killed runs from live ones.
const tempDirPrefix = "sqpdash-pgtest-"

// current is the test package's environment. Go's TestMain leaves no other place to keep it: Main sets
// it before any test runs and clears it after the last.
var current *environment

// environment is one test binary's server and template.
type environment struct {
	cluster  *pglocal.Cluster
	tempDir  string // the private cluster's directory; empty when attached to an existing server
	prefix   string // unique per test binary, so packages sharing an external server do not collide
	repoRoot string

	templateOnce sync.Once
	template     string
	templateErr  error

	// replicated is the primary and standby of NewReplicated; stopAtEnd the clusters tearDown stops
	// before it removes tempDir.
	replicated replicated
	stopAtEnd  []*pglocal.Cluster
}

// Main starts the package's PostgreSQL, runs the tests, stops it and exits with the tests' status.
// Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	env, err := setUp(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	current = env
	code := m.Run()
	current = nil
	if err := env.tearDown(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// NewDatabase returns the URL of a new database with schema.hcl applied (copied from the template) for
// the test's exclusive use; it is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	env := mustEnvironment(t)
	template, err := env.templateDatabase()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return env.newDatabase(t, template)
}

// NewEmptyDatabase returns the URL of a new empty database (no schema) for the test's exclusive use,
// dropped when the test ends: for testing schema apply itself.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	return mustEnvironment(t).newDatabase(t, "")
}

// Cluster returns the package's server, for tests that stop and restart it (Stop, Restart). It is nil
// outside Main. On an attached server (SQPDASH_TEST_DATABASE_URL) DataDir is empty and Stop does
// nothing: such tests should skip.
func Cluster() *pglocal.Cluster {
	if current == nil {
		return nil
	}
	return current.cluster
}

func mustEnvironment(t testing.TB) *environment {
	t.Helper()
	if current == nil {
		t.Fatal("pgtest: no database server: call pgtest.Main(m) from the package's TestMain")
	}
	return current
}

// setUp attaches to SQPDASH_TEST_DATABASE_URL or starts a private ephemeral cluster in a new
// temporary directory.
func setUp(ctx context.Context) (*environment, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	env := &environment{repoRoot: root, prefix: fmt.Sprintf("sqpdash_t%d_%s", os.Getpid(), randomHex(3))}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if url := os.Getenv(DatabaseURLEnv); url != "" {
		env.cluster, err = pglocal.Attach(ctx, url, pglocal.Options{Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("use %s: %w", DatabaseURLEnv, err)
		}
		return env, nil
	}
	removeAbandonedClusters(ctx, logger, os.TempDir())
	env.tempDir, err = os.MkdirTemp("", fmt.Sprintf("%s%d-", tempDirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("create the test cluster's directory: %w", err)
	}
	// MkdirTemp makes it 0700; the server may run as another user (postgres, when tests run as root),
	// who must be able to enter it.
	if err := os.Chmod(env.tempDir, 0o755); err != nil {
		return nil, fmt.Errorf("open up %s: %w", env.tempDir, err)
	}
	env.cluster, err = pglocal.Start(ctx, pglocal.Options{
		DataDir:   filepath.Join(env.tempDir, "pg"),
		Ephemeral: true,
		Logger:    logger,
	})
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(env.tempDir))
	}
	return env, nil
}

// tearDown stops the private cluster and removes its directory, or drops the template from an
// attached server.
func (env *environment) tearDown() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if env.tempDir == "" {
		if env.template != "" {
			return env.cluster.DropDatabase(ctx, env.template)
		}
		return nil
	}
	var err error
	for i := len(env.stopAtEnd) - 1; i >= 0; i-- { // the standby before its primary
		err = errors.Join(err, env.stopAtEnd[i].Stop(ctx))
	}
	err = errors.Join(err, env.cluster.Stop(ctx))
	if removeErr := os.RemoveAll(env.tempDir); err == nil && removeErr != nil {
		err = fmt.Errorf("remove the test cluster's directory: %w", removeErr)
	}
	return err
}

// templateDatabase builds the template on first use: a database with schema.hcl applied through
// atlas.hcl's "test" env, exactly as `sqpdash schema apply` would. A failure is remembered, so a broken
// schema fails every test of the package quickly with the same message.
func (env *environment) templateDatabase() (string, error) {
	env.templateOnce.Do(func() {
		env.template, env.templateErr = env.buildTemplate()
	})
	return env.template, env.templateErr
}

func (env *environment) buildTemplate() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return buildTemplate(ctx, env.cluster, env.prefix+"_template", env.prefix+"_dev", env.repoRoot)
}

// buildTemplate creates database template on cluster and applies schema.hcl to it, planning in dev.
func buildTemplate(ctx context.Context, cluster *pglocal.Cluster, template, dev, repoRoot string) (string, error) {
	if err := cluster.CreateDatabase(ctx, template, ""); err != nil {
		return "", fmt.Errorf("build the template database: %w", err)
	}
	if err := cluster.CreateDatabase(ctx, dev, ""); err != nil {
		return "", fmt.Errorf("build the template database: %w", err)
	}
	defer func() {
		// Only the plan was built there: a leftover (private clusters are removed whole) is harmless.
		_ = cluster.DropDatabase(context.Background(), dev)
	}()
	_, err := schema.Apply(ctx, schema.Options{
		ConfigFile:  filepath.Join(repoRoot, "atlas.hcl"),
		Env:         "test",
		URL:         cluster.URL(template),
		DevURL:      cluster.URL(dev),
		AutoApprove: true,
		Out:         io.Discard,
	})
	if err != nil {
		_ = cluster.DropDatabase(context.Background(), template)
		return "", fmt.Errorf("apply schema.hcl to the template database: %w", err)
	}
	return template, nil
}

// newDatabase creates a database for t (a copy of template, or empty) named after the test, so a
// leftover one is easy to trace, and drops it when the test ends.
func (env *environment) newDatabase(t testing.TB, template string) string {
	t.Helper()
	name := databaseName(env.prefix, t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := env.cluster.CreateDatabase(ctx, name, template); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := env.cluster.DropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return env.cluster.URL(name)
}

// databaseName is prefix_<test name>_<random>, lower case, within PostgreSQL's 63-byte identifier limit.
func databaseName(prefix, testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	suffix := "_" + randomHex(4)
	name := b.String()
	if room := 63 - len(prefix) - 1 - len(suffix); len(name) > room {
		name = name[:max(0, room)]
	}
	return prefix + "_" + name + suffix
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// repoRoot walks up from the working directory (a test runs in its package's directory) to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find the repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}
