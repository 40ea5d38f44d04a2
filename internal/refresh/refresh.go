// Package refresh is the one code path that refreshes the brand_product_segments materialized view. The
// admin button, the schedule, the end of an import and `sqpdash refresh` all go through Refresher.Run, so
// that every refresh is serialised by the database's advisory lock, logged, validated and measured the
// same way, whoever asked for it.
package refresh

import (
	"context"
	"fmt"
	"time"
)

// busyMessage is the user-facing answer when another session is refreshing.
func busyMessage(since time.Time, by string) string {
	if since.IsZero() {
		return "a refresh is already running"
	}
	since = since.Local()
	when := since.Format("15:04")
	if y, m, d := since.Date(); !sameDay(y, m, d, time.Now()) {
		when = since.Format("Jan 2 15:04")
	}
	if by == "" {
		return fmt.Sprintf("a refresh is already running (started %s)", when)
	}
	return fmt.Sprintf("a refresh is already running (started %s by %s)", when, by)
}

func sameDay(y int, m time.Month, d int, t time.Time) bool {
	ty, tm, td := t.Date()
	return y == ty && m == tm && d == td
}

// cancelTimeout bounds the clean-up after an interrupted refresh, which runs after the caller's context is
// already done (at shutdown).
const cancelTimeout = 15 * time.Second

// detached returns a context for clean-up work that must happen although ctx was cancelled.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
}
