package importer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Store is where imported files are written; *postgres.DB implements it. Each call is one transaction:
// it stores all it is given or, on error, nothing.
type Store interface {
	ImportWeeklyReports(ctx context.Context, reports []sqp.WeeklyReport) (sqp.ImportCounts, error)
	ImportBrandMappings(ctx context.Context, mappings []sqp.BrandMapping) (sqp.MappingCounts, error)
	// UnmappedASINs returns those of asins that no brand mapping names.
	UnmappedASINs(ctx context.Context, asins []string) ([]string, error)
}

// Service imports files: it reads one, and stores it in one transaction. The command line and the admin
// upload both go through it, so both accept the same files and report the same summary.
type Service struct {
	store Store
	log   *slog.Logger
	opts  Options
}

// NewService returns a Service writing to store and logging one line per file to log (nil: no log).
// opts.Marketplace must be empty or a known marketplace.
func NewService(store Store, log *slog.Logger, opts Options) (*Service, error) {
	if m := strings.TrimSpace(opts.Marketplace); m != "" {
		if !sqp.IsImportable(m) {
			return nil, fmt.Errorf("marketplace %q: expected %s", m, expectMarketplace)
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: log, opts: opts}, nil
}

// FileSummary is what importing one file did.
type FileSummary struct {
	File        string
	Format      Format
	Marketplace string // country code of the file's reports; empty for a brand-mapping CSV
	ASINWeeks   int    // ASIN-weeks in the file
	QueryRows   int    // query rows in the file
	Reports     sqp.ImportCounts
	Mappings    sqp.MappingCounts
	Warnings    []Warning
	Duration    time.Duration
}

// ImportFile reads the file called name from r and stores it. A file with any error stores nothing; the
// error is an *Error when the file itself is at fault.
func (s *Service) ImportFile(ctx context.Context, name string, r io.Reader) (FileSummary, error) {
	began := time.Now()
	res, err := Parse(name, r, s.opts)
	if err != nil {
		return FileSummary{File: name}, err
	}
	parsed := time.Now()
	sum := FileSummary{File: name, Format: res.Format, Marketplace: res.Marketplace, ASINWeeks: len(res.Reports),
		QueryRows: res.QueryRowCount(), Warnings: res.Warnings}
	switch res.Format {
	case FormatBrandMapping:
		if sum.Mappings, err = s.store.ImportBrandMappings(ctx, res.Mappings); err != nil {
			return sum, fmt.Errorf("store brand mappings of %s: %w", name, err)
		}
	default:
		if sum.Reports, err = s.store.ImportWeeklyReports(ctx, res.Reports); err != nil {
			return sum, fmt.Errorf("store reports of %s: %w", name, err)
		}
		s.warnUnmapped(ctx, &sum, res.Reports)
	}
	sum.Duration = time.Since(began)
	s.log.InfoContext(ctx, "imported file", "file", name, "format", string(res.Format), "marketplace", res.Marketplace,
		"asin_weeks", sum.ASINWeeks, "query_rows", sum.QueryRows, "warnings", len(sum.Warnings),
		"read", parsed.Sub(began), "store", time.Since(parsed), "duration", sum.Duration)
	return sum, nil
}

// warnUnmapped adds a warning for each ASIN of reports that no brand mapping names: its data is stored,
// but nobody would see it on the dashboard, and nothing else would say why. The reports are already
// committed, so a failed check is itself only a warning.
func (s *Service) warnUnmapped(ctx context.Context, sum *FileSummary, reports []sqp.WeeklyReport) {
	var asins []string
	for _, r := range reports {
		if !slices.Contains(asins, r.ASIN) {
			asins = append(asins, r.ASIN)
		}
	}
	if len(asins) == 0 {
		return
	}
	unmapped, err := s.store.UnmappedASINs(ctx, asins)
	if err != nil {
		s.log.WarnContext(ctx, "check brand mappings of imported reports", "file", sum.File, "err", err)
		sum.Warnings = append(sum.Warnings, Warning{File: sum.File, Message: "the brand mappings of its ASINs could not be checked: " + err.Error()})
		return
	}
	for _, a := range unmapped {
		sum.Warnings = append(sum.Warnings, Warning{File: sum.File, Message: "ASIN " + a +
			" is not mapped to a brand: its reports are stored, and the dashboard shows them once a brand-mapping CSV maps it"})
	}
}

// Summary collects the outcome of importing several files.
type Summary struct {
	Files  []FileSummary
	Failed []FileFailure
}

// FileFailure is a file that was not imported, and why.
type FileFailure struct {
	File string
	Err  error
}

// Totals adds up the imported files.
func (s Summary) Totals() (reports sqp.ImportCounts, mappings sqp.MappingCounts, warnings int) {
	for _, f := range s.Files {
		reports = reports.Add(f.Reports)
		mappings = mappings.Add(f.Mappings)
		warnings += len(f.Warnings)
	}
	return reports, mappings, warnings
}

// Changed reports whether any imported file changed stored data, i.e. whether the segments need a refresh.
func (s Summary) Changed() bool {
	r, m, _ := s.Totals()
	return r.ASINWeeksNew+r.ASINWeeksChanged > 0 || m.BrandsCreated+m.MappingsNew+m.MappingsChanged > 0
}
