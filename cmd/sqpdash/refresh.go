package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// runRefresh refreshes brand_product_segments once, through the same Refresher as the admin button and
// the schedule: skipped when nothing changed unless --force, "already running" when another process holds
// the lock (exit 1), cancelled and logged as such on Ctrl-C.
func runRefresh(ctx context.Context, cfg config.Config, args []string) int {
	fs := flag.NewFlagSet("sqpdash refresh", flag.ContinueOnError)
	force := fs.Bool("force", false, "refresh even when the base data did not change since the last refresh")
	by := fs.String("requested-by", defaultRequester(), "who asks, for the refresh log")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sqpdash refresh: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	log := newLogger(cfg)
	db, closeDB, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash refresh: %v\n", err)
		return exitFailure
	}
	defer closeDB()

	r := refresh.New(db, refresh.Options{Logger: log})
	if err := r.Recover(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash refresh: %v\n", err)
		return exitFailure
	}
	out, err := r.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: *by, Force: *force})
	if e, ok := apperr.As(err); ok {
		fmt.Fprintf(os.Stderr, "sqpdash refresh: %s\n", e.Message)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash refresh: %v\n", err)
		return exitFailure
	}
	if out.Status == refreshlog.StatusSkipped {
		fmt.Printf("refresh skipped: nothing changed since the last refresh (--force refreshes anyway; log id %d)\n", out.LogID)
		return exitOK
	}
	fmt.Printf("refresh %s: %d segment rows in %s (log id %d)\n", out.Status, out.RowCount, out.Duration().Round(time.Millisecond), out.LogID)
	return exitOK
}

// defaultRequester names the OS user for the log, as "cli:<user>".
func defaultRequester() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}
