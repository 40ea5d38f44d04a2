package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// productTableTarget is the id of the product table region, the htmx target of sorting and paging.
const productTableTarget = "product-table"

// dashboardShow renders the brand dashboard, or only its product table when htmx sorts or pages it.
func (s *Server) dashboardShow(c echo.Context) error {
	// Answered once per data version for the same user, URL and CSRF cookie (partial_cache.go).
	return s.cachedResponse(c, true, s.dashboardBuild)
}

// dashboardBuild reads and renders the dashboard or its product table.
func (s *Server) dashboardBuild(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	d, err := s.loadDashboard(c.Request().Context(), brand, st)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	l := links{s.echo}
	if hx := htmxOf(c.Request()); hx.Partial() && hx.Target == productTableTarget {
		// The link's own URL may lack expansions made since the page loaded: push the merged state.
		pushURL(c, l.Dashboard(brand.ID, st))
		return render(c, http.StatusOK, views.ProductTableRegion(views.NewProductTable(d, l)))
	}
	return render(c, http.StatusOK, views.DashboardPage(views.NewDashboard(s.shell(brand.DisplayName), d, l)))
}
