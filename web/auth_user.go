package web

import (
	"context"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
)

// Authenticator signs users in and out and recognises their session tokens; *auth.Service implements it.
type Authenticator interface {
	Login(ctx context.Context, c auth.Credentials) (token string, u account.User, err error)
	Authenticate(ctx context.Context, token string) (account.User, error)
	Logout(ctx context.Context, token string) error
	SessionPolicy() auth.SessionPolicy
}

// AuthOptions configure sign-in and the security middleware.
type AuthOptions struct {
	// Service checks passwords and sessions. Required: without it every protected route answers 401.
	Service Authenticator
	// SecureCookies marks the session cookie Secure on every response (set it behind TLS).
	SecureCookies bool
	// TrustProxy believes X-Forwarded-For (client address, used for throttling and logs) and
	// X-Forwarded-Proto (https makes the cookie Secure) from a reverse proxy on a private address.
	TrustProxy bool
	// CSRFSecret keys the CSRF tokens (HMAC-SHA256, at least 32 bytes). Every instance serving the same
	// users needs the same one: serve reads it from the database (postgres.DB.ServerSecret).
	CSRFSecret []byte
	// BodyLimit caps request bodies outside the upload routes; 0 means DefaultBodyLimit.
	BodyLimit int64
}

// userKey is the context key of the signed-in user.
type userKey struct{}

// withUser returns ctx carrying the signed-in user.
func withUser(ctx context.Context, u account.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the signed-in user of the request ctx belongs to; ok is false for anonymous requests.
func UserFrom(ctx context.Context) (u account.User, ok bool) {
	u, ok = ctx.Value(userKey{}).(account.User)
	return u, ok
}
