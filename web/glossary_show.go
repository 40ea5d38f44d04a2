package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// glossaryShow renders the glossary: every figure of the dashboard with its one definition, the target
// of the headers' "?" links. It reads no parameter.
func (s *Server) glossaryShow(c echo.Context) error {
	return render(c, http.StatusOK, views.GlossaryPageView(views.NewGlossaryPage(s.shell("Glossary"))))
}
