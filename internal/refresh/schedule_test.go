package refresh_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// TestMain gives the package a private PostgreSQL cluster: the schedule's claims are tested against the
// database that arbitrates between instances.
func TestMain(m *testing.M) { pgtest.Main(m) }

// instance is one `serve` instance's scheduler, driven by the test's ticks.
type instance struct {
	name  string
	sched *refresh.Scheduler
	ticks chan time.Time
	done  chan struct{}
}

func startInstance(t *testing.T, db *postgres.DB, name string, every time.Duration) *instance {
	t.Helper()
	in := &instance{name: name, ticks: make(chan time.Time), done: make(chan struct{})}
	in.sched = refresh.NewScheduler(refresh.New(db, refresh.Options{}), db, every, refresh.ScheduleOptions{Instance: name, Ticks: in.ticks})
	go func() {
		defer close(in.done)
		in.sched.Run(context.Background())
	}()
	t.Cleanup(in.stop)
	return in
}

// stop closes the ticks and waits until Run has returned, so every tick sent is fully handled.
func (in *instance) stop() {
	select {
	case <-in.done:
		return
	default:
	}
	close(in.ticks)
	<-in.done
}

// tickAll starts one scheduler per name, hands each a tick at at (all at once) and returns their states
// once every tick is fully handled (the ticks channel closed and Run returned).
func tickAll(t *testing.T, db *postgres.DB, every time.Duration, at time.Time, names ...string) map[string]refresh.ScheduleState {
	t.Helper()
	ins := make([]*instance, len(names))
	for i, n := range names {
		ins[i] = startInstance(t, db, n, every)
	}
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.ticks <- at
			in.stop()
		}()
	}
	wg.Wait()
	states := map[string]refresh.ScheduleState{}
	for _, in := range ins {
		st, err := in.sched.State(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		states[in.name] = st
	}
	return states
}

// scheduledRuns returns the refresh log's schedule-triggered rows, newest first.
func scheduledRuns(t *testing.T, db *postgres.DB) []refreshlog.Run {
	t.Helper()
	runs, _, err := db.RefreshHistory(context.Background(), 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []refreshlog.Run
	for _, r := range runs {
		if r.Trigger == string(refreshlog.TriggerSchedule) {
			out = append(out, r)
		}
	}
	return out
}

// changeData imports one more week for an ASIN, so that base data changed since the last refresh.
func changeData(t *testing.T, db *postgres.DB, week string) {
	t.Helper()
	_, err := db.Pool().Exec(context.Background(), `
		WITH w AS (
			INSERT INTO sqp.asin_performance_data (asin, start_date, end_date)
			VALUES ('B0SCHED001', $1::date, $1::date + 6) RETURNING id
		)
		INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count, asin_impression_count)
		SELECT w.id, 'red shoes', 1000, 100 FROM w`, week)
	if err != nil {
		t.Fatalf("import week %s: %v", week, err)
	}
}

// refreshNow refreshes the segments as `sqpdash refresh` would, so that nothing has changed since.
func refreshNow(t *testing.T, db *postgres.DB) {
	t.Helper()
	out, err := refresh.New(db, refresh.Options{}).Run(context.Background(), refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test"})
	if err != nil || out.Status != refreshlog.StatusSuccess {
		t.Fatalf("refresh: %+v, %v", out, err)
	}
}

// openDB opens a fresh database of the test's own.
func openDB(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestScheduleRunsOncePerIntervalAcrossInstances(t *testing.T) {
	t.Parallel()
	const every = time.Hour
	base := time.Date(2030, 1, 6, 10, 0, 0, 0, time.UTC) // an interval starts here (binned from the epoch)

	t.Run("the first tick of an interval refreshes; the other instance's later tick does not, though data changed again", func(t *testing.T) {
		t.Parallel()
		db := openDB(t)
		changeData(t, db, "2026-01-04")
		a := tickAll(t, db, every, base.Add(5*time.Minute), "web-a")["web-a"]
		runs := scheduledRuns(t, db)
		if len(runs) != 1 || runs[0].Status != refreshlog.StatusSuccess || runs[0].RequestedBy != "schedule on web-a" {
			t.Fatalf("scheduled runs = %+v, want one success requested by schedule on web-a", runs)
		}
		if a.LastNote != "refresh success" || !a.HasLast || a.Last.ClaimedBy != "web-a" || a.Last.Outcome != "refresh success" || a.Last.FinishedAt.IsZero() {
			t.Fatalf("web-a state = %+v, want its claim finished with refresh success", a)
		}
		if !a.Last.IntervalStart.Equal(base) || !a.Last.IntervalEnd.Equal(base.Add(every)) {
			t.Fatalf("claimed interval %s – %s, want %s – %s", a.Last.IntervalStart, a.Last.IntervalEnd, base, base.Add(every))
		}
		changeData(t, db, "2026-01-11")
		b := tickAll(t, db, every, base.Add(40*time.Minute), "web-b")["web-b"]
		if runs := scheduledRuns(t, db); len(runs) != 1 {
			t.Fatalf("%d scheduled runs after web-b's tick in the same interval, want still 1: %+v", len(runs), runs)
		}
		if !strings.HasPrefix(b.LastNote, "this interval was served by web-a at ") || b.Last.ClaimedBy != "web-a" {
			t.Fatalf("web-b state = %+v, want it to say web-a served the interval", b)
		}

		// The next interval: the first tick refreshes what changed meanwhile, the other's does not.
		tickAll(t, db, every, base.Add(every+time.Second), "web-b")
		tickAll(t, db, every, base.Add(every+59*time.Minute), "web-a")
		runs = scheduledRuns(t, db)
		if len(runs) != 2 || runs[0].RequestedBy != "schedule on web-b" || runs[0].Status != refreshlog.StatusSuccess {
			t.Fatalf("scheduled runs = %+v, want a second one, by web-b", runs)
		}
	})

	t.Run("ticks of both instances at the same moment: exactly one refreshes, in every interval", func(t *testing.T) {
		t.Parallel()
		db := openDB(t)
		weeks := []string{"2026-01-04", "2026-01-11", "2026-01-18", "2026-01-25", "2026-02-01", "2026-02-08"}
		for i, week := range weeks {
			changeData(t, db, week)
			states := tickAll(t, db, every, base.Add(time.Duration(i)*every), "web-a", "web-b")
			if got := len(scheduledRuns(t, db)); got != i+1 {
				t.Fatalf("interval %d: %d scheduled runs, want %d", i, got, i+1)
			}
			served := 0
			for _, st := range states {
				if strings.HasPrefix(st.LastNote, "this interval was served by ") {
					served++
				}
			}
			if served != 1 {
				t.Fatalf("interval %d: %d instances found the interval served, want exactly 1: %+v", i, served, states)
			}
		}
	})

	t.Run("an idle interval: no refresh and no log row; the claim says nothing changed", func(t *testing.T) {
		t.Parallel()
		db := openDB(t)
		refreshNow(t, db)
		st := tickAll(t, db, every, base, "web-a")["web-a"]
		if runs := scheduledRuns(t, db); len(runs) != 0 {
			t.Fatalf("scheduled runs %+v on an idle database, want none", runs)
		}
		if st.LastNote != "nothing changed since the last refresh" || st.Last.Outcome != st.LastNote || st.Every != every || st.Next.IsZero() {
			t.Fatalf("state = %+v", st)
		}
	})

	t.Run("an instance with a shorter interval claims only once the claimed interval has ended", func(t *testing.T) {
		t.Parallel()
		db := openDB(t)
		refreshNow(t, db)
		tickAll(t, db, every, base, "web-a") // claims base .. base+1h: nothing changed
		changeData(t, db, "2026-03-01")
		half := every / 2
		tickAll(t, db, half, base.Add(half), "web-c")
		if runs := scheduledRuns(t, db); len(runs) != 0 {
			t.Fatalf("scheduled runs = %+v, want none inside web-a's interval", runs)
		}
		tickAll(t, db, half, base.Add(every), "web-c")
		if runs := scheduledRuns(t, db); len(runs) != 1 || runs[0].RequestedBy != "schedule on web-c" {
			t.Fatalf("scheduled runs = %+v, want web-c's once web-a's interval ended", runs)
		}
	})
}
