package bench

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMeasureSwap(t *testing.T) {
	t.Run("readers read throughout each apply and the longest read is reported", func(t *testing.T) {
		var reads atomic.Int64
		progress := make(chan struct{}, 1)
		var applies []bool
		c := SwapCase{
			View:     "public.v",
			Readers:  2,
			Baseline: time.Millisecond,
			Read: func(ctx context.Context, client, n int) error {
				reads.Add(1)
				select {
				case progress <- struct{}{}:
				default:
				}
				return nil
			},
			Apply: func(ctx context.Context, changed bool) (SwapApply, error) {
				applies = append(applies, changed)
				for start := reads.Load(); reads.Load() < start+10; {
					<-progress
				}
				return SwapApply{Build: 2 * time.Second, Swap: 30 * time.Millisecond, Tries: 1, Swapped: []string{"public.v"}}, nil
			},
		}
		res, err := MeasureSwap(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Runs) != 2 || !res.Runs[0].Changed || res.Runs[1].Changed || len(applies) != 2 {
			t.Fatalf("runs %+v, applies %v", res.Runs, applies)
		}
		for _, r := range res.Runs {
			if r.Reads < 10 || r.MaxMs < r.P50ms || r.BuildSeconds != 2 || r.SwapMs != 30 || r.Tries != 1 {
				t.Errorf("run %+v", r)
			}
		}
	})

	t.Run("a failed apply fails the measurement", func(t *testing.T) {
		c := SwapCase{
			Baseline: time.Millisecond,
			Read:     func(context.Context, int, int) error { return nil },
			Apply:    func(context.Context, bool) (SwapApply, error) { return SwapApply{}, errors.New("boom") },
		}
		if _, err := MeasureSwap(context.Background(), c); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("want the apply's error, got %v", err)
		}
	})
}

func TestWrapMaterializedQuery(t *testing.T) {
	in := "materialized \"m\" {\n  as = <<-SQL\n    SELECT 1\n  SQL\n}\n"
	got, err := WrapMaterializedQuery(in, "m")
	if err != nil {
		t.Fatal(err)
	}
	if want := "materialized \"m\" {\n  as = <<-SQL\n    SELECT * FROM (\n    SELECT 1\n    ) AS wrapped\n  SQL\n}\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := WrapMaterializedQuery(in, "other"); err == nil {
		t.Error("a missing view must be an error")
	}
}
