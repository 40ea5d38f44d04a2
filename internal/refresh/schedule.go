package refresh

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// Scheduler refreshes the segments every period. A tick first asks whether base data changed since the
// last successful refresh (one small read), so an idle database costs neither a refresh nor a log row.
type Scheduler struct {
	refresher *Refresher
	every     time.Duration
	log       *slog.Logger

	mu        sync.Mutex
	next      time.Time
	lastCheck time.Time
	lastNote  string
}

// ScheduleState is what the admin page shows about the schedule.
type ScheduleState struct {
	// Every is the period; 0 means the schedule is off.
	Every     time.Duration
	Next      time.Time
	LastCheck time.Time
	// LastNote says what the last tick did ("nothing changed", "refreshed", the error).
	LastNote string
}

// NewScheduler returns a scheduler that refreshes every period; every <= 0 disables it.
func NewScheduler(r *Refresher, every time.Duration, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{refresher: r, every: every, log: log}
}

// Run ticks until ctx ends. A refresh running when ctx ends is cancelled and logged as cancelled.
func (s *Scheduler) Run(ctx context.Context) {
	if s.every <= 0 {
		return
	}
	ticker := time.NewTicker(s.every)
	defer ticker.Stop()
	s.setNext(time.Now().Add(s.every))
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			s.setNext(now.Add(s.every))
			s.tick(ctx)
		}
	}
}

func (s *Scheduler) tick(ctx context.Context) {
	changed, err := s.refresher.store.SegmentSourceChanged(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "scheduled refresh: check for changes", "err", err)
		s.note("could not check for changes: " + err.Error())
		return
	}
	// A queued follow-up nobody ran (the refresh it waited for ran outside sqpdash, or its process
	// died) runs now; Run drops it once covered.
	if _, queued, err := s.refresher.store.QueuedRefresh(ctx); err == nil && queued {
		changed = true
	}
	if !changed {
		s.log.DebugContext(ctx, "scheduled refresh skipped: nothing changed")
		s.note("nothing changed since the last refresh")
		return
	}
	out, err := s.refresher.Run(ctx, refreshlog.Request{Trigger: refreshlog.TriggerSchedule, RequestedBy: "schedule"})
	if e, ok := apperr.As(err); ok {
		s.note(e.Message)
		return
	}
	s.note("refresh " + string(out.Status))
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

// State returns the schedule's period, next run and last result.
func (s *Scheduler) State() ScheduleState {
	if s == nil {
		return ScheduleState{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return ScheduleState{Every: s.every, Next: s.next, LastCheck: s.lastCheck, LastNote: s.lastNote}
}
