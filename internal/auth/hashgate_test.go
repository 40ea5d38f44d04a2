package auth

import (
	"context"
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestHashGate(t *testing.T) {
	ctx := context.Background()

	t.Run("a full queue is refused at once, a waiter gets the freed slot", func(t *testing.T) {
		g := newHashGate(HashLimits{Concurrent: 1, Queue: 1, Wait: time.Hour}, 0)
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		go func() { waited <- g.acquire(ctx) }()
		for g.waiting.Load() != 1 {
			select {
			case err := <-waited:
				t.Fatalf("the waiter returned %v while the slot was taken", err)
			default:
			}
			// The waiter has not queued yet: let it run.
			time.Sleep(time.Millisecond)
		}
		if err := g.acquire(ctx); !errors.Is(err, ErrBusy) {
			t.Fatalf("third caller with one slot and one place in the queue: %v, want ErrBusy", err)
		}
		g.release()
		if err := <-waited; err != nil {
			t.Fatalf("waiter after the release: %v", err)
		}
		g.release()
	})
	t.Run("a waiter gives up after the wait", func(t *testing.T) {
		g := newHashGate(HashLimits{Concurrent: 1, Queue: 4, Wait: time.Millisecond}, 0)
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
		if err := g.acquire(ctx); !errors.Is(err, ErrBusy) {
			t.Fatalf("got %v, want ErrBusy", err)
		}
		if n := g.waiting.Load(); n != 0 {
			t.Errorf("%d still counted as waiting", n)
		}
	})
	t.Run("a waiter whose request is gone gives up", func(t *testing.T) {
		g := newHashGate(HashLimits{Concurrent: 1, Queue: 4, Wait: time.Hour}, 0)
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
		gone, cancel := context.WithCancel(ctx)
		cancel()
		if err := g.acquire(gone); !errors.Is(err, ErrBusy) {
			t.Fatalf("got %v, want ErrBusy", err)
		}
	})
}

// TestHashGateMemoryLimit: while a slot is taken the soft memory limit has room for its hash, and it is
// back where it was once the slot is freed; with no limit set (tests, GOMEMLIMIT=off) none is made up.
func TestHashGateMemoryLimit(t *testing.T) {
	ctx := context.Background()
	const base, hash = 120 << 20, 64 << 20
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })

	debug.SetMemoryLimit(base)
	g := newHashGate(HashLimits{Concurrent: 2, Queue: 1, Wait: time.Hour}, hash)
	for want := int64(base + hash); want <= base+2*hash; want += hash {
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != want {
			t.Fatalf("limit with %d slots taken: %d, want %d", (want-base)/hash, got, want)
		}
	}
	g.release()
	g.release()
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Fatalf("limit after the releases: %d, want %d", got, base)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	if err := g.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("no limit set: a slot made one of %d", got)
	}
	g.release()
}

// garbageSink keeps TestHashGateCollectsBeforeAHash's garbage on the heap until it drops it.
var garbageSink []byte

// TestHashGateCollectsBeforeAHash: with the collector off (as `sqpdash serve` runs it, until the memory
// limit), a slot is not handed to a hash before the garbage already on the heap is collected, so that the
// hash's memory reuses it instead of adding to it.
func TestHashGateCollectsBeforeAHash(t *testing.T) {
	const garbage = 64 << 20
	old := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	garbageSink = make([]byte, garbage)
	garbageSink = nil
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if before.HeapAlloc < garbage {
		t.Fatalf("heap before the slot: %d bytes, want the %d bytes of garbage still on it", before.HeapAlloc, garbage)
	}
	g := newHashGate(HashLimits{Concurrent: 1, Queue: 1, Wait: time.Hour}, 0)
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	g.release()
	if after.HeapAlloc > before.HeapAlloc-garbage/2 {
		t.Fatalf("heap with the slot taken: %d bytes (before: %d): the garbage was not collected", after.HeapAlloc, before.HeapAlloc)
	}
}
