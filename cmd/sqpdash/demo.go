package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/demo"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// demoFlags are the settings of `sqpdash demo`.
type demoFlags struct {
	opts    demo.Options
	replace bool
	ifEmpty bool
}

// runDemo loads the deterministic demo dataset with COPY in one transaction, then refreshes
// brand_product_segments through the same Refresher as every other refresh.
func runDemo(ctx context.Context, cfg config.Config, args []string) int {
	f, code, ok := parseDemoFlags(args, os.Stderr)
	if !ok {
		return code
	}
	log := newLogger(cfg)
	db, closeDB, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash demo: %v\n", err)
		return exitFailure
	}
	defer closeDB()

	if f.ifEmpty {
		has, err := db.HasData(ctx)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sqpdash demo: %v\n", err)
			return exitFailure
		}
		if has {
			fmt.Println("demo: the database already has data; nothing loaded")
			return exitOK
		}
	}
	if err := loadDemo(ctx, db, f, refresh.New(db, refresh.Options{Logger: log}), os.Stdout, os.Stderr); err != nil {
		if e, ok := apperr.As(err); ok {
			fmt.Fprintf(os.Stderr, "sqpdash demo: %s\n", e.Message)
		} else {
			fmt.Fprintf(os.Stderr, "sqpdash demo: %v\n", err)
		}
		return exitFailure
	}
	return exitOK
}

// parseDemoFlags parses args; ok is false when the command must end with code (help or bad usage).
func parseDemoFlags(args []string, stderr io.Writer) (f demoFlags, code int, ok bool) {
	fs := flag.NewFlagSet("sqpdash demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sqpdash demo [--scale N] [--seed S] [--reference YYYY-MM-DD] [--replace | --if-empty]")
		fmt.Fprintln(stderr, "\nLoads a deterministic synthetic dataset (brands, products, 52 weekly SQP reports) and refreshes\nbrand_product_segments. Scale 1 is about 204,000 query rows, scale 10 about 2 million.\n\nflags:")
		fs.PrintDefaults()
	}
	fs.Float64Var(&f.opts.Scale, "scale", 1, "dataset size: 1 = about 204,000 search query rows")
	fs.Uint64Var(&f.opts.Seed, "seed", 1, "pseudo-random seed: the same seed and date give the same data")
	ref := fs.String("reference", "", "the data ends with the last full week before this date (default today)")
	fs.BoolVar(&f.replace, "replace", false, "delete existing brands, mappings and reports first (in the same transaction)")
	fs.BoolVar(&f.ifEmpty, "if-empty", false, "load only when the database has no data, else do nothing (for make run)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, exitOK, false
		}
		return f, exitUsage, false
	}
	bad := func(format string, a ...any) (demoFlags, int, bool) {
		fmt.Fprintf(stderr, "sqpdash demo: "+format+"\n", a...)
		return f, exitUsage, false
	}
	if fs.NArg() > 0 {
		return bad("unexpected arguments %q", fs.Args())
	}
	if !(f.opts.Scale > 0) || f.opts.Scale > demo.MaxScale {
		return bad("--scale %v: want a number above 0 and at most %d", f.opts.Scale, demo.MaxScale)
	}
	if f.replace && f.ifEmpty {
		return bad("--replace and --if-empty contradict each other")
	}
	f.opts.Reference = time.Now()
	if *ref != "" {
		t, err := time.Parse(time.DateOnly, *ref)
		if err != nil {
			return bad("--reference %q: want a date such as 2026-03-18", *ref)
		}
		f.opts.Reference = t
	}
	return f, exitOK, true
}

// loadDemo generates, loads and refreshes, reporting progress on stderr when it is a terminal and a
// summary on stdout.
func loadDemo(ctx context.Context, db *postgres.DB, f demoFlags, r *refresh.Refresher, stdout, stderr io.Writer) error {
	began := time.Now()
	ds, err := demo.New(f.opts)
	if err != nil {
		return err
	}
	c := ds.Counts()
	progress := newDemoProgress(stderr, int64(c.QueryRows))
	loaded, err := db.LoadDemo(ctx, demoData(ds), postgres.DemoLoadOptions{Replace: f.replace, Progress: progress.report})
	progress.done()
	if err != nil {
		return err
	}
	loadTime := time.Since(began)
	progress.say("refreshing brand_product_segments ...")
	out, err := r.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "demo", Force: true})
	if err != nil {
		return fmt.Errorf("refresh after loading demo data: %w", err)
	}
	weeks := ds.Weeks()
	fmt.Fprintf(stdout, "demo data loaded: %d brands (1 inactive), %d ASINs, %d weeks (%s to %s), %d weekly reports, %d SQP rows\n",
		loaded.Brands, loaded.Mappings, len(weeks), weeks[0].Format(time.DateOnly),
		weeks[len(weeks)-1].AddDate(0, 0, 6).Format(time.DateOnly), loaded.ASINWeeks, loaded.QueryRows)
	fmt.Fprintf(stdout, "took %.1f s: load %.1f s, refresh %s %.1f s (%d segment rows)\n",
		time.Since(began).Seconds(), loadTime.Seconds(), out.Status, out.Duration().Seconds(), out.RowCount)
	return nil
}

// demoData adapts a generated dataset to what storage loads.
func demoData(ds *demo.Dataset) postgres.DemoData {
	var brands []postgres.DemoBrand
	for _, b := range ds.Brands() {
		brands = append(brands, postgres.DemoBrand{Name: b.Name, DisplayName: b.DisplayName, Active: b.Active})
	}
	return postgres.DemoData{Brands: brands, Mappings: ds.Mappings(), ASINWeeks: ds.ASINWeeks(), Reports: ds.Reports()}
}

// demoProgress prints "copied N of M rows" on one terminal line; it prints nothing when stderr is not a
// terminal (logs and CI output stay clean).
type demoProgress struct {
	w     io.Writer
	on    bool
	total int64
	start time.Time
}

func newDemoProgress(w io.Writer, total int64) *demoProgress {
	on := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &demoProgress{w: w, on: on, total: total, start: time.Now()}
}

func (p *demoProgress) report(rows int64) {
	if !p.on {
		return
	}
	rate := float64(rows) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\rcopying SQP rows: %d of %d (%.0f%%), %.0f rows/s   ", rows, p.total, 100*float64(rows)/float64(max(p.total, 1)), rate)
}

func (p *demoProgress) say(msg string) {
	if p.on {
		fmt.Fprintln(p.w, msg)
	}
}

func (p *demoProgress) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}
