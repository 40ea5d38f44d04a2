package refresh

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// ClaimStore shares the schedule between the `serve` instances of one database: each interval is
// claimed by the first tick that asks, in any instance. internal/postgres implements it.
type ClaimStore interface {
	// ClaimScheduleInterval claims for instance the interval (every long) that contains at, unless a
	// tick already claimed it; a zero at means the database's clock. claimed is false when the interval
	// was served already.
	ClaimScheduleInterval(ctx context.Context, at time.Time, every time.Duration, instance string) (claim refreshlog.ScheduleClaim, claimed bool, err error)
	// FinishScheduleInterval records what the claiming tick did.
	FinishScheduleInterval(ctx context.Context, claim refreshlog.ScheduleClaim, outcome string) error
	// LastScheduleClaim returns the newest claimed interval, if any.
	LastScheduleClaim(ctx context.Context) (refreshlog.ScheduleClaim, bool, error)
}

// Scheduler refreshes the segments every period. Every instance runs one, and the intervals are shared:
// a tick first claims its interval in the database (ClaimStore), and only the tick that claims it goes
// on, so N instances make one check per interval, not N back to back (the advisory lock would only
// serialise them). The claiming tick asks whether base data changed since the last successful refresh
// (one small read), so an idle database costs neither a refresh nor a log row.
type Scheduler struct {
	refresher *Refresher
	claims    ClaimStore
	every     time.Duration
	instance  string
	ticks     <-chan time.Time
	log       *slog.Logger

	mu        sync.Mutex
	next      time.Time
	lastCheck time.Time
	lastNote  string
}

// ScheduleOptions configures a Scheduler.
type ScheduleOptions struct {
	Logger *slog.Logger
	// Instance names this process in the claims and on the admin page ("web-1 (pid 4242)").
	Instance string
	// Ticks replaces the timer, and the times it sends replace the database's clock in the claims: tests
	// drive the schedule with it. Run returns when it is closed.
	Ticks <-chan time.Time
}

// ScheduleState is what the admin page shows about the schedule.
type ScheduleState struct {
	// Every is the period; 0 means the schedule is off.
	Every time.Duration
	// Instance names this process.
	Instance string
	// Next is this instance's next tick.
	Next time.Time
	// LastCheck is this instance's last tick.
	LastCheck time.Time
	// LastNote says what this instance's last tick did ("nothing changed", "refresh success", "served by
	// another instance", the error).
	LastNote string
	// Last is the newest interval any instance claimed, if HasLast: when and where the schedule last ran.
	Last    refreshlog.ScheduleClaim
	HasLast bool
}

// NewScheduler returns a scheduler that refreshes every period through r, sharing the intervals with
// the other instances through claims; every <= 0 disables it.
func NewScheduler(r *Refresher, claims ClaimStore, every time.Duration, opts ScheduleOptions) *Scheduler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{refresher: r, claims: claims, every: every, instance: opts.Instance, ticks: opts.Ticks, log: log}
}

// Run ticks until ctx ends (or, with ScheduleOptions.Ticks, until that channel is closed). A refresh
// running when ctx ends is cancelled and logged as cancelled.
func (s *Scheduler) Run(ctx context.Context) {
	if s.every <= 0 {
		return
	}
	ticks, tickClock := s.ticks, true
	if ticks == nil {
		ticker := time.NewTicker(s.every)
		defer ticker.Stop()
		ticks, tickClock = ticker.C, false
	}
	s.setNext(time.Now().Add(s.every))
	for {
		select {
		case <-ctx.Done():
			return
		case now, ok := <-ticks:
			if !ok {
				return
			}
			s.setNext(now.Add(s.every))
			at := time.Time{} // the database's clock: the same for every instance
			if tickClock {
				at = now
			}
			s.tick(ctx, at)
		}
	}
}

// tick claims the interval of at and, when this tick is the first of the interval, checks and refreshes.
func (s *Scheduler) tick(ctx context.Context, at time.Time) {
	claim, claimed, err := s.claims.ClaimScheduleInterval(ctx, at, s.every, s.instance)
	if err != nil {
		s.log.ErrorContext(ctx, "scheduled refresh: claim the interval", "err", err)
		s.note("could not claim the interval: " + err.Error())
		return
	}
	if !claimed {
		s.log.DebugContext(ctx, "scheduled refresh skipped: another tick served this interval")
		s.note(s.servedElsewhere(ctx))
		return
	}
	note := s.check(ctx)
	s.note(note)
	if err := s.claims.FinishScheduleInterval(context.WithoutCancel(ctx), claim, note); err != nil {
		s.log.WarnContext(ctx, "scheduled refresh: record the outcome", "err", err)
	}
}

// servedElsewhere says which tick served the interval this tick found claimed.
func (s *Scheduler) servedElsewhere(ctx context.Context) string {
	last, ok, err := s.claims.LastScheduleClaim(ctx)
	if err != nil || !ok {
		return "this interval was served already"
	}
	return fmt.Sprintf("this interval was served by %s at %s", last.ClaimedBy, last.ClaimedAt.Local().Format("15:04:05"))
}

// check refreshes when base data changed (or a queued follow-up waits) and says what it did.
func (s *Scheduler) check(ctx context.Context) string {
	changed, err := s.refresher.store.SegmentSourceChanged(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "scheduled refresh: check for changes", "err", err)
		return "could not check for changes: " + err.Error()
	}
	// A queued follow-up nobody ran (the refresh it waited for ran outside sqpdash, or its process
	// died) runs now; Run drops it once covered.
	if _, queued, err := s.refresher.store.QueuedRefresh(ctx); err == nil && queued {
		changed = true
	}
	if !changed {
		s.log.DebugContext(ctx, "scheduled refresh skipped: nothing changed")
		return "nothing changed since the last refresh"
	}
	out, err := s.refresher.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerSchedule, RequestedBy: s.requester()})
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return "refresh " + string(out.Status)
}

// requester names the schedule in the refresh log: "schedule", and on which instance.
func (s *Scheduler) requester() string {
	if s.instance == "" {
		return "schedule"
	}
	return "schedule on " + s.instance
}

func (s *Scheduler) setNext(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = t
}

func (s *Scheduler) note(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastCheck = time.Now()
	s.lastNote = msg
}

// State returns the schedule's period, this instance's next and last tick, and the newest interval any
// instance claimed (read from the database).
func (s *Scheduler) State(ctx context.Context) (ScheduleState, error) {
	if s == nil {
		return ScheduleState{}, nil
	}
	s.mu.Lock()
	st := ScheduleState{Every: s.every, Instance: s.instance, Next: s.next, LastCheck: s.lastCheck, LastNote: s.lastNote}
	s.mu.Unlock()
	// Read even when this instance's schedule is off: another instance's may run.
	last, ok, err := s.claims.LastScheduleClaim(ctx)
	if err != nil {
		return st, fmt.Errorf("schedule state: %w", err)
	}
	st.Last, st.HasLast = last, ok
	return st, nil
}
