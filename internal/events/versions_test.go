package events_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/events"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// countingReader reads the real data version, counting the reads; while held, it answers the version it
// read last instead (a replica that has not replayed the newest commit yet).
type countingReader struct {
	db    *postgres.DB
	reads atomic.Int64

	mu   sync.Mutex
	held string
}

func (r *countingReader) DataVersion(ctx context.Context) (string, error) {
	r.reads.Add(1)
	r.mu.Lock()
	held := r.held
	r.mu.Unlock()
	if held != "" {
		return held, nil
	}
	return r.db.DataVersion(ctx)
}

func (r *countingReader) hold(v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = v
}

func TestVersionCache(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	reader := &countingReader{db: db}
	cache := events.NewVersionCache(reader)
	hub := events.NewHub(nil, cache)

	reads := func(n int) int64 {
		t.Helper()
		before := reader.reads.Load()
		for range n {
			if _, err := cache.DataVersion(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return reader.reads.Load() - before
	}
	if n := reads(3); n != 3 {
		t.Fatalf("before the listener connects: %d reads for 3 calls, want 3", n)
	}
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.ListenEvents(lctx, hub, postgres.ListenOptions{Retry: 10 * time.Millisecond})
	}()
	t.Cleanup(func() { stop(); <-done })
	waitUp(t, hub, 1)

	t.Run("while listening the version is read once", func(t *testing.T) {
		if n := reads(20); n != 1 {
			t.Fatalf("%d reads for 20 calls, want 1", n)
		}
	})
	t.Run("a change is seen within a second", func(t *testing.T) {
		old, _ := cache.DataVersion(ctx)
		if _, err := db.Pool().Exec(ctx, `INSERT INTO public.brands (brand_name, display_name) VALUES ('a', 'a')`); err != nil {
			t.Fatal(err)
		}
		want, err := db.DataVersion(ctx)
		if err != nil || want == old {
			t.Fatalf("version %q after the insert (%v), was %q", want, err, old)
		}
		waitVersion(t, cache, want)
		if n := reads(20); n != 0 {
			t.Fatalf("%d reads for 20 calls once the new version is kept, want 0", n)
		}
	})
	t.Run("a reader behind the newest notified version is read on every call", func(t *testing.T) {
		behind, _ := db.DataVersion(ctx)
		reader.hold(behind)
		if _, err := db.Pool().Exec(ctx, `INSERT INTO public.brands (brand_name, display_name) VALUES ('b', 'b')`); err != nil {
			t.Fatal(err)
		}
		want, _ := db.DataVersion(ctx)
		// Once the notification is in, the stale reader's answer is never kept.
		deadline := time.Now().Add(time.Second)
		for reads(2) != 2 {
			if time.Now().After(deadline) {
				t.Fatal("the lagging reader's version was still trusted a second after the change")
			}
		}
		reader.hold("") // the replica caught up
		waitVersion(t, cache, want)
		if n := reads(10); n != 0 {
			t.Fatalf("%d reads for 10 calls after catching up, want 0", n)
		}
	})
	t.Run("while the listener is down every call reads", func(t *testing.T) {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1`, postgres.EventListenerName).Scan(&n); err != nil || n != 1 {
			t.Fatalf("terminated %d listeners (%v)", n, err)
		}
		// Between the disconnection and the reconnection every call reads; after it, one read is kept.
		waitUp(t, hub, 2)
		if n := reads(10); n != 1 {
			t.Fatalf("%d reads for 10 calls after reconnecting, want 1", n)
		}
		cache.Disconnected()
		if n := reads(5); n != 5 {
			t.Fatalf("%d reads for 5 calls while disconnected, want 5", n)
		}
	})
}

func waitUp(t *testing.T, hub *events.Hub, connects int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		changed := hub.Changed()
		if up, n := hub.State(); up && n >= connects {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the listener did not connect %d times", connects)
		}
	}
}

// waitVersion calls DataVersion until it answers want, failing after a second.
func waitVersion(t *testing.T, cache *events.VersionCache, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		got, err := cache.DataVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("version %q a second after the change, want %q", got, want)
		}
	}
}
