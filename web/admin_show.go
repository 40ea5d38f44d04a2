package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// adminShow serves GET /admin: segments status, coverage, schedule, the Refresh now panel and a page of
// the refresh history (?page=N).
func (s *Server) adminShow(c echo.Context) error {
	return s.renderAdmin(c, http.StatusOK, "")
}

// renderAdmin renders the full admin page; message is the answer to a form post without htmx.
func (s *Server) renderAdmin(c echo.Context, status int, message string) error {
	return s.renderAdminWith(c, status, message, nil)
}

// renderAdminWith is renderAdmin with the result of an upload in the import panel (nil: none).
func (s *Server) renderAdminWith(c echo.Context, status int, message string, upload *views.ImportResult) error {
	page, err := historyPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.adminStatus(ctx)
	if err != nil {
		return err
	}
	panel, err := s.refreshPanel(c, message)
	if err != nil {
		return err
	}
	hist, err := s.refreshHistory(ctx, page)
	if err != nil {
		return err
	}
	p := views.AdminPage{Status: st, Refresh: panel, History: hist, Import: s.importPanel(c, upload)}
	if s.terms != nil {
		p.BrandTermsURL = s.echo.Reverse(routeAdminBrands)
	}
	p.Replicas = s.readReplicas()
	return render(c, status, views.AdminPageView(s.shell("Admin"), p))
}
