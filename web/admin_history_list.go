package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// adminHistoryList serves GET /admin/history?page=N: one page of the refresh log, the fragment the
// history's pager swaps in. Without htmx the full admin page shows the same page.
func (s *Server) adminHistoryList(c echo.Context) error {
	page, err := historyPage(c)
	if err != nil {
		return err
	}
	if !htmxOf(c.Request()).Partial() {
		return c.Redirect(http.StatusSeeOther, s.echo.Reverse(routeAdmin)+"?page="+strconv.Itoa(page))
	}
	hist, err := s.refreshHistory(c.Request().Context(), page)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	return render(c, http.StatusOK, views.RefreshHistoryView(hist, false))
}
