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
		return apperr.NotFound("there is no active brand yet: import a brand mapping first")
	}
	st.Open = nil // expansions belong to one brand's products
	return c.Redirect(http.StatusSeeOther, links{s.echo}.Dashboard(brands[0].ID, st))
}
