package web

// useOpsMiddleware installs the outermost middleware: the request id first, so that every log line of
// the request carries it, then the request log and metrics, which see the final status of every request,
// errors and panics included.
func (s *Server) useOpsMiddleware() {
	if s.ops.Metrics == nil {
		s.ops.Metrics = NewMetrics(nil)
	}
	s.echo.Use(assignRequestID(), observeRequests(s.log, s.ops.Metrics))
}
