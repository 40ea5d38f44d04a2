package refresh

import (
	"testing"
	"time"
)

func TestBusyMessage(t *testing.T) {
	now := time.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 15, 4, 0, 0, time.Local)
	lastYear := time.Date(now.Year()-1, time.March, 2, 9, 30, 0, 0, time.Local)
	for _, tc := range []struct {
		name  string
		since time.Time
		by    string
		want  string
	}{
		{"today: the time and who", today, "alice", "a refresh is already running (started 15:04 by alice)"},
		{"another day: the date too", lastYear, "schedule", "a refresh is already running (started Mar 2 09:30 by schedule)"},
		{"nobody named: only the time", today, "", "a refresh is already running (started 15:04)"},
		{"unknown start: no details", time.Time{}, "alice", "a refresh is already running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := busyMessage(tc.since, tc.by); got != tc.want {
				t.Fatalf("busyMessage = %q, want %q", got, tc.want)
			}
		})
	}
}
