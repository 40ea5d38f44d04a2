package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// homeRedirect sends / to the first active brand's dashboard, keeping the query parameters.
func (s *Server) homeRedirect(c echo.Context) error {
	st, err := viewState(c)
	if err != nil {
		return err
	}
	brands, err := s.brands.ActiveBrands(c.Request().Context())
	if err != nil {
		return err
	}
	if len(brands) == 0 {
		return noBrandError(c)
	}
	st.Open = nil // expansions belong to one brand's products
	return c.Redirect(http.StatusSeeOther, links{s.echo}.Dashboard(brands[0].ID, st))
}

// noBrandError says why there is no dashboard to show: an admin can fix it by importing, a manager must
// ask for access.
func noBrandError(c echo.Context) error {
	if u, ok := UserFrom(c.Request().Context()); ok && !u.IsAdmin() {
		return apperr.NotFound("no brand has been shared with you yet: ask an admin for access")
	}
	return apperr.NotFound("there is no active brand yet: import a brand mapping first")
}
