package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
)

// NewUser is what creating a user stores. Email must be normalised (account.NormalizeEmail) and PasswordHash
// made by auth.PasswordHasher: this package never sees a password.
type NewUser struct {
	Email        string
	Role         account.Role
	PasswordHash string
}

// userColumns selects an account.User (with the brands a manager was granted) from app_users u.
const userColumns = `
	u.id::text, u.email, u.role, u.is_active, u.created_at, u.last_login_at,
	coalesce((SELECT array_agg(b.brand_id::text ORDER BY b.brand_id)
	          FROM public.app_user_brands b WHERE b.user_id = u.id), '{}')`

// scanUser reads the columns of userColumns (after any columns the caller scanned first via extra).
func scanUser(row pgx.Row, extra ...any) (account.User, error) {
	var (
		u    account.User
		role string
	)
	dest := append(extra, &u.ID, &u.Email, &role, &u.Active, &u.CreatedAt, &u.LastLoginAt, &u.BrandIDs)
	if err := row.Scan(dest...); err != nil {
		return account.User{}, err
	}
	u.Role = account.Role(role)
	return u, nil
}

// CreateUser stores a new user; an email that is taken is a conflict.
func (db *DB) CreateUser(ctx context.Context, nu NewUser) (account.User, error) {
	q := `
		INSERT INTO public.app_users AS u (email, role, password_hash)
		VALUES ($1, $2, $3)
		RETURNING ` + userColumns
	u, err := scanUser(db.pool.QueryRow(ctx, q, nu.Email, string(nu.Role), nu.PasswordHash))
	if isDuplicateEmail(err) {
		return account.User{}, apperr.Conflict("a user with email %s already exists", nu.Email)
	}
	if err != nil {
		return account.User{}, fmt.Errorf("create user %s: %w", nu.Email, err)
	}
	return u, nil
}

// CreateFirstUser stores nu only when there is no user at all, so that a first-run admin is created once
// however many processes start together. created is false when a user already existed.
func (db *DB) CreateFirstUser(ctx context.Context, nu NewUser) (created bool, err error) {
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The lock makes "no user exists" and the insert one step for concurrent callers.
		if _, err := tx.Exec(ctx, `LOCK TABLE public.app_users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		const q = `
			INSERT INTO public.app_users (email, role, password_hash)
			SELECT $1, $2, $3
			WHERE NOT EXISTS (SELECT 1 FROM public.app_users)`
		tag, err := tx.Exec(ctx, q, nu.Email, string(nu.Role), nu.PasswordHash)
		created = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("create first user %s: %w", nu.Email, err)
	}
	return created, nil
}

// UserByEmail returns the user with this normalised email, or apperr.NotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (account.User, error) {
	q := `SELECT ` + userColumns + ` FROM public.app_users u WHERE u.email = $1`
	u, err := scanUser(db.pool.QueryRow(ctx, q, email))
	if errors.Is(err, pgx.ErrNoRows) {
		return account.User{}, apperr.NotFound("no user with email %s", email)
	}
	if err != nil {
		return account.User{}, fmt.Errorf("load user %s: %w", email, err)
	}
	return u, nil
}

// UserCredentials returns the user with this normalised email and their password hash, for signing in.
func (db *DB) UserCredentials(ctx context.Context, email string) (account.User, string, error) {
	q := `SELECT u.password_hash, ` + userColumns + ` FROM public.app_users u WHERE u.email = $1`
	var hash string
	u, err := scanUser(db.pool.QueryRow(ctx, q, email), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return account.User{}, "", apperr.NotFound("no user with email %s", email)
	}
	if err != nil {
		return account.User{}, "", fmt.Errorf("load credentials of %s: %w", email, err)
	}
	return u, hash, nil
}

// ListUsers returns every user, by email.
func (db *DB) ListUsers(ctx context.Context) ([]account.User, error) {
	q := `SELECT ` + userColumns + ` FROM public.app_users u ORDER BY u.email`
	rows, err := db.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (account.User, error) { return scanUser(row) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// SetPassword replaces a user's password hash and ends all their sessions, so a stolen session does not
// outlive a password change.
func (db *DB) SetPassword(ctx context.Context, email, passwordHash string) error {
	return db.updateUserEndingSessions(ctx, email, `
		UPDATE public.app_users SET password_hash = $2, updated_at = now()
		WHERE email = $1 RETURNING id`, passwordHash)
}

// SetUserActive enables or disables a user; disabling ends all their sessions at once.
func (db *DB) SetUserActive(ctx context.Context, email string, active bool) error {
	return db.updateUserEndingSessions(ctx, email, `
		UPDATE public.app_users SET is_active = $2, updated_at = now()
		WHERE email = $1 RETURNING id`, active)
}

// updateUserEndingSessions runs update (which returns the user's id) and deletes that user's sessions in
// the same transaction.
func (db *DB) updateUserEndingSessions(ctx context.Context, email, update string, value any) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, update, email, value).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM public.app_sessions WHERE user_id = $1`, id)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.NotFound("no user with email %s", email)
	}
	if err != nil {
		return fmt.Errorf("update user %s: %w", email, err)
	}
	return nil
}

// GrantBrand lets a user see a brand, named by its id or its brand_name. Granting twice is not an error.
func (db *DB) GrantBrand(ctx context.Context, email, brand string) error {
	const q = `
		WITH u AS (SELECT id FROM public.app_users WHERE email = $1),
		     b AS (SELECT id FROM public.brands WHERE id::text = $2 OR brand_name = $2),
		     ins AS (
		         INSERT INTO public.app_user_brands (user_id, brand_id)
		         SELECT u.id, b.id FROM u, b
		         ON CONFLICT DO NOTHING)
		SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM b)`
	var users, brands int
	if err := db.pool.QueryRow(ctx, q, email, brand).Scan(&users, &brands); err != nil {
		return fmt.Errorf("grant brand %s to %s: %w", brand, email, err)
	}
	return grantTargetsFound(email, brand, users, brands)
}

// RevokeBrand takes a brand (id or brand_name) away from a user. Revoking one that was not granted is not
// an error; an unknown user or brand is.
func (db *DB) RevokeBrand(ctx context.Context, email, brand string) error {
	const q = `
		WITH u AS (SELECT id FROM public.app_users WHERE email = $1),
		     b AS (SELECT id FROM public.brands WHERE id::text = $2 OR brand_name = $2),
		     del AS (
		         DELETE FROM public.app_user_brands g
		         USING u, b WHERE g.user_id = u.id AND g.brand_id = b.id)
		SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM b)`
	var users, brands int
	if err := db.pool.QueryRow(ctx, q, email, brand).Scan(&users, &brands); err != nil {
		return fmt.Errorf("revoke brand %s from %s: %w", brand, email, err)
	}
	return grantTargetsFound(email, brand, users, brands)
}

func grantTargetsFound(email, brand string, users, brands int) error {
	if users == 0 {
		return apperr.NotFound("no user with email %s", email)
	}
	if brands == 0 {
		return apperr.NotFound("no brand with id or name %q", brand)
	}
	return nil
}

// UpgradePasswordHash replaces a user's password hash made with old parameters, unless the password was
// changed meanwhile (the hash is no longer oldHash). Sessions stay: the password is the same. Only the
// owner may: the web role cannot change password hashes, and its server does not ask (auth.Config.KeepHashes).
func (db *DB) UpgradePasswordHash(ctx context.Context, userID, oldHash, newHash string) error {
	const q = `UPDATE public.app_users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`
	if _, err := db.pool.Exec(ctx, q, userID, oldHash, newHash); err != nil {
		return fmt.Errorf("upgrade password hash of user %s: %w", userID, err)
	}
	return nil
}

// MarkLogin records a successful sign-in, through the one function that lets the web role write
// app_users (and only last_login_at).
func (db *DB) MarkLogin(ctx context.Context, userID string, at time.Time) error {
	const q = `SELECT public.app_user_mark_login($1, $2)`
	if _, err := db.pool.Exec(ctx, q, userID, at); err != nil {
		return fmt.Errorf("mark login of user %s: %w", userID, err)
	}
	return nil
}

// isDuplicateEmail reports a unique violation (SQLSTATE 23505) on app_users' email.
func isDuplicateEmail(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.TableName == "app_users"
}
