package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// queriesShow renders the brand's query view, or only its table when htmx sorts or pages it.
func (s *Server) queriesShow(c echo.Context) error {
	// Answered once per data version for the same user, URL and CSRF cookie (partial_cache.go).
	return s.cachedResponse(c, true, s.queriesBuild)
}

// queriesBuild reads and renders the query view or its table.
func (s *Server) queriesBuild(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	d, err := s.loadQueryView(c.Request().Context(), brand, st)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	l := links{s.echo}
	if hx := htmxOf(c.Request()); hx.Partial() && hx.Target == queryViewTarget {
		// The filter form sends every field, blank ones too: the address bar gets the URL the links use.
		pushURL(c, l.Queries(brand.ID, st))
		return render(c, http.StatusOK, views.QueryViewRegion(views.NewQueryViewTable(d, l)))
	}
	return render(c, http.StatusOK, views.QueryViewPage(views.NewQueryView(s.shell("Search queries · "+brand.DisplayName), d, l)))
}
