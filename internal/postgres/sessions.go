package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
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

// failureCountsQuery counts the failed login attempts since $3: for the email $1 from the address $2,
// for the email from anywhere, and from the address for any email.
const failureCountsQuery = `
	SELECT count(*) FILTER (WHERE email = $1 AND ip = $2), count(*) FILTER (WHERE email = $1), count(*) FILTER (WHERE ip = $2)
	FROM public.login_attempts
	WHERE NOT succeeded AND attempted_at > $3 AND (email = $1 OR ip = $2)`

// FailedLogins counts the failed login attempts since the given time, for the email and for the address.
func (db *DB) FailedLogins(ctx context.Context, email, ip string, since time.Time) (account.FailureCounts, error) {
	var c account.FailureCounts
	if err := db.pool.QueryRow(ctx, failureCountsQuery, email, ip, since).Scan(&c.ByEmailIP, &c.ByEmail, &c.ByIP); err != nil {
		return account.FailureCounts{}, fmt.Errorf("count failed logins for %s from %s: %w", email, ip, err)
	}
	return c, nil
}

// ReserveLoginAttempt counts the failures for a's email and address since the given time and, when allow
// accepts the counts, records a as a failed attempt (to be turned into a success or withdrawn once the
// password has been checked) and returns its id. Attempts older than a day are deleted on the way.
//
// The transaction first takes transaction-scoped advisory locks on the email and on the address (in a
// fixed order, so two reservations never wait for each other crosswise): concurrent reservations for
// either are serialised across every process on the database, and each counts those before it.
func (db *DB) ReserveLoginAttempt(ctx context.Context, a account.LoginAttempt, since time.Time, allow func(account.FailureCounts) bool) (int64, bool, error) {
	var (
		id      int64
		allowed bool
	)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, key := range loginLockKeys(a.Email, a.IP) {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
				return err
			}
		}
		var c account.FailureCounts
		if err := tx.QueryRow(ctx, failureCountsQuery, a.Email, a.IP, since).Scan(&c.ByEmailIP, &c.ByEmail, &c.ByIP); err != nil {
			return err
		}
		if allowed = allow(c); !allowed {
			return nil
		}
		const insert = `
			INSERT INTO public.login_attempts (email, ip, succeeded, attempted_at)
			VALUES ($1, $2, false, $3)
			RETURNING id`
		if err := tx.QueryRow(ctx, insert, a.Email, a.IP, a.At).Scan(&id); err != nil {
			return err
		}
		const prune = `DELETE FROM public.login_attempts WHERE attempted_at < $1`
		_, err := tx.Exec(ctx, prune, a.At.Add(-loginAttemptRetention))
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("reserve login attempt for %s from %s: %w", a.Email, a.IP, err)
	}
	return id, allowed, nil
}

// loginLockKeys are the advisory lock keys of an email and an address, in ascending order. The keys
// are FNV-1a hashes in a namespace of their own; two values sharing a key only serialise a little more.
func loginLockKeys(email, ip string) []int64 {
	key := func(s string) int64 {
		h := fnv.New64a()
		h.Write([]byte(s))
		var k int64 // the hash's 64 bits, read as the signed key PostgreSQL takes
		_, _ = binary.Decode(h.Sum(nil), binary.BigEndian, &k)
		return k
	}
	keys := []int64{key("sqpdash login email\x00" + email), key("sqpdash login ip\x00" + ip)}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// SucceedLoginAttempt records that the reserved attempt id succeeded, so that it no longer counts as a
// failure. (The web role may insert and delete attempts, not update them: the row is replaced.)
func (db *DB) SucceedLoginAttempt(ctx context.Context, id int64) error {
	const q = `
		WITH reserved AS (DELETE FROM public.login_attempts WHERE id = $1 RETURNING email, ip, attempted_at)
		INSERT INTO public.login_attempts (email, ip, succeeded, attempted_at)
		SELECT email, ip, true, attempted_at FROM reserved`
	if _, err := db.pool.Exec(ctx, q, id); err != nil {
		return fmt.Errorf("record successful login attempt %d: %w", id, err)
	}
	return nil
}

// CancelLoginAttempt removes the reserved attempt id, whose password was never checked.
func (db *DB) CancelLoginAttempt(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM public.login_attempts WHERE id = $1`, id); err != nil {
		return fmt.Errorf("withdraw login attempt %d: %w", id, err)
	}
	return nil
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
