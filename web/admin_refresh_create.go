package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// adminRefreshCreate serves POST /admin/refresh (the Refresh now button; the CSRF middleware has checked
// the token). It starts the refresh in the background and answers at once: htmx gets the panel, which
// then polls until the refresh is over; a plain form post is redirected to the page. A refresh already
// running anywhere is said on the panel, not as an error page.
func (s *Server) adminRefreshCreate(c echo.Context) error {
	req := refreshlog.Request{
		Trigger:     refreshlog.TriggerManual,
		RequestedBy: s.requester(c),
		Force:       c.FormValue("force") == "true",
	}
	message := ""
	err := s.ops.Refresher.Start(c.Request().Context(), req)
	if e, ok := apperr.As(err); ok && e.Code == apperr.ECONFLICT {
		message = e.Message
	} else if err != nil {
		return err
	}
	if htmxOf(c.Request()).Partial() {
		return s.renderRefreshUpdate(c, http.StatusOK, message)
	}
	if message != "" {
		return s.renderAdmin(c, http.StatusConflict, message)
	}
	return c.Redirect(http.StatusSeeOther, s.echo.Reverse(routeAdmin))
}
