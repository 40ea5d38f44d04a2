package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/views"
)

// ReadRouter sends each request's reads to a read replica or the primary (postgres.ReadRouter, through
// the wiring in cmd/sqpdash): the stores of Options then read from the server the request's context
// names.
type ReadRouter interface {
	// Route returns ctx naming the server the request reads from: a standby that has replayed at least
	// after (a WAL position from WriteMark, "" for none), else the primary.
	Route(ctx context.Context, after string) context.Context
	// WriteMark returns the primary's current WAL position: a read after it sees every write committed
	// before it.
	WriteMark(ctx context.Context) (string, error)
	// Replicas reports each standby's state (the admin page, /metrics).
	Replicas() []ReplicaStatus
	// MaxLag is the lag beyond which a standby takes no reads.
	MaxLag() time.Duration
}

// ReplicaStatus is one standby as the last check found it.
type ReplicaStatus struct {
	Name    string
	Up      bool // reachable and in recovery
	Serving bool // takes reads
	Problem string
	// LagBytes is how far its replay is behind the primary's WAL; Lag how long ago the primary was at a
	// position it has not replayed.
	LagBytes  int64
	Lag       time.Duration
	CheckedAt time.Time
}

// readAfterCookie carries an admin's last write position (read-your-writes, docs/replicas.md). It is no
// credential: a forged one only sends its holder's reads to the primary.
const readAfterCookie = "sqpdash_read_after"

// readAfterMaxAge bounds how long the mark is kept: a standby still behind it after this long lags far
// beyond any sensible limit and takes no reads anyway.
const readAfterMaxAge = 10 * time.Minute

// writeMarkTimeout keeps a slow primary from holding an admin response long for the mark.
const writeMarkTimeout = 2 * time.Second

// useReadRouting routes every request's reads (ReadRouter.Route) and, on the admin pages (imports,
// refreshes, brand terms, and the refresh panel's polling that reports a refresh over), hands the admin
// the primary's WAL position in a cookie just before the response is written, after the handler's writes
// committed: their next requests then read from the primary until a standby has replayed that far.
func (s *Server) useReadRouting() {
	if s.reads == nil {
		return
	}
	s.echo.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			after := ""
			if ck, err := c.Cookie(readAfterCookie); err == nil {
				after = ck.Value
			}
			c.SetRequest(req.WithContext(s.reads.Route(req.Context(), after)))
			if strings.HasPrefix(req.URL.Path, "/admin") {
				c.Response().Before(func() { s.setReadAfter(c) })
			}
			return next(c)
		}
	})
}

// setReadAfter sets the read-your-writes cookie of a successful admin response.
func (s *Server) setReadAfter(c echo.Context) {
	if c.Response().Status >= http.StatusBadRequest {
		return
	}
	if _, ok := UserFrom(c.Request().Context()); !ok {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), writeMarkTimeout)
	defer cancel()
	mark, err := s.reads.WriteMark(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "read-your-writes: read the primary's WAL position", "err", err)
		return
	}
	s.setReadAfterCookie(c, mark)
}

// readReplicas is the admin page's read replicas section; nil without read replicas.
func (s *Server) readReplicas() *views.ReadReplicas {
	if s.reads == nil {
		return nil
	}
	var in []views.ReadReplicaInput
	for _, st := range s.reads.Replicas() {
		in = append(in, views.ReadReplicaInput{Name: st.Name, Serving: st.Serving, Problem: st.Problem,
			LagBytes: st.LagBytes, Lag: st.Lag, CheckedAt: st.CheckedAt})
	}
	r := views.NewReadReplicas(s.reads.MaxLag(), in)
	return &r
}
