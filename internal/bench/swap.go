package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// SwapCase measures what readers wait during `schema apply` of a changed materialized view SQL: the view
// is built beside the serving one and swapped in (docs/schema-apply.md), so reads should wait at most
// the swap's few milliseconds, not the build's seconds.
type SwapCase struct {
	// View is the materialized view whose SQL the applies change.
	View string
	// Apply applies the schema with the view's query changed (changed) or as it was, and reports what the
	// apply said about its build and swap.
	Apply func(ctx context.Context, changed bool) (SwapApply, error)
	// Read is one dashboard read of the view (client is the reader's number, n its read counter).
	Read func(ctx context.Context, client, n int) error
	// Readers is the number of concurrent readers (default 4).
	Readers int
	// Baseline is how long the readers read before each apply, for comparison (default 2 s).
	Baseline time.Duration
}

// SwapApply is what one apply reported.
type SwapApply struct {
	Build, Swap time.Duration
	Tries       int
	Swapped     []string
}

// SwapRun is one apply with readers reading throughout.
type SwapRun struct {
	Changed      bool     `json:"changed_sql"` // false: the apply back to the original SQL
	ApplySeconds float64  `json:"apply_seconds"`
	BuildSeconds float64  `json:"build_seconds"`
	SwapMs       float64  `json:"swap_held_ms"`
	Tries        int      `json:"swap_tries"`
	Swapped      []string `json:"swapped"`
	Reads        int      `json:"reads"`
	Errors       int      `json:"read_errors"`
	FirstError   string   `json:"first_error,omitempty"`
	P50ms        float64  `json:"read_p50_ms"`
	P99ms        float64  `json:"read_p99_ms"`
	MaxMs        float64  `json:"read_max_ms"`
	// MaxBaselineMs is the longest read of the same readers for as long before the apply, for comparison
	// on a busy machine.
	MaxBaselineMs float64 `json:"read_max_before_apply_ms"`
}

// SwapResult is the swap measurement of one scale.
type SwapResult struct {
	View string    `json:"view"`
	Runs []SwapRun `json:"runs"`
}

// swapBaseline is the default of SwapCase.Baseline.
const swapBaseline = 2 * time.Second

// MeasureSwap applies the changed SQL, then the original one, each while readers read the view back to
// back, and returns the longest read of each.
func MeasureSwap(ctx context.Context, c SwapCase) (SwapResult, error) {
	res := SwapResult{View: c.View}
	readers, baseline := c.Readers, c.Baseline
	if readers <= 0 {
		readers = 4
	}
	if baseline <= 0 {
		baseline = swapBaseline
	}
	for _, changed := range []bool{true, false} {
		run := SwapRun{Changed: changed}
		base := readWhile(ctx, readers, c.Read, func(context.Context) error {
			t := time.NewTimer(baseline)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		})
		run.MaxBaselineMs = ms(base.max)
		var applied SwapApply
		start := time.Now()
		during := readWhile(ctx, readers, c.Read, func(ctx context.Context) error {
			var err error
			applied, err = c.Apply(ctx, changed)
			return err
		})
		if during.err != nil {
			return res, fmt.Errorf("swap: apply (changed SQL %t): %w", changed, during.err)
		}
		run.ApplySeconds = time.Since(start).Seconds()
		run.BuildSeconds, run.SwapMs, run.Tries, run.Swapped = applied.Build.Seconds(), ms(applied.Swap), applied.Tries, applied.Swapped
		run.Reads, run.Errors, run.FirstError = len(during.latencies), during.errors, during.firstErr
		slices.Sort(during.latencies)
		run.P50ms, run.P99ms, run.MaxMs = ms(quantile(during.latencies, 0.5)), ms(quantile(during.latencies, 0.99)), ms(during.max)
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}

type readStats struct {
	latencies []time.Duration
	max       time.Duration
	errors    int
	firstErr  string
	err       error // of the work the readers read around
}

// readWhile runs readers back to back until work returns.
func readWhile(ctx context.Context, readers int, read func(ctx context.Context, client, n int) error, work func(context.Context) error) readStats {
	var (
		mu    sync.Mutex
		stats readStats
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for c := range readers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				err := read(ctx, c, n)
				d := time.Since(start)
				mu.Lock()
				if err != nil {
					stats.errors++
					if stats.firstErr == "" {
						stats.firstErr = err.Error()
					}
				} else {
					stats.latencies = append(stats.latencies, d)
				}
				stats.max = max(stats.max, d)
				mu.Unlock()
			}
		})
	}
	stats.err = work(ctx)
	close(stop)
	wg.Wait()
	return stats
}

// WrapMaterializedQuery returns schema text with the named materialized view's query wrapped in
// SELECT * FROM (...) AS wrapped: the same rows through a different definition, which `schema apply`
// sees as a changed view.
func WrapMaterializedQuery(text, name string) (string, error) {
	lines := strings.Split(text, "\n")
	start := slices.Index(lines, `materialized "`+name+`" {`)
	if start < 0 {
		return "", fmt.Errorf("no materialized %q block", name)
	}
	as, end := -1, -1
	for i := start; i < len(lines) && lines[i] != "}"; i++ {
		if f := strings.Fields(lines[i]); len(f) == 3 && f[0] == "as" && f[1] == "=" && f[2] == "<<-SQL" {
			as = i
			break
		}
	}
	for i := as + 1; as >= 0 && i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "SQL" {
			end = i
			break
		}
	}
	if as < 0 || end < 0 {
		return "", fmt.Errorf("materialized %q has no as = <<-SQL ... SQL query", name)
	}
	indent := lines[as+1][:len(lines[as+1])-len(strings.TrimLeft(lines[as+1], " "))]
	out := slices.Concat(lines[:as+1], []string{indent + "SELECT * FROM ("}, lines[as+1:end], []string{indent + ") AS wrapped"}, lines[end:])
	return strings.Join(out, "\n"), nil
}

// writeSwapRows adds the swap table to the markdown report: per scale, the longest dashboard read while
// `schema apply` changed the view's SQL, next to how long the build took.
func writeSwapRows(p func(string, ...any), header func(string), row func(string, func(ScaleResult) string), scales []ScaleResult) {
	if len(scales) == 0 || scales[0].Swap == nil {
		return
	}
	p("\n## Readers during `schema apply` of a changed materialized view SQL (%s built beside, then swapped in)\n\n", scales[0].Swap.View)
	header("")
	for i, what := range []string{"changed SQL", "back to the original SQL"} {
		row("longest read during the apply, "+what+" (p50 / p99 / max ms, reads; longest before the apply)", func(s ScaleResult) string {
			if s.Swap == nil || i >= len(s.Swap.Runs) {
				return "–"
			}
			x := s.Swap.Runs[i]
			cell := fmt.Sprintf("%.1f / %.1f / **%.0f** ms, %d reads; %.0f ms", x.P50ms, x.P99ms, x.MaxMs, x.Reads, x.MaxBaselineMs)
			if x.Errors > 0 {
				cell += fmt.Sprintf(" · %d errors (%s)", x.Errors, x.FirstError)
			}
			return cell
		})
		row("apply, "+what+": total / build beside / swap held", func(s ScaleResult) string {
			if s.Swap == nil || i >= len(s.Swap.Runs) {
				return "–"
			}
			x := s.Swap.Runs[i]
			return fmt.Sprintf("%.1f s / %.1f s / %.0f ms (try %d)", x.ApplySeconds, x.BuildSeconds, x.SwapMs, x.Tries)
		})
	}
}
