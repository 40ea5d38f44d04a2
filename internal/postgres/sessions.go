package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
)

// loginAttemptRetention is how long login attempts are kept: far longer than any throttle window, short
// enough that the table stays small without a separate cleanup job.
const loginAttemptRetention = 24 * time.Hour

// CreateSession stores a new session and drops every session that has passed its absolute end, so the
// table holds at most a day of sign-ins without a cleanup job (an index on expires_at keeps it cheap).
func (db *DB) CreateSession(ctx context.Context, s account.Session) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		const insert = `
			INSERT INTO public.app_sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`
		if _, err := tx.Exec(ctx, insert, s.TokenHash, s.UserID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.IP, s.UserAgent); err != nil {
			return err
		}
		const prune = `DELETE FROM public.app_sessions WHERE expires_at <= $1`
		_, err := tx.Exec(ctx, prune, s.CreatedAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("create session for user %s: %w", s.UserID, err)
	}
	return nil
}

// SessionUser returns the session with this token hash and its user, or apperr.NotFound.
func (db *DB) SessionUser(ctx context.Context, tokenHash []byte) (account.Session, account.User, error) {
	q := `
		SELECT s.token_hash, s.user_id::text, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
		       ` + userColumns + `
		FROM public.app_sessions s
		JOIN public.app_users u ON u.id = s.user_id
		WHERE s.token_hash = $1`
	var s account.Session
	u, err := scanUser(db.pool.QueryRow(ctx, q, tokenHash),
		&s.TokenHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.IP, &s.UserAgent)
	if errors.Is(err, pgx.ErrNoRows) {
		return account.Session{}, account.User{}, apperr.NotFound("no such session")
	}
	if err != nil {
		return account.Session{}, account.User{}, fmt.Errorf("load session: %w", err)
	}
	return s, u, nil
}

// TouchSession records that the session was used at.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	const q = `UPDATE public.app_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2`
	if _, err := db.pool.Exec(ctx, q, tokenHash, at); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session; a session that is already gone is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	const q = `DELETE FROM public.app_sessions WHERE token_hash = $1`
	if _, err := db.pool.Exec(ctx, q, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// FailedLogins counts the failed login attempts since the given time, for the email and for the address.
func (db *DB) FailedLogins(ctx context.Context, email, ip string, since time.Time) (account.FailureCounts, error) {
	const q = `
		SELECT count(*) FILTER (WHERE email = $1), count(*) FILTER (WHERE ip = $2)
		FROM public.login_attempts
		WHERE NOT succeeded AND attempted_at > $3 AND (email = $1 OR ip = $2)`
	var c account.FailureCounts
	if err := db.pool.QueryRow(ctx, q, email, ip, since).Scan(&c.ByEmail, &c.ByIP); err != nil {
		return account.FailureCounts{}, fmt.Errorf("count failed logins for %s from %s: %w", email, ip, err)
	}
	return c, nil
}

// RecordLoginAttempt stores an attempt and deletes attempts older than a day.
func (db *DB) RecordLoginAttempt(ctx context.Context, a account.LoginAttempt) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		const insert = `
			INSERT INTO public.login_attempts (email, ip, succeeded, attempted_at)
			VALUES ($1, $2, $3, $4)`
		if _, err := tx.Exec(ctx, insert, a.Email, a.IP, a.Succeeded, a.At); err != nil {
			return err
		}
		const prune = `DELETE FROM public.login_attempts WHERE attempted_at < $1`
		_, err := tx.Exec(ctx, prune, a.At.Add(-loginAttemptRetention))
		return err
	})
	if err != nil {
		return fmt.Errorf("record login attempt for %s from %s: %w", a.Email, a.IP, err)
	}
	return nil
}
