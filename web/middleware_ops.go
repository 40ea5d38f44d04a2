package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// useOpsMiddleware installs the outermost middleware: the request id first, so that every log line of
// the request carries it, then the request log and metrics, which see the final status of every request,
// then panic recovery, so a panicking handler becomes a logged 500 that is still counted and logged.
func (s *Server) useOpsMiddleware() {
	if s.ops.Metrics == nil {
		s.ops.Metrics = NewMetrics(nil)
	}
	s.echo.Use(assignRequestID(), observeRequests(s.log, s.ops.Metrics), recoverPanics(s.log))
}

// recoverPanics turns a panic into an error returned to observeRequests (and from there to the error
// handler), after logging it with its stack.
func recoverPanics(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableErrorHandler: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic while handling a request",
				"path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	})
}
