package postgres

import (
	"context"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
)

// StatementLog records the SQL text of every query and exec run through a DB opened with
// OpenWithStatementLog. It exists so that tests can count the round trips a request costs (one cache
// miss must read the data version once, not twice) against the real database, without a mock.
type StatementLog struct {
	mu    sync.Mutex
	stmts []string
}

// OpenWithStatementLog is Open with every statement of the pool recorded in log.
func OpenWithStatementLog(ctx context.Context, url string, log *StatementLog) (*DB, error) {
	return open(ctx, url, log)
}

// TraceQueryStart records the statement (pgx.QueryTracer).
func (l *StatementLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	l.stmts = append(l.stmts, data.SQL)
	l.mu.Unlock()
	return ctx
}

// TraceQueryEnd does nothing: the start is what is counted (pgx.QueryTracer).
func (l *StatementLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Statements returns the statements recorded since the last Reset, oldest first.
func (l *StatementLog) Statements() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.stmts)
}

// Reset forgets the statements recorded so far.
func (l *StatementLog) Reset() {
	l.mu.Lock()
	l.stmts = nil
	l.mu.Unlock()
}
