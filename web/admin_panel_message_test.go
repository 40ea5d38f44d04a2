package web

import (
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

func TestFinishedMessageReadsLikeTheAdminPage(t *testing.T) {
	start := time.Date(2026, 11, 27, 11, 54, 58, 0, time.Local)
	msg, isErr := finishedMessage(refresh.Finished{Outcome: refreshlog.Outcome{
		Status: refreshlog.StatusSuccess, RowCount: 20109, Start: start, End: start.Add(2011 * time.Millisecond),
	}})
	if isErr {
		t.Fatalf("a success is shown as an error: %q", msg)
	}
	t.Run("row count with thousands separators, as in the history", func(t *testing.T) {
		if !strings.Contains(msg, " 20,109 segment rows") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("time with its zone, as in the history", func(t *testing.T) {
		if want := start.Add(2011*time.Millisecond).Format("15:04:05 MST") + ":"; !strings.Contains(msg, want) {
			t.Errorf("message %q, want it to contain %q", msg, want)
		}
	})
}
