package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// RefreshStatusStore reads what the admin page shows about the segments and their refreshes.
type RefreshStatusStore interface {
	SegmentsStatus(ctx context.Context) (refreshlog.SegmentsStatus, error)
	// RefreshHistory returns a page of the refresh log, newest first, and the number of rows in all.
	RefreshHistory(ctx context.Context, limit, offset int) ([]refreshlog.Run, int, error)
	// RunningRefresh returns the refresh running now in any process, if any.
	RunningRefresh(ctx context.Context) (refreshlog.Run, bool, error)
	// QueuedRefresh returns the follow-up refresh queued for when the running one ends, if any.
	QueuedRefresh(ctx context.Context) (refreshlog.Queued, bool, error)
	// LastSuccessfulRefresh returns the newest successful run, if any (its duration estimates progress).
	LastSuccessfulRefresh(ctx context.Context) (refreshlog.Run, bool, error)
}

// RefreshStarter starts refreshes in the background; *refresh.Refresher implements it.
type RefreshStarter interface {
	// Start returns an ECONFLICT *apperr.Error when a refresh is already running anywhere.
	Start(ctx context.Context, req refreshlog.Request) error
	// StartOrQueue starts a refresh in the background or, when one is running anywhere, queues one
	// follow-up for when it ends (queued is then true).
	StartOrQueue(ctx context.Context, req refreshlog.Request) (queued bool, err error)
	// Busy reports whether this process is refreshing.
	Busy() bool
	// Last is the result of this process's last background refresh.
	Last() (refresh.Finished, bool)
}

// OpsOptions are the dependencies of the admin page and the operations endpoints.
type OpsOptions struct {
	Ready     ReadinessChecker
	Metrics   *Metrics
	Status    RefreshStatusStore
	Refresher RefreshStarter
	// Schedule reports the schedule's state, with the interval any instance last ran (read from the
	// database); nil when there is no schedule.
	Schedule func(ctx context.Context) (refresh.ScheduleState, error)
}

// requester names who is asking, for the refresh log: the signed-in user's email.
func (s *Server) requester(c echo.Context) string {
	if u, ok := UserFrom(c.Request().Context()); ok {
		return u.Email
	}
	return "anonymous@" + c.RealIP()
}
