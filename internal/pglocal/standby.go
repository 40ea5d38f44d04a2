package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// StartStandby makes a streaming hot standby of primary in opts.DataDir (which must not hold a cluster
// yet) with pg_basebackup -R, the same binaries and OS user as the primary, and starts it. primary must
// run with Options.Replication; the standby gets Replication too (hot_standby). It returns once the
// standby accepts connections, which it does only after reaching a consistent state; it may still be
// connecting to the primary then (pg_stat_replication on the primary tells when it streams).
func StartStandby(ctx context.Context, primary *Cluster, opts Options) (*Cluster, error) {
	if primary.dataDir == "" || !primary.replication {
		return nil, errors.New("start standby: the primary must be a private cluster started with Replication")
	}
	if opts.BinDir == "" {
		opts.BinDir = primary.bin.dir
	}
	opts.Replication = true
	c, err := open(opts)
	if err != nil {
		return nil, err
	}
	if major, err := readPGVersion(c.dataDir); err != nil || major != "" {
		return nil, errors.Join(err, fmt.Errorf("start standby: %s already holds a cluster", c.dataDir))
	}
	if err := c.id.own(c.dataDir); err != nil {
		return nil, err
	}
	// -R writes standby.signal and primary_conninfo (the primary's socket); -X stream copies the WAL the
	// backup needs over a second connection; -c fast does not wait for a scheduled checkpoint.
	args := []string{"-D", c.dataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync", "-d", primary.URL("postgres")}
	if _, err := command(ctx, c.id.credential, primary.bin.path("pg_basebackup"), args...); err != nil {
		return nil, errors.Join(fmt.Errorf("copy the primary into %s: %w", c.dataDir, err), os.RemoveAll(c.dataDir))
	}
	if err := c.Restart(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Query runs one SQL statement on database as the superuser with psql and returns its output (rows one
// a line, columns separated by |): for tests and tools that wait on the server's state.
func (c *Cluster) Query(ctx context.Context, database, sql string) (string, error) {
	return command(ctx, nil, c.bin.path("psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.URL(database), "-c", sql)
}
