package auth

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// HashLimits bound the argon2id computations of sign-ins, each of which holds Params.Memory (64 MiB by
// default) for about a tenth of a second: without a bound, a burst of logins makes the server allocate
// that much per request at once.
type HashLimits struct {
	// Concurrent is how many hashes run at the same time.
	Concurrent int
	// Queue is how many sign-ins may wait for a free slot; one more is refused with ErrBusy at once.
	Queue int
	// Wait is how long a sign-in waits for a slot before it is refused with ErrBusy.
	Wait time.Duration
}

// DefaultHashLimits: two hashes at a time (each already uses two cores' worth of lanes), eight waiting,
// for at most twenty seconds: a hash takes a tenth of a second on an idle machine, but over a second on
// a loaded one, and a rightful sign-in should rather wait than be refused.
func DefaultHashLimits() HashLimits {
	return HashLimits{Concurrent: 2, Queue: 8, Wait: 20 * time.Second}
}

// hashGate hands out the slots of HashLimits.
type hashGate struct {
	slots   chan struct{}
	waiting atomic.Int64
	limits  HashLimits
	memory  int64 // bytes one hash holds (Params.Memory)
}

func newHashGate(l HashLimits, memory int64) *hashGate {
	return &hashGate{slots: make(chan struct{}, l.Concurrent), limits: l, memory: memory}
}

// acquire takes a slot, waiting in the bounded queue; ErrBusy when the queue is full or the wait too long.
func (g *hashGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		g.took()
		return nil
	default:
	}
	if g.waiting.Add(1) > int64(g.limits.Queue) {
		g.waiting.Add(-1)
		return ErrBusy
	}
	defer g.waiting.Add(-1)
	timer := time.NewTimer(g.limits.Wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		g.took()
		return nil
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ErrBusy
	}
}

// took prepares a taken slot for its hash. It collects the garbage first: `sqpdash serve` runs its
// collector only at the memory limit, so the heap may hold up to the limit of garbage (at start-up, the
// dummy hash of NewPasswordHasher; under load, render buffers). The hash then reuses that memory instead
// of growing the process by Params.Memory on top of it (the server's peak RSS was 154 MB for 48 MB of
// budget, the response cache and one sign-in). Then the limit grows by the hash's memory, so that the
// collector does not run back to back while it holds it.
func (g *hashGate) took() {
	runtime.GC()
	addMemoryLimit(g.memory)
}

// release frees the slot. It first collects the garbage: the hash's memory is garbage now, and the next
// hash (in this slot) reuses it instead of growing the heap by another Params.Memory before the
// collector would run on its own. A collection costs far less than the hash it follows.
func (g *hashGate) release() {
	runtime.GC()
	addMemoryLimit(-g.memory)
	<-g.slots
}

// memoryLimitMu orders the changes of addMemoryLimit, each a read and a write of the runtime's limit.
var memoryLimitMu sync.Mutex

// addMemoryLimit moves the process's soft memory limit (the one `sqpdash serve` sets; none in tests) by
// delta bytes: a slot's hash is part of the memory budget while it runs. Without it, two hashes (128 MiB
// by default) over the serve limit (48 MiB plus the response cache) made the collector run back to back,
// on up to half the CPU, for as long as strangers kept signing in.
func addMemoryLimit(delta int64) {
	memoryLimitMu.Lock()
	defer memoryLimitMu.Unlock()
	if limit := debug.SetMemoryLimit(-1); limit != math.MaxInt64 {
		debug.SetMemoryLimit(limit + delta)
	}
}
