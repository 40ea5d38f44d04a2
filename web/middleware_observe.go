package web

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// observeRequests logs one line per request and counts it in the metrics, with the status the client
// really got: a handler's error is handed to the error handler here, so that its status is known.
func observeRequests(log *slog.Logger, m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			took := time.Since(start)
			req, res := c.Request(), c.Response()
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.observeRequest(route, req.Method, res.Status, took)
			}
			level := slog.LevelInfo
			if res.Status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(req.Context(), level, "request",
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", route),
				slog.Int("status", res.Status),
				slog.Int64("bytes", res.Size),
				slog.Float64("took_ms", float64(took.Microseconds())/1000),
				slog.String("remote_ip", c.RealIP()),
				slog.Bool("htmx", req.Header.Get(hxRequest) == "true"),
			)
			return nil
		}
	}
}
