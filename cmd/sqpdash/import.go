package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// maxWarningsShown is how many warnings the summary lists per file; the rest are counted.
const maxWarningsShown = 20

// importFlags are the settings of `sqpdash import`.
type importFlags struct {
	marketplace string
	noRefresh   bool
	keepGoing   bool
	requestedBy string
	files       []string
}

// segmentRefresher is the one refresh path (refresh.Refresher), called once after all files: it refreshes
// now or, when another refresh is running, queues one follow-up for when it ends.
type segmentRefresher interface {
	RunOrQueue(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error)
}

// runImport imports SQP reports and brand-mapping files, each in its own transaction, prints a summary and
// refreshes the segments when anything changed. Exit code 0: every file imported (and refreshed); 1: a
// file was refused or the database failed; 2: bad usage.
func runImport(ctx context.Context, cfg config.Config, args []string) int {
	f, code, ok := parseImportFlags(args, os.Stderr)
	if !ok {
		return code
	}
	log := newLogger(cfg)
	db, closeDB, err := openDatabase(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash import: %v\n", err)
		return exitFailure
	}
	defer closeDB()
	return importFiles(ctx, db, refresh.New(db, refresh.Options{Logger: log}), log, f, os.Stdout, os.Stderr)
}

// parseImportFlags parses args; ok is false when the command must end with code (help or bad usage).
func parseImportFlags(args []string, stderr io.Writer) (f importFlags, code int, ok bool) {
	fs := flag.NewFlagSet("sqpdash import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: sqpdash import [--marketplace CC] [--no-refresh] [--keep-going] FILE...

Imports Amazon Search Query Performance reports and brand mappings, recognised by content:
  - SP-API GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT documents (JSON, plain or gzip), weekly
  - Seller Central SQP CSV downloads, ASIN view, weekly
  - brand-mapping CSV with the header asin,brand,product_title[,active]
Each file is one transaction: a file with any error writes nothing. Monthly and quarterly reports and the
Brand view are refused (segments are built from weekly ASIN reports). Afterwards brand_product_segments is
refreshed when anything changed. See docs/import.md.

Exit status: 0 all files imported, 1 a file was refused or the database failed, 2 bad usage.

flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.marketplace, "marketplace", "", "marketplace country code (US, UK, DE, ...) of every file (default: each file's own: SP-API marketplaceIds, Seller Central file name; a file that does not say is refused)")
	fs.BoolVar(&f.noRefresh, "no-refresh", false, "do not refresh brand_product_segments afterwards")
	fs.BoolVar(&f.keepGoing, "keep-going", false, "import the good files when some are refused, and list the refused ones (default: stop at the first)")
	fs.StringVar(&f.requestedBy, "requested-by", defaultRequester(), "who imports, for the refresh log")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return f, exitOK, false
		}
		return f, exitUsage, false
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "sqpdash import: name at least one file (sqpdash import --help)")
		return f, exitUsage, false
	}
	f.files = fs.Args()
	f.marketplace = strings.ToUpper(strings.TrimSpace(f.marketplace))
	return f, exitOK, true
}

// importFiles imports f.files in order through one importer.Service, then refreshes. It is runImport
// without the database set-up, so that tests can run it against a test database.
func importFiles(ctx context.Context, store importer.Store, refresher segmentRefresher, log *slog.Logger, f importFlags, stdout, stderr io.Writer) int {
	began := time.Now()
	svc, err := importer.NewService(store, log, importer.Options{Marketplace: f.marketplace})
	if err != nil {
		fmt.Fprintf(stderr, "sqpdash import: --%v\n", err)
		return exitUsage
	}
	var sum importer.Summary
	for _, name := range f.files {
		if ctx.Err() != nil {
			sum.Failed = append(sum.Failed, importer.FileFailure{File: name, Err: ctx.Err()})
			break
		}
		fs, err := importOne(ctx, svc, name, stderr)
		if err != nil {
			sum.Failed = append(sum.Failed, importer.FileFailure{File: name, Err: err})
			fmt.Fprintf(stderr, "sqpdash import: %v\n", err)
			if !f.keepGoing {
				break
			}
			continue
		}
		sum.Files = append(sum.Files, fs)
	}
	writeSummary(stdout, sum, len(f.files), time.Since(began))

	code := exitOK
	if len(sum.Failed) > 0 {
		code = exitFailure
	}
	switch {
	case f.noRefresh:
		fmt.Fprintln(stdout, "segments: not refreshed (--no-refresh); run `sqpdash refresh` to update the dashboard")
	case !sum.Changed():
		fmt.Fprintln(stdout, "segments: nothing changed, no refresh needed")
	default:
		out, err := refresher.RunOrQueue(ctx, refreshlog.Request{Trigger: refreshlog.TriggerImport, RequestedBy: f.requestedBy})
		if err != nil {
			msg := err.Error()
			if e, ok := apperr.As(err); ok {
				msg = e.Message
			}
			fmt.Fprintf(stderr, "sqpdash import: the data is imported, but the segments were not refreshed: %s; run `sqpdash refresh`\n", msg)
			return exitFailure
		}
		if out.Status == refreshlog.StatusQueued {
			fmt.Fprintf(stdout, "segments: another refresh is running (%s); a follow-up refresh is queued and runs as soon as it ends\n", out.RunningBy)
			return code
		}
		fmt.Fprintf(stdout, "segments: refresh %s, %d rows in %s (log id %d)\n", out.Status, out.RowCount,
			out.Duration().Round(time.Millisecond), out.LogID)
	}
	return code
}

// importOne imports one file, showing its progress on a terminal.
func importOne(ctx context.Context, svc *importer.Service, name string, stderr io.Writer) (importer.FileSummary, error) {
	file, err := os.Open(name)
	if err != nil {
		return importer.FileSummary{}, fmt.Errorf("open %s: %w", name, err)
	}
	defer func() { _ = file.Close() }() // read only: closing cannot lose data
	var size int64
	if fi, err := file.Stat(); err == nil {
		size = fi.Size()
	}
	bar := startProgress(stderr, name, size)
	defer bar.stop()
	return svc.ImportFile(ctx, name, &countingReader{r: file, n: &bar.read})
}

// writeSummary prints what the import did, in the words of the issue: files, ASIN-weeks new/changed,
// query rows inserted/updated/deleted, warnings and time.
func writeSummary(w io.Writer, sum importer.Summary, files int, took time.Duration) {
	reports, mappings, warnings := sum.Totals()
	fmt.Fprintf(w, "files: %d imported, %d failed, %d not tried (of %d)\n", len(sum.Files), len(sum.Failed),
		files-len(sum.Files)-len(sum.Failed), files)
	fmt.Fprintf(w, "ASIN-weeks: %d new, %d changed, %d unchanged\n", reports.ASINWeeksNew, reports.ASINWeeksChanged, reports.ASINWeeksUnchanged)
	fmt.Fprintf(w, "query rows: %d inserted, %d updated, %d deleted\n", reports.QueryRowsInserted, reports.QueryRowsUpdated, reports.QueryRowsDeleted)
	for _, f := range sum.Files {
		if f.Marketplace != "" {
			fmt.Fprintf(w, "  %s: marketplace %s, %d ASIN-weeks\n", f.File, f.Marketplace, f.ASINWeeks)
		}
	}
	for _, f := range sum.Files {
		if f.Format == importer.FormatBrandMapping {
			fmt.Fprintf(w, "brand mappings: %d brands created, %d mappings new, %d changed, %d unchanged\n",
				mappings.BrandsCreated, mappings.MappingsNew, mappings.MappingsChanged, mappings.MappingsUnchanged)
			break
		}
	}
	fmt.Fprintf(w, "warnings: %d\n", warnings)
	for _, f := range sum.Files {
		for i, warn := range f.Warnings {
			if i == maxWarningsShown {
				fmt.Fprintf(w, "  %s: ... and %d more warnings\n", f.File, len(f.Warnings)-maxWarningsShown)
				break
			}
			fmt.Fprintf(w, "  %s\n", warn)
		}
	}
	if len(sum.Failed) > 0 {
		fmt.Fprintln(w, "failed files (nothing of them was written):")
		for _, f := range sum.Failed {
			fmt.Fprintf(w, "  %v\n", f.Err)
		}
	}
	fmt.Fprintf(w, "time: %s\n", took.Round(time.Millisecond))
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressBar redraws "name [#####.....] 45% 12.3 of 27.0 MB" on one terminal line while a file is read,
// then "storing in the database ..." once it is all read. It draws nothing when stderr is not a terminal.
type progressBar struct {
	read atomic.Int64
	done chan struct{}
	wg   chan struct{}
}

func startProgress(w io.Writer, name string, size int64) *progressBar {
	p := &progressBar{done: make(chan struct{}), wg: make(chan struct{})}
	f, isFile := w.(*os.File)
	if !isFile || size <= 0 {
		close(p.wg)
		return p
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		close(p.wg)
		return p
	}
	go func() {
		defer close(p.wg)
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				fmt.Fprintf(w, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprintf(w, "\r\033[K%s", progressLine(name, p.read.Load(), size))
			}
		}
	}()
	return p
}

func (p *progressBar) stop() {
	close(p.done)
	<-p.wg
}

// progressLine renders one state of the progress bar.
func progressLine(name string, read, size int64) string {
	const width = 30
	if read >= size {
		return fmt.Sprintf("%s: read %.1f MB, storing in the database ...", name, float64(size)/1e6)
	}
	filled := int(float64(width) * float64(read) / float64(size))
	return fmt.Sprintf("%s [%s%s] %3.0f%% %.1f of %.1f MB", name, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		100*float64(read)/float64(size), float64(read)/1e6, float64(size)/1e6)
}
