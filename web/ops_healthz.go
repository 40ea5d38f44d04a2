package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// handleHealthz serves GET /healthz: the process is alive and serving HTTP. It checks nothing else, so a
// database outage never makes an orchestrator restart a healthy process.
func handleHealthz(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.String(http.StatusOK, "ok\n")
}
