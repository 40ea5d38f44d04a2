package pgtest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pglocal"
)

// Replicated is a PostgreSQL primary with a streaming hot standby made from it by pg_basebackup -R, both
// from the same binaries as the package's cluster: for tests of read replicas. One pair serves the whole
// test binary (NewReplicated starts it on first use, Main stops it); databases made by NewDatabase reach
// the standby by physical replication like everything else.
type Replicated struct {
	Primary, Standby *pglocal.Cluster
	template         string
}

// replicated is the test binary's pair, started on first use.
type replicated struct {
	once sync.Once
	pair *Replicated
	err  error
}

// replicationWait bounds every wait on the standby (start, streaming, replay).
const replicationWait = 2 * time.Minute

// NewReplicated returns the test binary's primary and streaming standby, starting them on first use
// (about as long as the package's own cluster and template take). It returns once the standby streams
// from the primary, as pg_stat_replication on the primary says. Tests that stop the standby must bring
// it back (Standby.Restart) before they end. It skips the test on an attached server
// (SQPDASH_TEST_DATABASE_URL), where there is no cluster of ours to replicate.
func NewReplicated(t testing.TB) *Replicated {
	t.Helper()
	env := mustEnvironment(t)
	if env.tempDir == "" {
		t.Skip("pgtest: read replica tests need a private cluster, not " + DatabaseURLEnv)
	}
	env.replicated.once.Do(func() {
		env.replicated.pair, env.replicated.err = env.startReplicated()
	})
	if env.replicated.err != nil {
		t.Fatalf("pgtest: %v", env.replicated.err)
	}
	return env.replicated.pair
}

// startReplicated starts the primary, applies the schema to a template there, and makes the standby.
func (env *environment) startReplicated() (*Replicated, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	primary, err := pglocal.Start(ctx, pglocal.Options{
		DataDir:     filepath.Join(env.tempDir, "primary"),
		BinDir:      env.cluster.BinDir(),
		Ephemeral:   true,
		Replication: true,
		Logger:      logger,
	})
	if err != nil {
		return nil, fmt.Errorf("start the replication primary: %w", err)
	}
	env.stopAtEnd = append(env.stopAtEnd, primary)
	template, err := buildTemplate(ctx, primary, env.prefix+"_rtemplate", env.prefix+"_rdev", env.repoRoot)
	if err != nil {
		return nil, err
	}
	standby, err := pglocal.StartStandby(ctx, primary, pglocal.Options{
		DataDir:   filepath.Join(env.tempDir, "standby"),
		Ephemeral: true,
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("start the standby: %w", err)
	}
	env.stopAtEnd = append(env.stopAtEnd, standby)
	r := &Replicated{Primary: primary, Standby: standby, template: template}
	if err := r.WaitStreaming(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// NewDatabase returns the URLs of a new database with schema.hcl applied on the primary and the same
// database on the standby, for the test's exclusive use, once the standby has replayed its creation;
// it is dropped when the test ends.
func (r *Replicated) NewDatabase(t testing.TB) (primaryURL, standbyURL string) {
	t.Helper()
	name := databaseName(mustEnvironment(t).prefix, t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), replicationWait)
	defer cancel()
	if err := r.Primary.CreateDatabase(ctx, name, r.template); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.Primary.DropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	if err := r.WaitReplayed(ctx); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return r.Primary.URL(name), r.Standby.URL(name)
}

// WaitStreaming returns once the primary has a standby streaming from it and the standby is in
// recovery: the servers' own word, polled, never a guess of how long it takes.
func (r *Replicated) WaitStreaming(ctx context.Context) error {
	return poll(ctx, "the standby to stream from the primary", func() (bool, error) {
		out, err := r.Primary.Query(ctx, "postgres", `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'`)
		if err != nil || out == "0" {
			return false, err
		}
		out, err = r.Standby.Query(ctx, "postgres", `SELECT pg_is_in_recovery()`)
		return out == "t", err
	})
}

// WaitReplayed returns once the standby has replayed everything the primary had written when it was
// called (its WAL insert position).
func (r *Replicated) WaitReplayed(ctx context.Context) error {
	lsn, err := r.Primary.Query(ctx, "postgres", `SELECT pg_current_wal_insert_lsn()`)
	if err != nil {
		return fmt.Errorf("read the primary's WAL position: %w", err)
	}
	return poll(ctx, "the standby to replay "+lsn, func() (bool, error) {
		out, err := r.Standby.Query(ctx, "postgres", fmt.Sprintf(`SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn`, lsn))
		return out == "t", err
	})
}

// poll asks done until it says yes, fails, or replicationWait passes; a server that is still starting
// may refuse a query, so errors are kept for the timeout's message, not returned at once.
func poll(ctx context.Context, what string, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, replicationWait)
	defer cancel()
	var last error
	for {
		ok, err := done()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			msg := fmt.Sprintf("timed out waiting for %s", what)
			if last != nil {
				msg += ": " + strings.TrimSpace(last.Error())
			}
			return fmt.Errorf("pgtest: %s", msg)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
