package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/pglocal"
)

// localDatabase is the name of the application database inside the private cluster.
const localDatabase = "sqpdash"

// openDatabaseURL returns the owner connection URL: DATABASE_URL when set, otherwise the private cluster,
// started (or reused) under cfg.DataDir. stop stops the cluster if this process started it.
func openDatabaseURL(ctx context.Context, cfg config.Config, log *slog.Logger) (url string, stop func(), err error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, func() {}, nil
	}
	dir, err := filepath.Abs(cfg.ClusterDir())
	if err != nil {
		return "", nil, fmt.Errorf("resolve data dir %s: %w", cfg.ClusterDir(), err)
	}
	cluster, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, Logger: log})
	if err != nil {
		return "", nil, fmt.Errorf("start private PostgreSQL in %s: %w", dir, err)
	}
	stop = func() {
		if !cluster.StartedByUs() {
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(sctx); err != nil {
			log.Error("stop private PostgreSQL", "err", err)
		}
	}
	if err := cluster.CreateDatabase(ctx, localDatabase, ""); err != nil {
		stop()
		return "", nil, fmt.Errorf("create database %s: %w", localDatabase, err)
	}
	return cluster.URL(localDatabase), stop, nil
}

// newLogger returns the process logger: JSON unless stderr is a terminal (or as cfg.LogFormat says).
func newLogger(cfg config.Config) *slog.Logger {
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}
