package views

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/importer"
)

// maxUploadWarningsShown is how many warnings the result lists per file; the rest are counted, as in the
// summary of `sqpdash import`.
const maxUploadWarningsShown = 20

// ImportPanel is the upload form of SQP report files on the admin page and, after an upload, what the
// upload did. The same component is the panel of the full page and the htmx answer to an upload.
type ImportPanel struct {
	ActionURL string
	CSRFToken string
	// Limit is the largest upload, formatted ("64 MiB").
	Limit string
	// Result is nil until an upload was handled.
	Result *ImportResult
}

// NewImportPanel formats the panel; result is nil before an upload.
func NewImportPanel(actionURL, csrfToken string, limit int64, result *ImportResult) ImportPanel {
	return ImportPanel{ActionURL: actionURL, CSRFToken: csrfToken, Limit: adminBytes(limit), Result: result}
}

// ImportResult is the summary of one upload: a row per file, the totals in the words of `sqpdash import`,
// and what happened to the segments.
type ImportResult struct {
	Files []ImportedFile
	// Totals, formatted: "2 imported, 1 refused (of 3)", "2 new, 1 changed, 4 unchanged", ...
	FilesLine string
	ASINWeeks string
	QueryRows string
	Mappings  string // "" when no brand-mapping file was imported
	Warnings  string
	Took      string
	// Refresh says what happened to the segments; RefreshState is "started", "skipped", "busy" or
	// "failed" and RefreshKind "info" or "error".
	Refresh      string
	RefreshState string
	RefreshKind  string
	// RefreshPollURL, when set, makes the result fetch the refresh panel once it is shown, so that the
	// panel shows the refresh the upload started without a reload.
	RefreshPollURL string
}

// ImportedFile is one uploaded file: imported, refused by the importer (nothing of it was written), or
// failed on our side.
type ImportedFile struct {
	Name string
	// Status is "imported", "refused" or "failed"; Badge is its badge class ("ok" or "warn").
	Status   string
	Badge    string
	Format   string
	Counts   string
	Error    string
	Warnings []string
	// WarningCount counts all the file's warnings, listed or not: "1 warning", "23 warnings".
	WarningCount string
	// MoreWarnings counts the warnings not listed: "and 12 more warnings".
	MoreWarnings string
}

// UploadedFile is the outcome of importing one file of an upload.
type UploadedFile struct {
	Name    string
	Summary importer.FileSummary
	// Err is nil when the file was imported; an *importer.Error when the file is at fault, whose message
	// is shown; anything else is a failure on our side, whose text stays in the log.
	Err error
}

// ImportRefresh is what the upload did about the segments.
type ImportRefresh struct {
	State   string // "started", "skipped", "busy", "failed"
	Message string
	// PollURL is the refresh panel's poll URL, when a refresh was started or is running.
	PollURL string
}

// NewImportResult formats the outcome of an upload. files are in the order they were uploaded.
func NewImportResult(files []UploadedFile, took time.Duration, refresh ImportRefresh) ImportResult {
	var sum importer.Summary
	res := ImportResult{Took: adminDuration(took), Refresh: refresh.Message, RefreshState: refresh.State,
		RefreshKind: "info", RefreshPollURL: refresh.PollURL}
	if refresh.State == "failed" {
		res.RefreshKind = "error"
	}
	refused, hasMappings := 0, false
	for _, f := range files {
		row := ImportedFile{Name: f.Name, Status: "imported", Badge: "ok", Format: string(f.Summary.Format)}
		if f.Summary.Marketplace != "" {
			row.Format += ", marketplace " + f.Summary.Marketplace
		}
		var ie *importer.Error
		switch {
		case f.Err == nil:
			sum.Files = append(sum.Files, f.Summary)
			row.Counts = fileCounts(f.Summary)
			row.Warnings, row.MoreWarnings = warningLines(f.Summary.Warnings)
			row.WarningCount = adminPlural(len(f.Summary.Warnings), "warning")
			hasMappings = hasMappings || f.Summary.Format == importer.FormatBrandMapping
		case errors.As(f.Err, &ie):
			refused++
			row.Status, row.Badge = "refused", "warn"
			row.Error = ie.Error() + ". Nothing of this file was written."
		default:
			refused++
			row.Status, row.Badge = "failed", "warn"
			row.Error = "The file could not be stored because of an error on our side (it has been logged). Nothing of this file was written."
		}
		res.Files = append(res.Files, row)
	}
	reports, mappings, warnings := sum.Totals()
	res.FilesLine = fmt.Sprintf("%d imported, %d refused (of %d)", len(sum.Files), refused, len(files))
	res.ASINWeeks = fmt.Sprintf("%d new, %d changed, %d unchanged", reports.ASINWeeksNew, reports.ASINWeeksChanged, reports.ASINWeeksUnchanged)
	res.QueryRows = fmt.Sprintf("%d inserted, %d updated, %d deleted", reports.QueryRowsInserted, reports.QueryRowsUpdated, reports.QueryRowsDeleted)
	if hasMappings {
		res.Mappings = fmt.Sprintf("%s created; mappings: %d new, %d changed, %d unchanged",
			adminPlural(mappings.BrandsCreated, "brand"), mappings.MappingsNew, mappings.MappingsChanged, mappings.MappingsUnchanged)
	}
	res.Warnings = strconv.Itoa(warnings)
	return res
}

// fileCounts says what one imported file held and changed.
func fileCounts(s importer.FileSummary) string {
	if s.Format == importer.FormatBrandMapping {
		m := s.Mappings
		return fmt.Sprintf("%s created; mappings: %d new, %d changed, %d unchanged",
			adminPlural(m.BrandsCreated, "brand"), m.MappingsNew, m.MappingsChanged, m.MappingsUnchanged)
	}
	r := s.Reports
	return fmt.Sprintf("%s (%d new, %d changed, %d unchanged); %s (%d inserted, %d updated, %d deleted)",
		adminPlural(s.ASINWeeks, "ASIN-week"), r.ASINWeeksNew, r.ASINWeeksChanged, r.ASINWeeksUnchanged,
		adminPlural(s.QueryRows, "query row"), r.QueryRowsInserted, r.QueryRowsUpdated, r.QueryRowsDeleted)
}

// warningLines lists the first warnings of a file and counts the others.
func warningLines(ws []importer.Warning) (lines []string, more string) {
	for i, w := range ws {
		if i == maxUploadWarningsShown {
			return lines, "and " + adminPlural(len(ws)-i, "more warning")
		}
		lines = append(lines, w.String())
	}
	return lines, ""
}

// UploadTooLargeMessage is the answer to an upload over the limit: how large it was, the limit, and the
// files it carried in the order sent, with their sizes, so the person knows which to leave out.
func UploadTooLargeMessage(size, limit int64, files []UploadedPart) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The upload is %s, over the limit of %s per upload, so nothing was imported.", adminBytes(size), adminBytes(limit))
	if len(files) > 0 {
		names := make([]string, 0, len(files))
		for _, f := range files {
			names = append(names, fmt.Sprintf("%s (%s)", f.Name, adminBytes(f.Size)))
		}
		b.WriteString(" Files: " + strings.Join(names, ", ") + ".")
	}
	b.WriteString(" Upload fewer or smaller files at a time, or use sqpdash import FILE... on the server.")
	return b.String()
}

// UploadedPart is a file of an upload that was refused as too large: its name and the bytes received.
type UploadedPart struct {
	Name string
	Size int64
}
