package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// EventChannel is the LISTEN/NOTIFY channel schema.hcl's triggers notify (internal/events.Channel).
const EventChannel = "sqpdash_events"

// EventListenerName is the application_name of the listening connection (pg_stat_activity).
const EventListenerName = "sqpdash event listener"

// EventHandler receives what ListenEvents hears (events.Hub implements it).
type EventHandler interface {
	// Connected: LISTEN is in effect; version is the data version read on the listening connection
	// right after it, so nothing committed since can be missed.
	Connected(version string)
	// Disconnected: the connection was lost (err) or closed at the end (nil). Only after Connected.
	Disconnected(err error)
	// Notified: one payload received on EventChannel.
	Notified(payload string)
}

// ListenOptions tune ListenEvents; zero fields take the defaults.
type ListenOptions struct {
	// Retry is the wait before connecting again after a failure (default 200 ms): caches are bypassed
	// meanwhile, so it only costs round trips.
	Retry time.Duration
	// Ping is how long the connection may stay silent before it is checked (default 5 s), so a dead
	// connection that the kernel has not reported is noticed.
	Ping time.Duration
}

// ListenEvents keeps one connection (outside the pool, with the pool's settings) listening on
// EventChannel until ctx ends, reconnecting after any failure, and reports to h. It connects to the
// server of this DB: give it the primary (a hot standby cannot LISTEN).
func (db *DB) ListenEvents(ctx context.Context, h EventHandler, opts ListenOptions) {
	if opts.Retry <= 0 {
		opts.Retry = 200 * time.Millisecond
	}
	if opts.Ping <= 0 {
		opts.Ping = 5 * time.Second
	}
	for {
		db.listenOnce(ctx, h, opts)
		select {
		case <-ctx.Done():
			return
		case <-time.After(opts.Retry):
		}
	}
}

// listenOnce connects, listens and reports events until the connection fails or ctx ends.
func (db *DB) listenOnce(ctx context.Context, h EventHandler, opts ListenOptions) {
	cfg := db.pool.Config().ConnConfig.Copy()
	// A wait that times out only sets a deadline on the socket (the default also sends the server a
	// cancel request over a new connection): the connection stays usable for the ping.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	cfg.Tracer = nil
	cfg.RuntimeParams["application_name"] = EventListenerName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return
	}
	// The listening connection is ours alone: a failure to close it leaves nothing to recover.
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "LISTEN "+EventChannel); err != nil {
		return
	}
	version, err := readDataVersion(ctx, conn)
	if err != nil {
		return
	}
	h.Connected(version)
	err = db.receive(ctx, conn, h, opts)
	if ctx.Err() != nil {
		err = nil
	}
	h.Disconnected(err)
}

// receive hands every notification to h until the connection fails (the error) or ctx ends (nil).
func (db *DB) receive(ctx context.Context, conn *pgx.Conn, h EventHandler, opts ListenOptions) error {
	for {
		wait, cancel := context.WithTimeout(ctx, opts.Ping)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			h.Notified(n.Payload)
			continue
		case ctx.Err() != nil:
			return nil
		case !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err):
			return fmt.Errorf("wait for events: %w", err)
		}
		ping, cancel := context.WithTimeout(ctx, opts.Ping)
		err = conn.Ping(ping)
		cancel()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("ping the event listener's connection: %w", err)
		}
	}
}
