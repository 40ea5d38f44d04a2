package main

import (
	"context"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

func TestRunRefresh(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL) // demo data, already refreshed once
	cfg := config.Default()
	cfg.DatabaseURL = dbURL
	cfg.LogFormat = "json"

	steps := []struct {
		name       string
		args       []string
		code       int
		wantStatus refreshlog.Status // of the newest log row afterwards; "" when nothing is logged
	}{
		{"without changes the refresh is skipped", nil, exitOK, refreshlog.StatusSkipped},
		{"--force refreshes anyway", []string{"--force", "--requested-by", "ops"}, exitOK, refreshlog.StatusSuccess},
		{"an unknown flag is bad usage and runs nothing", []string{"--nope"}, exitUsage, ""},
		{"a stray argument is bad usage and runs nothing", []string{"now"}, exitUsage, ""},
	}
	db := openServeTestDB(t, dbURL)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := refreshRuns(t, db)
			if code := runRefresh(ctx, cfg, st.args); code != st.code {
				t.Fatalf("runRefresh(%q) = %d, want %d", st.args, code, st.code)
			}
			runs, total, err := db.RefreshHistory(ctx, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.wantStatus == "" {
				if total != before {
					t.Fatalf("%d log rows, want still %d", total, before)
				}
				return
			}
			if total != before+1 || runs[0].Status != st.wantStatus || runs[0].Trigger != "cli" {
				t.Fatalf("newest run %+v of %d, want one more (%d) with status %s by the cli", runs[0], total, before+1, st.wantStatus)
			}
		})
	}

	t.Run("while another refresh holds the lock it exits 1 and logs nothing", func(t *testing.T) {
		release := holdBaseTableLock(t, dbURL)
		defer release()
		r := refresh.New(db, refresh.Options{})
		if err := r.Start(ctx, refreshlog.Request{Trigger: refreshlog.TriggerManual, RequestedBy: "alice", Force: true}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the running row", func() bool {
			_, ok, err := db.RunningRefresh(ctx)
			return err == nil && ok
		})
		before := refreshRuns(t, db)
		if code := runRefresh(ctx, cfg, []string{"--force"}); code != exitFailure {
			t.Fatalf("runRefresh while busy = %d, want %d", code, exitFailure)
		}
		if after := refreshRuns(t, db); after != before {
			t.Fatalf("log grew from %d to %d rows", before, after)
		}
		release()
		if err := r.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
