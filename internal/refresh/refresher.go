package refresh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// Store is the storage the refresher needs. internal/postgres implements it.
type Store interface {
	// RefreshSegments calls the database's refresh procedure on one session. When the call fails, the
	// returned Outcome still carries the BackendPID of that session.
	RefreshSegments(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error)
	// CancelRefresh stops the session pid if it still holds the refresh lock and marks its running log row
	// cancelled with reason.
	CancelRefresh(ctx context.Context, pid uint32, reason string) error
	// FailOrphanedRefreshes marks failed every running log row whose database session is gone.
	FailOrphanedRefreshes(ctx context.Context, reason string) (int64, error)
	// RunningRefresh returns the log row of the refresh running now in any process, if any.
	RunningRefresh(ctx context.Context) (refreshlog.Run, bool, error)
	// SegmentSourceChanged reports whether base data changed since the last successful refresh.
	SegmentSourceChanged(ctx context.Context) (bool, error)
	// QueueRefresh leaves one follow-up refresh for whichever process ends the running one (at most
	// one is queued: another request moves its time).
	QueueRefresh(ctx context.Context, req refreshlog.Request) error
	// SettleQueuedRefresh removes the queued refresh if it was requested before ranFrom (the start of a
	// refresh that just ended, which covered it) and returns the one still queued, if any.
	SettleQueuedRefresh(ctx context.Context, ranFrom time.Time) (refreshlog.Queued, bool, error)
	// QueuedRefresh returns the queued refresh, if any.
	QueuedRefresh(ctx context.Context) (refreshlog.Queued, bool, error)
	// WaitRefreshLock returns once no session holds the refresh lock (it takes the lock and gives it back
	// at once), or when ctx ends.
	WaitRefreshLock(ctx context.Context) error
}

// Observer is told about every finished call, for metrics.
type Observer interface {
	ObserveRefresh(req refreshlog.Request, out refreshlog.Outcome, took time.Duration)
}

// Options configures a Refresher.
type Options struct {
	Logger   *slog.Logger
	Observer Observer // optional
}

// Refresher runs refreshes, in the caller's goroutine (Run) or in the background (Start).
type Refresher struct {
	store    Store
	log      *slog.Logger
	observer Observer

	// background runs live as long as the refresher: Shutdown cancels them and waits.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	running int // background runs of this process in progress
	last    *Finished
}

// Finished is the result of the last background run of this process, for the admin page: busy and
// skipped outcomes have no history row that would tell the person who clicked.
type Finished struct {
	Request refreshlog.Request
	Outcome refreshlog.Outcome
	Err     error
	At      time.Time
}

// New returns a Refresher over store.
func New(store Store, opts Options) *Refresher {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, cancel := context.WithCancel(context.Background())
	return &Refresher{store: store, log: log, observer: opts.Observer, base: base, cancel: cancel}
}

// maxFollowUps bounds the queued refreshes one Run goes on to run: each exists only because an import
// asked for it while the previous one ran, and a process that keeps being asked must still return.
const maxFollowUps = 3

// Run refreshes the segments now and returns when the refresh is over. A refresh running elsewhere gives an
// *apperr.Error with code ECONFLICT. When ctx ends during the refresh, the database session is stopped and
// the run is logged as cancelled before Run returns.
//
// After a refresh that succeeded or was skipped, Run settles the queue: a follow-up requested before this
// refresh started is covered by it and dropped; one requested while it ran is run now, by this process
// (whichever process ends a refresh first runs the follow-up).
func (r *Refresher) Run(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error) {
	out, err := r.runOnce(ctx, req)
	for i := 0; i < maxFollowUps && err == nil && (out.Status == refreshlog.StatusSuccess || out.Status == refreshlog.StatusSkipped); i++ {
		next, ok, qerr := r.store.SettleQueuedRefresh(ctx, out.Start)
		if qerr != nil {
			r.log.ErrorContext(ctx, "settle the queued refresh", "err", qerr)
			break
		}
		if !ok {
			break
		}
		r.log.InfoContext(ctx, "running the queued refresh", "requested_by", next.RequestedBy, "requested_at", next.RequestedAt)
		// A busy answer here is fine: the lock was free when this refresh ended, so whoever holds it now
		// started after the request was queued and reads its data.
		fout, ferr := r.runOnce(ctx, refreshlog.Request{Trigger: next.Trigger, RequestedBy: next.RequestedBy})
		if fout.Status == refreshlog.StatusBusy {
			break
		}
		out, err = fout, ferr
	}
	return out, err
}

// RunOrQueue runs a refresh now or, when another one is running (in any process), queues one follow-up
// that runs as soon as the running one ends, and answers StatusQueued without an error. It is what an
// import asks for: its data must reach the segments even when someone else is refreshing.
func (r *Refresher) RunOrQueue(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error) {
	out, err := r.Run(ctx, req)
	if out.Status != refreshlog.StatusBusy {
		return out, err
	}
	if err := r.store.QueueRefresh(ctx, req); err != nil {
		return out, fmt.Errorf("refresh segments (%s): busy, and could not queue a follow-up: %w", req.Trigger, err)
	}
	// Try once more now that the request is in the queue: the refresh that made this call busy may have
	// ended (and settled the queue) before the request was written. If the lock is still taken, its
	// holder had it after the request was written and runs the follow-up when it ends.
	again, err := r.Run(ctx, req)
	if again.Status != refreshlog.StatusBusy {
		return again, err
	}
	again.Status = refreshlog.StatusQueued
	r.log.InfoContext(ctx, "refresh queued: it runs when the running one ends", "trigger", req.Trigger, "requested_by", req.RequestedBy)
	return again, nil
}

func (r *Refresher) runOnce(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error) {
	began := time.Now()
	out, err := r.store.RefreshSegments(ctx, req)
	switch {
	case err != nil && ctx.Err() != nil:
		out.Status = refreshlog.StatusCancelled
		if cerr := r.cancelRun(ctx, out.BackendPID); cerr != nil {
			err = errors.Join(err, cerr)
		}
		err = fmt.Errorf("refresh segments (%s): cancelled: %w", req.Trigger, err)
	case err != nil:
		out.Status = refreshlog.StatusFailed
		err = fmt.Errorf("refresh segments (%s): %w", req.Trigger, err)
	case out.Status == refreshlog.StatusBusy:
		r.describeRunning(ctx, &out)
		err = apperr.Conflict("%s", busyMessage(out.RunningSince, out.RunningBy))
	}
	took := time.Since(began)
	if r.observer != nil {
		r.observer.ObserveRefresh(req, out, took)
	}
	r.logOutcome(ctx, req, out, took, err)
	return out, err
}

// busyRowWait bounds how long a busy answer waits to see the other session's running row: that session
// takes the lock a moment before it commits the row.
const busyRowWait = time.Second

// describeRunning fills in who started the refresh that made this call busy, when the procedure could not
// see its log row yet.
func (r *Refresher) describeRunning(ctx context.Context, out *refreshlog.Outcome) {
	for deadline := time.Now().Add(busyRowWait); out.RunningSince.IsZero() && time.Now().Before(deadline); {
		run, ok, err := r.store.RunningRefresh(ctx)
		if err != nil {
			return
		}
		if ok {
			out.RunningSince, out.RunningBy = run.Start, orTrigger(run.RequestedBy, run.Trigger)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cancelRun stops the interrupted session and records the cancellation from a fresh context: the
// procedure cannot record it itself once its connection is gone.
func (r *Refresher) cancelRun(ctx context.Context, pid uint32) error {
	if pid == 0 {
		return nil
	}
	cctx, cancel := detached(ctx)
	defer cancel()
	if err := r.store.CancelRefresh(cctx, pid, "cancelled: sqpdash stopped while the refresh ran"); err != nil {
		return fmt.Errorf("record cancelled refresh of session %d: %w", pid, err)
	}
	return nil
}

func (r *Refresher) logOutcome(ctx context.Context, req refreshlog.Request, out refreshlog.Outcome, took time.Duration, err error) {
	attrs := []any{"trigger", req.Trigger, "requested_by", req.RequestedBy, "force", req.Force,
		"status", out.Status, "log_id", out.LogID, "rows", out.RowCount, "took_ms", millis(took)}
	switch {
	case out.Status == refreshlog.StatusBusy:
		r.log.InfoContext(ctx, "refresh not started: another one is running", append(attrs, "running_by", out.RunningBy)...)
	case err != nil && out.Status == refreshlog.StatusCancelled:
		r.log.WarnContext(ctx, "refresh cancelled", attrs...)
	case err != nil:
		r.log.ErrorContext(ctx, "refresh failed", append(attrs, "err", err)...)
	default:
		r.log.InfoContext(ctx, "refresh finished", attrs...)
	}
}

// Recover marks failed the running log rows left behind by processes that died during a refresh. Call it
// once on start.
func (r *Refresher) Recover(ctx context.Context) error {
	n, err := r.store.FailOrphanedRefreshes(ctx, "failed: the process running this refresh ended before it finished")
	if err != nil {
		return fmt.Errorf("recover orphaned refreshes: %w", err)
	}
	if n > 0 {
		r.log.WarnContext(ctx, "marked orphaned refresh runs as failed", "runs", n)
	}
	return nil
}

// Start begins a refresh in the background and returns at once. It returns an ECONFLICT *apperr.Error when
// a refresh is already running in this or another process; the background run itself can still find the
// lock taken (a race), which Last then reports.
func (r *Refresher) Start(ctx context.Context, req refreshlog.Request) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base.Err() != nil {
		return apperr.Conflict("sqpdash is shutting down")
	}
	run, ok, err := r.store.RunningRefresh(ctx)
	if err != nil {
		return fmt.Errorf("check for a running refresh: %w", err)
	}
	if ok {
		return apperr.Conflict("%s", busyMessage(run.Start, orTrigger(run.RequestedBy, run.Trigger)))
	}
	if r.running > 0 { // started here a moment ago, its log row not committed yet
		return apperr.Conflict("a refresh is already running")
	}
	r.spawn(req, r.Run)
	return nil
}

// StartOrQueue starts a refresh in the background or, when one is running in this or another process,
// queues one follow-up for when it ends (queued is then true). The background run tries anyway and
// queues the follow-up itself if it finds the refresh lock taken (RunOrQueue).
func (r *Refresher) StartOrQueue(ctx context.Context, req refreshlog.Request) (queued bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base.Err() != nil {
		return false, apperr.Conflict("sqpdash is shutting down")
	}
	_, running, err := r.store.RunningRefresh(ctx)
	if err != nil {
		return false, fmt.Errorf("check for a running refresh: %w", err)
	}
	if running || r.running > 0 {
		if err := r.store.QueueRefresh(ctx, req); err != nil {
			return false, fmt.Errorf("queue a refresh: %w", err)
		}
		queued = true
	}
	r.spawn(req, r.runOrWait)
	return queued, nil
}

// runOrWait is the background run of StartOrQueue: RunOrQueue, and when that left the request queued,
// wait for the running refresh to end and run the follow-up here, unless the process that ran that
// refresh (or any other) has run it first, which Run's settling then finds. If this process stops while
// it waits, the request stays queued for the next refresh to end or the schedule.
func (r *Refresher) runOrWait(ctx context.Context, req refreshlog.Request) (refreshlog.Outcome, error) {
	out, err := r.RunOrQueue(ctx, req)
	if err != nil || out.Status != refreshlog.StatusQueued {
		return out, err
	}
	if err := r.store.WaitRefreshLock(ctx); err != nil {
		return out, fmt.Errorf("wait for the running refresh to end: %w", err)
	}
	if _, queued, err := r.store.QueuedRefresh(ctx); err != nil || !queued {
		return out, err // another process ran the follow-up already
	}
	return r.RunOrQueue(ctx, req)
}

// spawn runs run(req) in the background and keeps its result for Last. The caller holds r.mu.
func (r *Refresher) spawn(req refreshlog.Request, run func(context.Context, refreshlog.Request) (refreshlog.Outcome, error)) {
	r.running++
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		out, err := run(r.base, req)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.running--
		r.last = &Finished{Request: req, Outcome: out, Err: err, At: time.Now()}
	}()
}

// Busy reports whether a background run of this process is in progress.
func (r *Refresher) Busy() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running > 0
}

// Last returns the result of the last background run of this process, if any.
func (r *Refresher) Last() (Finished, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		return Finished{}, false
	}
	return *r.last, true
}

// Shutdown cancels the background runs and waits until they are logged, or until ctx ends.
func (r *Refresher) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.cancel()
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the running refresh to stop: %w", ctx.Err())
	}
}

// millis is a duration in milliseconds with microsecond precision, readable in JSON logs.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func orTrigger(by, trigger string) string {
	if by != "" {
		return by
	}
	return trigger
}
