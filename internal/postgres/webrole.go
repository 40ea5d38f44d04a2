package postgres

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// WebRole is the least-privilege role the web server connects as. schema.hcl declares it and its grants:
// it reads what the pages read, writes sessions, login attempts and imports, calls the refresh, and owns
// nothing, so it can neither ALTER nor DROP anything. `schema apply` runs as the owner.
const WebRole = "sqpdash_web"

// EnableLogin lets role sign in. Only the private cluster calls it: there the role needs no password
// because the server listens on nothing but a unix socket in a private directory. Elsewhere the operator
// gives the role LOGIN and a password (docs/security.md).
func (db *DB) EnableLogin(ctx context.Context, role string) error {
	q := "ALTER ROLE " + pgx.Identifier{role}.Sanitize() + " LOGIN"
	if _, err := db.pool.Exec(ctx, q); err != nil {
		return fmt.Errorf("allow role %s to log in (has schema apply created it?): %w", role, err)
	}
	return nil
}

// URLAsRole returns rawURL with its user replaced by role and no password, for connecting to the same
// database as another role over a trusted local socket.
func URLAsRole(rawURL, role string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", redactedError{err})
	}
	u.User = url.User(role)
	q := u.Query()
	q.Del("user")
	q.Del("password")
	u.RawQuery = q.Encode()
	return u.String(), nil
}
