// Package bench measures sqpdash: refreshes of the segments view next to the seed spec's view, the
// refresh's no-change check, the expansion query from the view and live from the base tables, and the
// dashboard over HTTP at several concurrencies. It writes the figures as markdown and JSON.
//
// It declares what it needs from storage and from the running server as small interfaces and plain
// values (Store, Target); cmd/sqpdash/bench.go builds them.
package bench

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Load is a closed-loop load: Clients goroutines each call Do back to back until Duration has passed.
// Do gets the client number and a per-client request counter, so that clients spread over the products.
type Load struct {
	Clients  int
	Duration time.Duration
	Do       func(ctx context.Context, client, n int) error
}

// LoadResult is what a Load achieved. Latencies are of successful calls only.
type LoadResult struct {
	Clients  int `json:"clients"`
	Requests int `json:"requests"`
	Errors   int `json:"errors"`
	// CutOff counts the calls still running when the load ended: neither successes nor failures.
	CutOff  int     `json:"cut_off"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"requests_per_second"`
	P50ms   float64 `json:"p50_ms"`
	P90ms   float64 `json:"p90_ms"`
	P99ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	// FirstError is one error's text, so that a run full of failures says why.
	FirstError string `json:"first_error,omitempty"`
	// ServerCPUPerReqMs is the server process's CPU time per successful request (HTTP loads only).
	ServerCPUPerReqMs float64 `json:"server_cpu_per_request_ms,omitempty"`
}

// Run runs the load and returns its latency distribution and throughput.
func (l Load) Run(ctx context.Context) LoadResult {
	// The clock starts before the deadline is set, so the elapsed time is never shorter than the load
	// (on a busy machine the set-up between the two took 13 ms once, and the rate came out too high).
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	type clientResult struct {
		latencies []time.Duration
		errors    int
		cutOff    int
		firstErr  error
	}
	results := make([]clientResult, l.Clients)
	var wg sync.WaitGroup
	for c := range l.Clients {
		wg.Go(func() {
			r := &results[c]
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				err := l.Do(ctx, c, n)
				d := time.Since(t0)
				switch {
				case ctx.Err() != nil:
					r.cutOff++
				case err != nil:
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
				default:
					r.latencies = append(r.latencies, d)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	out := LoadResult{Clients: l.Clients}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.latencies...)
		out.Errors += r.errors
		out.CutOff += r.cutOff
		if out.FirstError == "" && r.firstErr != nil {
			out.FirstError = r.firstErr.Error()
		}
	}
	out.fill(all, elapsed)
	return out
}

// fill sets the counts, throughput and percentiles from the successful calls' latencies.
func (r *LoadResult) fill(latencies []time.Duration, elapsed time.Duration) {
	slices.Sort(latencies)
	r.Seconds = elapsed.Seconds()
	r.Requests = len(latencies)
	r.PerSec = float64(len(latencies)) / elapsed.Seconds()
	r.P50ms = ms(quantile(latencies, 0.50))
	r.P90ms = ms(quantile(latencies, 0.90))
	r.P99ms = ms(quantile(latencies, 0.99))
	if len(latencies) > 0 {
		r.MaxMs = ms(latencies[len(latencies)-1])
	}
}

// quantile returns the q-quantile of sorted durations (nearest rank), 0 for none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
