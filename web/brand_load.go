package web

import (
	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// brandOf loads the brand named by the path parameter brandID. Every brand route goes through this one
// function, so access control by brand is added here and nowhere else.
func (s *Server) brandOf(c echo.Context) (sqp.Brand, error) {
	id, err := viewstate.ParseBrandID(c.Param("brandID"))
	if err != nil {
		return sqp.Brand{}, err
	}
	return s.brands.Brand(c.Request().Context(), id)
}
