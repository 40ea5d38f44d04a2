package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
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

// openDatabase opens the owner's connection pool (see openDatabaseURL). close closes the pool, then stops
// the private cluster if this process started it: every subcommand that works on the database as its
// owner opens it this way.
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (db *postgres.DB, close func(), err error) {
	url, stop, err := openDatabaseURL(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return openPool(ctx, url, stop)
}

// openWebDatabase is openDatabase for the web server's least-privilege role (see openWebDatabaseURL).
func openWebDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (db *postgres.DB, close func(), err error) {
	url, stop, err := openWebDatabaseURL(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return openPool(ctx, url, stop)
}

// openPool opens a pool on url; stop (the cluster's) runs after the pool is closed, or at once on failure.
func openPool(ctx context.Context, url string, stop func()) (*postgres.DB, func(), error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		stop()
	}, nil
}

// openDatabaseURL returns the owner connection URL: DATABASE_URL when set, otherwise the private cluster,
// started (or reused) under cfg.DataDir. stop stops the cluster if this process started it. On the private
// cluster its first log line says where the data lives, before anything else is logged.
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

// clusterDir is where the private cluster lives, and logs it: cfg.ClusterDir(), unless the data directory
// is the default one and, run as root, the server's user cannot reach it (a checkout under /root or in a
// mktemp directory); then a directory under /var/tmp named after the checkout, so that `make run` works
// from anywhere.
func clusterDir(cfg config.Config, log *slog.Logger) (string, error) {
	dir, err := filepath.Abs(cfg.ClusterDir())
	if err != nil {
		return "", fmt.Errorf("resolve data dir %s: %w", cfg.ClusterDir(), err)
	}
	if cfg.DataDir != config.Default().DataDir {
		log.Info("private PostgreSQL: data in "+dir, "data_dir", dir)
		return dir, nil
	}
	unreachable := pglocal.CheckReachable(dir, "")
	if unreachable == nil {
		log.Info("private PostgreSQL: data in "+dir, "data_dir", dir)
		return dir, nil
	}
	sum := sha256.Sum256([]byte(dir))
	alt := filepath.Join("/var/tmp", "sqpdash-"+hex.EncodeToString(sum[:6]), "pg")
	log.Warn("private PostgreSQL: data in "+alt+": the PostgreSQL user cannot reach "+dir+" (set SQPDASH_DATA_DIR to choose)",
		"data_dir", alt, "wanted", dir, "reason", unreachable.Error())
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

// newLogger returns the process logger on stderr, in the format logFormat picks.
func newLogger(cfg config.Config) *slog.Logger {
	return newLoggerTo(os.Stderr, logFormat(cfg.LogFormat, isTerminal(os.Stderr)))
}

// logFormat resolves the configured format: "auto" is text for a person at a terminal and JSON for
// everything else (a pipe, a file, a log collector); "json" and "text" are taken as asked.
func logFormat(configured string, terminal bool) string {
	if configured == "auto" || configured == "" {
		if terminal {
			return "text"
		}
		return "json"
	}
	return configured
}

// newLoggerTo returns a logger writing format ("json" or "text") to w. The text form is slog's, with the
// time of day only, which is what a person watching a terminal needs.
func newLoggerTo(w io.Writer, format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 && a.Value.Kind() == slog.KindTime {
					return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05.000"))
				}
				return a
			},
		}))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}
