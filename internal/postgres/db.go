// Package postgres is the only package that speaks SQL. Each file holds one aggregate's queries, each query
// beside the method that runs it.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// planPerCall is the query mode of the dashboard's aggregate reads (brand_product_segments by brand and
// date range, search queries by ASIN and range): an unnamed statement whose description pgx caches, so
// PostgreSQL plans each call for its parameters, still in one round trip. As named prepared statements
// (pgx's default, kept for every other query) they switch to a generic plan after five calls, and for
// these parameters ("no filter" as an empty string, ranges from a day to years) that plan intersected a
// date-range index over the whole view: the product table of one brand over a year took 81 ms instead
// of about 5 ms at scale 10.
const planPerCall = pgx.QueryExecModeCacheDescribe

// DB is the connection pool every storage method runs on.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to url and checks the connection.
func Open(ctx context.Context, url string) (*DB, error) { return open(ctx, url, nil) }

// open is Open with an optional tracer on every connection of the pool.
func open(ctx context.Context, url string, tracer pgx.QueryTracer) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: never echo it.
		return nil, fmt.Errorf("parse database url: %w", redactedError{err})
	}
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{pool: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() { db.pool.Close() }

// Pool exposes the pool to the few callers that need pool statistics.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// redactedError hides the text of a URL parse error, which can contain the password.
type redactedError struct{ err error }

func (e redactedError) Error() string {
	return "invalid connection string (details hidden: it may contain a password)"
}
func (e redactedError) Unwrap() error { return e.err }
