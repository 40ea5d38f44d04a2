package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/config"
)

// The first log line of a subcommand on the private cluster says where the data lives, and a data
// directory whose parent does not exist yet (a fresh checkout) is used as asked, not replaced.
func TestOpenDatabaseLogsDataDirFirst(t *testing.T) {
	t.Parallel()
	base, err := os.MkdirTemp("", "sqpdash-datadir-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(base); err != nil {
			t.Errorf("remove the test's data directory: %v", err)
		}
	})
	// Enterable, like a checkout in a home directory others may traverse: the postgres user must reach it.
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = filepath.Join(base, "fresh", ".sqpdash")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	db, closeDB, err := openDatabase(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Pool().Ping(context.Background()); err != nil {
		t.Error(err)
	}
	closeDB()

	want := filepath.Join(base, "fresh", ".sqpdash", "pg")
	first, _, _ := strings.Cut(logs.String(), "\n")
	if !strings.Contains(first, "data_dir="+want) || !strings.Contains(first, "data in "+want) {
		t.Errorf("first log line = %q, want it to name the data directory %s", first, want)
	}
	if _, err := os.Stat(filepath.Join(want, "PG_VERSION")); err != nil {
		t.Errorf("no cluster in %s: %v", want, err)
	}
	if !strings.Contains(logs.String(), "postgresql stopped") {
		t.Errorf("closing did not stop the cluster this process started; logs:\n%s", logs.String())
	}
}
