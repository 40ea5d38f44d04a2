package pgtest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReplicatedStandbyFollowsThePrimary: a table and row written on the primary appear on the standby
// once WaitReplayed returns, the standby refuses writes, and it streams again after a restart.
func TestReplicatedStandbyFollowsThePrimary(t *testing.T) {
	r := NewReplicated(t)
	primaryURL, standbyURL := r.NewDatabase(t)
	if host(t, standbyURL) != r.Standby.SocketDir() || host(t, primaryURL) != r.Primary.SocketDir() || dbName(t, primaryURL) != dbName(t, standbyURL) {
		t.Fatalf("standby URL %s should name the standby's socket %s", standbyURL, r.Standby.SocketDir())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := dbName(t, primaryURL)
	if _, err := r.Primary.Query(ctx, db, `CREATE TABLE t (v int); INSERT INTO t VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitReplayed(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Standby.Query(ctx, db, `SELECT v FROM t`); err != nil || got != "42" {
		t.Fatalf("standby reads %q, %v; want 42", got, err)
	}
	if _, err := r.Standby.Query(ctx, db, `INSERT INTO t VALUES (1)`); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write on the standby: %v; want a read-only transaction error", err)
	}
	if err := r.Standby.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Primary.Query(ctx, db, `INSERT INTO t VALUES (43)`); err != nil {
		t.Fatal(err)
	}
	if err := r.Standby.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitStreaming(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitReplayed(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := r.Standby.Query(ctx, db, `SELECT sum(v) FROM t`); err != nil || got != "85" {
		t.Fatalf("standby after restart reads %q, %v; want 85", got, err)
	}
}

// dbName is the database of a pgtest URL.
func dbName(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// host is the socket directory of a pgtest URL.
func host(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("host")
}
