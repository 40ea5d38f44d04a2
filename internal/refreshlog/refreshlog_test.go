package refreshlog

import (
	"testing"
	"time"
)

func TestDurations(t *testing.T) {
	start := time.Date(2026, 1, 4, 10, 0, 0, 0, time.UTC)
	if d := (Outcome{Start: start, End: start.Add(1500 * time.Millisecond)}).Duration(); d != 1500*time.Millisecond {
		t.Fatalf("Outcome.Duration = %s", d)
	}
	if d := (Outcome{Start: start}).Duration(); d != 0 {
		t.Fatalf("unfinished Outcome.Duration = %s, want 0", d)
	}
	if d := (Run{Start: start}).Duration(start.Add(time.Minute)); d != time.Minute {
		t.Fatalf("running Run.Duration = %s, want the time so far", d)
	}
}
