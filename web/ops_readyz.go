package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// ReadinessChecker says why the database cannot serve the dashboard; nil means ready. Errors of type
// *apperr.Error carry a reason safe to show (schema not applied, segments never refreshed); any other
// error means the database is unreachable.
type ReadinessChecker interface {
	Readiness(ctx context.Context) error
}

// readyzTimeout keeps /readyz fast when the database hangs instead of refusing connections.
const readyzTimeout = 2 * time.Second

// handleReadyz serves GET /readyz: 200 when the database is reachable, the schema applied and the segments
// populated, 503 with the reason otherwise. It asks the database on every call, so it turns ready again
// as soon as the database is back.
func handleReadyz(ready ReadinessChecker, log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyzTimeout)
		defer cancel()
		err := ready.Readiness(ctx)
		if err == nil {
			return c.String(http.StatusOK, "ready\n")
		}
		reason := "database unreachable"
		if e, ok := apperr.As(err); ok {
			reason = e.Message
		}
		log.WarnContext(c.Request().Context(), "not ready", "reason", reason, "err", err)
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfterSeconds)
		return c.String(http.StatusServiceUnavailable, "not ready: "+reason+"\n")
	}
}
