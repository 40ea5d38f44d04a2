// Package refreshlog is the vocabulary of refreshing the brand_product_segments materialized view: what
// asked for a refresh, the status and outcome of a run as the refresh log records them, and the state of
// the segments for the admin page. Storage and the refresh service (internal/refresh) share these types,
// so that storage never depends on the service.
package refreshlog

import "time"

// Trigger says what asked for a refresh; it is stored in the refresh log.
type Trigger string

// The triggers sqpdash uses (the log's check constraint also allows 'sql' and 'apply').
const (
	TriggerManual   Trigger = "manual"
	TriggerSchedule Trigger = "schedule"
	TriggerImport   Trigger = "import"
	TriggerCLI      Trigger = "cli"
)

// Status is the state of one refresh run as the log records it, plus Busy, which is never logged: it is
// the answer when another session holds the refresh lock.
type Status string

// Statuses of the refresh log, and Busy.
const (
	StatusRunning   Status = "running"
	StatusSuccess   Status = "success"
	StatusSkipped   Status = "skipped"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
	StatusBusy      Status = "busy"
	// StatusQueued is never logged either: the answer of refresh.Refresher.RunOrQueue when it left a
	// follow-up refresh in the queue for the refresh running now.
	StatusQueued Status = "queued"
)

// Queued is the follow-up refresh waiting for the running one to end (at most one, shared by every
// process through the database table refresh_requests).
type Queued struct {
	RequestedAt time.Time
	Trigger     Trigger
	RequestedBy string
}

// Request is one call for a refresh.
type Request struct {
	Trigger Trigger
	// RequestedBy names the person or process that asked, for the log ("alice", "sqpdash refresh").
	RequestedBy string
	// Force refreshes even when the base data did not change since the last successful refresh.
	Force bool
}

// Outcome is what one call of the database's refresh procedure reported.
type Outcome struct {
	// LogID is the refresh log row of this run; 0 when the call was busy.
	LogID  int64
	Status Status
	// RowCount is the number of segment rows after the refresh (success only).
	RowCount int64
	Start    time.Time
	End      time.Time
	// Error is the database's error text of a failed run.
	Error string
	// BackendPID is the database session that ran (or tried to run) the refresh; the refresher uses it to
	// stop that session and log the run as cancelled when the call was interrupted.
	BackendPID uint32
	// RunningSince and RunningBy describe the other session's refresh when Status is StatusBusy.
	RunningSince time.Time
	RunningBy    string
}

// Duration is how long the run took.
func (o Outcome) Duration() time.Duration {
	if o.End.IsZero() || o.Start.IsZero() {
		return 0
	}
	return o.End.Sub(o.Start)
}

// Run is one row of the refresh log, as the admin page shows it.
type Run struct {
	ID          int64
	Trigger     string
	RequestedBy string
	Status      Status
	Start       time.Time
	// End is zero while the run is still running.
	End      time.Time
	RowCount *int64
	Error    string
}

// Duration is how long the run took, or has been running until now.
func (r Run) Duration(now time.Time) time.Duration {
	if r.End.IsZero() {
		return now.Sub(r.Start)
	}
	return r.End.Sub(r.Start)
}

// ScheduleClaim is one interval of the refresh schedule as the instance that served it claimed it
// (database table refresh_schedule_claims): every `serve` instance ticks, the first tick of an interval
// claims it and runs, the others find it claimed and do nothing.
type ScheduleClaim struct {
	IntervalStart time.Time
	IntervalEnd   time.Time
	ClaimedAt     time.Time
	// ClaimedBy names the instance ("web-1 (pid 4242)").
	ClaimedBy string
	// FinishedAt is zero while the claiming tick still runs (its refresh, say).
	FinishedAt time.Time
	// Outcome is what the claiming tick did ("nothing changed since the last refresh", "refresh success").
	Outcome string
}
