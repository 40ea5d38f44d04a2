package views

import (
	"fmt"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// AdminPage is the admin page: the segments' state, the refresh button with its progress, the refresh
// history, and the import form.
type AdminPage struct {
	Status  AdminStatus
	Refresh RefreshPanel
	History RefreshHistory
	// Import is the upload form of SQP reports; nil until the import feature provides it.
	Import templ.Component
	// BrandTermsURL is the page where admins set the brand terms; "" when the server has none.
	BrandTermsURL string
	// Replicas are the read replicas and their lag; nil when the server reads from the primary only.
	Replicas *ReadReplicas
}

// AdminStatus is the status column of the admin page, every value formatted.
type AdminStatus struct {
	Populated    bool
	Rows         string
	Size         string
	LastSuccess  string // "2026-11-27 10:15:02 UTC" or "never"
	LastDuration string
	// Changed: base data changed after the last successful refresh, so the segments are behind.
	Changed bool

	ValidationPassed bool
	Validation       string // "passed", "3 violations", "not run yet"
	ValidationJSON   string

	Brands, ASINs, Weeks, NewestWeek string

	Schedule     string // "every 1h0m0s" or "off"
	NextRun      string
	LastCheck    string
	LastCheckSay string
	// Instance names the process that rendered the page; "" when it has no name.
	Instance string
	// LastRun is when and on which instance the schedule last ran, whichever instance it was
	// ("2026-11-27 10:00:03 UTC on web-1 (pid 4242)"), or "—"; LastRunSay what that run did.
	LastRun    string
	LastRunSay string
}

// NewAdminStatus formats the segments status and the schedule state.
func NewAdminStatus(st refreshlog.SegmentsStatus, sched refresh.ScheduleState) AdminStatus {
	a := AdminStatus{
		Populated:    st.Populated,
		Rows:         adminCount(st.Rows),
		Size:         adminBytes(st.SizeBytes),
		LastSuccess:  "never",
		LastDuration: "—",
		Changed:      st.ChangedSince,
		Validation:   "not run yet",
		Brands:       adminCount(st.Coverage.Brands),
		ASINs:        adminCount(st.Coverage.ASINs),
		Weeks:        adminCount(st.Coverage.Weeks),
		NewestWeek:   "no data",
		Schedule:     "off",
		NextRun:      "—",
		LastCheck:    "—",
		LastRun:      "—",
		Instance:     sched.Instance,
	}
	if st.HasSuccess {
		a.LastSuccess = adminTime(st.LastSuccess.End)
		a.LastDuration = adminDuration(st.LastSuccess.Duration(st.LastSuccess.End))
		a.ValidationJSON = st.Validation
		a.ValidationPassed = st.ValidationViolations == 0
		a.Validation = "passed"
		if st.ValidationViolations > 0 {
			a.Validation = adminPlural(st.ValidationViolations, "violation")
		}
	}
	if !st.Coverage.NewestWeek.IsZero() {
		w := st.Coverage.NewestWeek
		a.NewestWeek = w.Format("Mon 2 Jan 2006") + " – " + w.AddDate(0, 0, 6).Format("Sat 2 Jan 2006")
	}
	if sched.Every > 0 {
		a.Schedule = "every " + sched.Every.String()
		if !sched.Next.IsZero() {
			a.NextRun = adminTime(sched.Next)
		}
		if !sched.LastCheck.IsZero() {
			a.LastCheck = adminTime(sched.LastCheck)
			a.LastCheckSay = sched.LastNote
		}
	}
	if sched.HasLast {
		a.LastRun = adminTime(sched.Last.ClaimedAt) + " on " + sched.Last.ClaimedBy
		a.LastRunSay = sched.Last.Outcome
		if sched.Last.FinishedAt.IsZero() {
			a.LastRunSay = "running"
		}
	}
	return a
}

// RefreshPanel is the Refresh now form and, while a refresh runs, its progress. While Running the panel
// polls PollURL and the button is disabled.
type RefreshPanel struct {
	Running   bool
	StartedAt string
	RunningBy string
	Elapsed   string
	ElapsedMS int64
	// Percent estimates the progress from the duration of the last successful refresh; -1 when unknown.
	Percent  int
	Estimate string

	// Queued says that a follow-up refresh waits for the running one ("requested 15:04 by alice"); ""
	// when none is queued.
	Queued string

	// Message tells the result of the last click (conflict, skipped, failed); Kind is "info" or "error".
	Message string
	Kind    string

	ActionURL string
	PollURL   string
	CSRFToken string
}

// RefreshPanelInput is what NewRefreshPanel needs.
type RefreshPanelInput struct {
	Running      bool
	Run          refreshlog.Run // the running log row; zero Start while it is being created
	LastDuration time.Duration
	// Queued is the follow-up refresh waiting for the running one, if HasQueued.
	Queued       refreshlog.Queued
	HasQueued    bool
	Message      string
	MessageIsErr bool
	Now          time.Time
	ActionURL    string
	PollURL      string
	CSRFToken    string
}

// NewRefreshPanel formats the refresh panel.
func NewRefreshPanel(in RefreshPanelInput) RefreshPanel {
	p := RefreshPanel{Running: in.Running, Percent: -1, Message: in.Message, Kind: "info",
		ActionURL: in.ActionURL, PollURL: in.PollURL, CSRFToken: in.CSRFToken}
	if in.MessageIsErr {
		p.Kind = "error"
	}
	if in.HasQueued {
		p.Queued = "requested " + adminTime(in.Queued.RequestedAt)
		if in.Queued.RequestedBy != "" {
			p.Queued += " by " + in.Queued.RequestedBy
		}
	}
	if !in.Running {
		return p
	}
	p.StartedAt, p.Elapsed = "just now", "0 s"
	if !in.Run.Start.IsZero() {
		elapsed := in.Now.Sub(in.Run.Start)
		p.StartedAt = adminTime(in.Run.Start)
		p.Elapsed, p.ElapsedMS = adminDuration(elapsed), elapsed.Milliseconds()
		p.RunningBy = in.Run.RequestedBy
		if p.RunningBy == "" {
			p.RunningBy = in.Run.Trigger
		}
		if in.LastDuration > 0 {
			p.Percent = min(99, int(100*elapsed/in.LastDuration))
			p.Estimate = fmt.Sprintf("About %d%% done: the last refresh took %s.", p.Percent, adminDuration(in.LastDuration))
			if elapsed > in.LastDuration {
				p.Estimate = "Taking longer than the last refresh, which took " + adminDuration(in.LastDuration) + "."
			}
		}
	}
	return p
}

// RefreshHistory is one page of the refresh log, newest first.
type RefreshHistory struct {
	Rows    []RefreshHistoryRow
	Summary string // "41 runs · page 1 of 3"
	// PrevURL/NextURL are the page links ("" on the first/last page); the HX variants fetch only the
	// table.
	PrevURL, PrevHXURL string
	NextURL, NextHXURL string
}

// RefreshHistoryRow is one run.
type RefreshHistoryRow struct {
	ID          string
	Start       string
	Trigger     string
	RequestedBy string
	Status      string
	Duration    string
	Rows        string
	Error       string
}

// NewRefreshHistory formats a page of runs. pageURL and partialURL build the links to another page.
func NewRefreshHistory(runs []refreshlog.Run, total, page, pageSize int, now time.Time, pageURL, partialURL func(page int) string) RefreshHistory {
	pages := max(1, (total+pageSize-1)/pageSize)
	h := RefreshHistory{Summary: fmt.Sprintf("%s · page %d of %d", adminPlural(total, "run"), page, pages)}
	for _, r := range runs {
		row := RefreshHistoryRow{
			ID:          strconv.FormatInt(r.ID, 10),
			Start:       adminTime(r.Start),
			Trigger:     r.Trigger,
			RequestedBy: r.RequestedBy,
			Status:      string(r.Status),
			Duration:    adminDuration(r.Duration(now)),
			Rows:        "—",
			Error:       r.Error,
		}
		if r.RowCount != nil {
			row.Rows = adminCount(*r.RowCount)
		}
		h.Rows = append(h.Rows, row)
	}
	if page > 1 {
		h.PrevURL, h.PrevHXURL = pageURL(page-1), partialURL(page-1)
	}
	if page < pages {
		h.NextURL, h.NextHXURL = pageURL(page+1), partialURL(page+1)
	}
	return h
}

// adminTime shows a time of the refresh log in the server's zone, to the second.
func adminTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

// adminDuration is FormatDuration, the one duration format of the admin page.
func adminDuration(d time.Duration) string { return FormatDuration(d) }

// FormatDuration rounds a duration to what a person reads, in one format wherever sqpdash shows a
// duration: "840 ms" under a second, "1.3 s" under a minute, then "2m5s".
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	default:
		return d.Round(time.Second).String()
	}
}

// adminBytes shows a size in binary units.
func adminBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// adminCount groups the digits of n by thousands: 204,000.
func adminCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + adminCount(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func adminPlural(n int, noun string) string { return Plural(int64(n), noun) }
