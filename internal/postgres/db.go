// Package postgres is the only package that speaks SQL. Each file holds one aggregate's queries, each query
// beside the method that runs it.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the connection pool every storage method runs on.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to url and checks the connection.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: never echo it.
		return nil, fmt.Errorf("parse database url: %w", redactedError{err})
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
