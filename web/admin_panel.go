package web

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/views"
)

// historyPageSize is the number of refresh log rows per page.
const historyPageSize = 20

// lastResultShownFor is how long the result of a click stays on the panel.
const lastResultShownFor = 10 * time.Minute

// refreshPanel builds the Refresh now panel: running when this process or any other is refreshing.
// message, when set, is the answer to the click being handled; otherwise the panel tells the result of
// this process's last background refresh, if it is recent.
func (s *Server) refreshPanel(c echo.Context, message string) (views.RefreshPanel, error) {
	ctx := c.Request().Context()
	run, running, err := s.ops.Status.RunningRefresh(ctx)
	if err != nil {
		return views.RefreshPanel{}, fmt.Errorf("refresh panel: %w", err)
	}
	queued, hasQueued, err := s.ops.Status.QueuedRefresh(ctx)
	if err != nil {
		return views.RefreshPanel{}, fmt.Errorf("refresh panel: %w", err)
	}
	in := views.RefreshPanelInput{
		Queued:    queued,
		HasQueued: hasQueued,
		Running:   running || s.ops.Refresher.Busy(),
		Run:       run,
		Message:   message,
		Now:       time.Now(),
		ActionURL: s.echo.Reverse(routeAdminRefresh),
		PollURL:   s.echo.Reverse(routeAdminRefreshPoll),
		CSRFToken: CSRFToken(c),
	}
	if in.Running {
		last, ok, err := s.ops.Status.LastSuccessfulRefresh(ctx)
		if err != nil {
			return views.RefreshPanel{}, fmt.Errorf("refresh panel: %w", err)
		}
		if ok {
			in.LastDuration = last.Duration(last.End)
		}
	} else if message == "" {
		if f, ok := s.ops.Refresher.Last(); ok && time.Since(f.At) < lastResultShownFor {
			in.Message, in.MessageIsErr = finishedMessage(f)
		}
	}
	return views.NewRefreshPanel(in), nil
}

// finishedMessage says how a background refresh ended, in words for the person who clicked.
func finishedMessage(f refresh.Finished) (msg string, isErr bool) {
	if e, ok := apperr.As(f.Err); ok {
		return e.Message, e.Code != apperr.ECONFLICT
	}
	o := f.Outcome
	switch o.Status {
	case refreshlog.StatusSuccess:
		return fmt.Sprintf("Refreshed at %s: %s in %s.", o.End.Local().Format("15:04:05 MST"),
			views.Plural(o.RowCount, "segment row"), views.FormatDuration(o.Duration())), false
	case refreshlog.StatusSkipped:
		return "Nothing changed since the last refresh, so it was skipped. Tick \"refresh even if nothing changed\" to refresh anyway.", false
	case refreshlog.StatusQueued:
		return "Another refresh was running: a follow-up refresh is queued and runs as soon as it ends.", false
	case refreshlog.StatusCancelled:
		return "The refresh was cancelled.", true
	}
	if o.Error != "" {
		return "The refresh failed: " + o.Error, true
	}
	return "The refresh failed; the previous segments are still served. See the history below.", true
}

// adminStatus reads and formats the status column.
func (s *Server) adminStatus(ctx context.Context) (views.AdminStatus, error) {
	st, err := s.ops.Status.SegmentsStatus(ctx)
	if err != nil {
		return views.AdminStatus{}, fmt.Errorf("admin status: %w", err)
	}
	var sched refresh.ScheduleState
	if s.ops.Schedule != nil {
		if sched, err = s.ops.Schedule(ctx); err != nil {
			return views.AdminStatus{}, fmt.Errorf("admin status: %w", err)
		}
	}
	return views.NewAdminStatus(st, sched), nil
}

// refreshHistory reads and formats one page of the refresh log.
func (s *Server) refreshHistory(ctx context.Context, page int) (views.RefreshHistory, error) {
	runs, total, err := s.ops.Status.RefreshHistory(ctx, historyPageSize, (page-1)*historyPageSize)
	if err != nil {
		return views.RefreshHistory{}, fmt.Errorf("refresh history page %d: %w", page, err)
	}
	pageURL := func(p int) string { return s.echo.Reverse(routeAdmin) + "?page=" + strconv.Itoa(p) }
	partialURL := func(p int) string { return s.echo.Reverse(routeAdminHistory) + "?page=" + strconv.Itoa(p) }
	return views.NewRefreshHistory(runs, total, page, historyPageSize, time.Now(), pageURL, partialURL), nil
}

// historyPage parses the page query parameter (1 when absent).
func historyPage(c echo.Context) (int, error) {
	q, err := queryValues(c)
	if err != nil {
		return 0, err
	}
	v := q.Get("page")
	if v == "" {
		return 1, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 1_000_000 {
		return 0, apperr.Invalid("page", "want a page number from 1, got %q", v)
	}
	return p, nil
}

// renderRefreshUpdate answers htmx with the panel, plus the status and first history page out of band
// once no refresh runs any more.
func (s *Server) renderRefreshUpdate(c echo.Context, status int, message string) error {
	ctx := c.Request().Context()
	panel, err := s.refreshPanel(c, message)
	if err != nil {
		return err
	}
	if panel.Running {
		return render(c, status, views.RefreshPanelView(panel))
	}
	st, err := s.adminStatus(ctx)
	if err != nil {
		return err
	}
	hist, err := s.refreshHistory(ctx, 1)
	if err != nil {
		return err
	}
	return render(c, status, views.RefreshPanelUpdate(panel, st, hist))
}
