package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/pglocal"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// localDatabase is the name of the application database inside the private cluster.
const localDatabase = "sqpdash"

// openDatabaseURL returns the owner connection URL: DATABASE_URL when set, otherwise the private cluster,
// started (or reused) under cfg.DataDir. stop stops the cluster if this process started it.
func openDatabaseURL(ctx context.Context, cfg config.Config, log *slog.Logger) (url string, stop func(), err error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, func() {}, nil
	}
	dir, err := clusterDir(cfg, log)
	if err != nil {
		return "", nil, err
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
	if _, err := cluster.EnsureDatabase(ctx, localDatabase); err != nil {
		stop()
		return "", nil, fmt.Errorf("create database %s: %w", localDatabase, err)
	}
	return cluster.URL(localDatabase), stop, nil
}

// clusterDir is where the private cluster lives: cfg.ClusterDir(), unless the data directory is the default
// one and, run as root, the server's user cannot reach it (a checkout under /root or in a mktemp directory);
// then a directory under /var/tmp named after the checkout, so that `make run` works from anywhere.
func clusterDir(cfg config.Config, log *slog.Logger) (string, error) {
	dir, err := filepath.Abs(cfg.ClusterDir())
	if err != nil {
		return "", fmt.Errorf("resolve data dir %s: %w", cfg.ClusterDir(), err)
	}
	if cfg.DataDir != config.Default().DataDir {
		return dir, nil
	}
	if err := pglocal.CheckReachable(dir, ""); err == nil {
		return dir, nil
	}
	sum := sha256.Sum256([]byte(dir))
	alt := filepath.Join("/var/tmp", "sqpdash-"+hex.EncodeToString(sum[:6]), "pg")
	log.Info("the PostgreSQL user cannot reach the default data directory; using another one (set SQPDASH_DATA_DIR to choose)",
		"wanted", dir, "using", alt)
	return alt, nil
}

// openWebDatabaseURL returns the least-privilege connection URL of the web server (role
// postgres.WebRole; see docs/security.md): SQPDASH_WEB_DATABASE_URL when set; on the private cluster the
// owner URL with the user swapped, after giving the role LOGIN (the schema must be applied); with only
// DATABASE_URL set, that URL, with a warning that the web server then runs with the owner's rights.
func openWebDatabaseURL(ctx context.Context, cfg config.Config, log *slog.Logger) (url string, stop func(), err error) {
	if cfg.WebDatabaseURL != "" {
		return cfg.WebDatabaseURL, func() {}, nil
	}
	ownerURL, stop, err := openDatabaseURL(ctx, cfg, log)
	if err != nil {
		return "", nil, err
	}
	if cfg.DatabaseURL != "" {
		log.Warn("SQPDASH_WEB_DATABASE_URL is not set: the web server connects as the schema owner; give it the role " + postgres.WebRole + " (docs/security.md)")
		return ownerURL, stop, nil
	}
	owner, err := postgres.Open(ctx, ownerURL)
	if err != nil {
		stop()
		return "", nil, err
	}
	defer owner.Close()
	if err := owner.EnableLogin(ctx, postgres.WebRole); err != nil {
		stop()
		return "", nil, fmt.Errorf("prepare the web role (run sqpdash schema apply first): %w", err)
	}
	webURL, err := postgres.URLAsRole(ownerURL, postgres.WebRole)
	if err != nil {
		stop()
		return "", nil, err
	}
	return webURL, stop, nil
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
