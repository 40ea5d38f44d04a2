package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/web"
)

// readCheckEvery is how often serve checks its read replicas (reachable, lag): the lag's resolution, and
// how long a standby that came back waits before it takes reads again.
const readCheckEvery = time.Second

// openReadRouter opens the read replicas of cfg beside the primary db, checks them once (so the first
// requests already use them) and keeps checking them until stop, which also closes their pools. versions
// makes each server's data version source (postgres.ReadRouterOptions.Versions).
func openReadRouter(ctx context.Context, db *postgres.DB, cfg config.Config, log *slog.Logger, versions func(*postgres.DB) postgres.VersionSource) (*postgres.ReadRouter, func(), error) {
	r, err := postgres.OpenReadRouter(db, cfg.ReadDatabaseURLs, postgres.ReadRouterOptions{MaxLag: cfg.ReadMaxLag, Logger: log, Versions: versions})
	if err != nil {
		return nil, nil, err
	}
	if len(cfg.ReadDatabaseURLs) == 0 {
		return r, r.Close, nil
	}
	r.Check(ctx)
	log.Info("read replicas configured", "replicas", len(cfg.ReadDatabaseURLs), "max_lag", cfg.ReadMaxLag.String())
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.Run(cctx, readCheckEvery)
	}()
	return r, func() {
		cancel()
		wg.Wait()
		r.Close()
	}, nil
}

// webReadRouter adapts the router to the web server's ReadRouter; nil (no routing, no read-your-writes
// cookie, no replicas on the admin page) without read replicas.
func webReadRouter(r *postgres.ReadRouter) web.ReadRouter {
	if len(r.Replicas()) == 0 {
		return nil
	}
	return readRouting{r}
}

// readRouting is web.ReadRouter over a postgres.ReadRouter.
type readRouting struct{ r *postgres.ReadRouter }

// Route implements web.ReadRouter: an unreadable mark (a hand-made cookie) counts as none.
func (a readRouting) Route(ctx context.Context, after string) context.Context {
	lsn, err := postgres.ParseLSN(after)
	if err != nil {
		lsn = 0
	}
	return a.r.Route(ctx, lsn)
}

// WriteMark implements web.ReadRouter with the primary's WAL insert position.
func (a readRouting) WriteMark(ctx context.Context) (string, error) {
	lsn, err := a.r.WALPosition(ctx)
	if err != nil {
		return "", err
	}
	return lsn.String(), nil
}

// MaxLag implements web.ReadRouter.
func (a readRouting) MaxLag() time.Duration { return a.r.MaxLag() }

// Replicas implements web.ReadRouter.
func (a readRouting) Replicas() []web.ReplicaStatus {
	var out []web.ReplicaStatus
	for _, st := range a.r.Replicas() {
		out = append(out, web.ReplicaStatus{Name: st.Name, Up: st.Up, Serving: st.Serving, Problem: st.Problem,
			LagBytes: st.LagBytes, Lag: st.Lag, CheckedAt: st.CheckedAt})
	}
	return out
}
