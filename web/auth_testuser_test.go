package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// testSessions signs test users in with the real auth service on the test's database, so handler tests
// exercise the same session middleware as production. Use it like this:
//
//	sessions := newTestSessions(t, db)
//	srv, _ := New(Options{..., Auth: sessions.Options()})
//	req.AddCookie(sessions.Cookie(account.RoleManager, brandID))
type testSessions struct {
	t   testing.TB
	db  *postgres.DB
	svc *auth.Service
	n   atomic.Int64
	// secret is the database's CSRF key, as serve reads it.
	secret []byte
}

// testPassword is the password of every test user (the hashing is cheap in tests).
const testPassword = "test user passphrase"

func newTestSessions(t testing.TB, db *postgres.DB) *testSessions {
	t.Helper()
	svc, err := auth.NewService(db, auth.Config{
		Password: auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		// Tests sign many users in from one address.
		Throttle: auth.ThrottlePolicy{Window: auth.DefaultThrottlePolicy().Window, PerAccount: 5, PerIP: 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := db.ServerSecret(context.Background(), "csrf")
	if err != nil {
		t.Fatal(err)
	}
	return &testSessions{t: t, db: db, svc: svc, secret: secret}
}

// Options are the AuthOptions of a test server.
func (s *testSessions) Options() AuthOptions {
	return AuthOptions{Service: s.svc, CSRFSecret: s.secret}
}

// User creates a user with role and the given brands and returns their email.
func (s *testSessions) User(role account.Role, brandIDs ...string) string {
	s.t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s%d@example.com", role, s.n.Add(1))
	hash, err := s.svc.Hasher().Hash(testPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.db.CreateUser(ctx, postgres.NewUser{Email: email, Role: role, PasswordHash: hash}); err != nil {
		s.t.Fatal(err)
	}
	for _, b := range brandIDs {
		if err := s.db.GrantBrand(ctx, email, b); err != nil {
			s.t.Fatal(err)
		}
	}
	return email
}

// Cookie creates a user with role and brands, signs them in and returns their session cookie.
func (s *testSessions) Cookie(role account.Role, brandIDs ...string) *http.Cookie {
	s.t.Helper()
	return s.SignIn(s.User(role, brandIDs...))
}

// SignIn signs an existing test user in and returns their session cookie.
func (s *testSessions) SignIn(email string) *http.Cookie {
	s.t.Helper()
	token, _, err := s.svc.Login(context.Background(), auth.Credentials{Email: email, Password: testPassword, IP: "192.0.2.1"})
	if err != nil {
		s.t.Fatalf("sign in %s: %v", email, err)
	}
	return &http.Cookie{Name: sessionCookieName, Value: token}
}

// csrfPending is the X-CSRF-Token of a test request that withCSRF marked: the handler of testHandler
// replaces it with the token the page of the request's session would carry.
const csrfPending = "pending: filled in by testHandler"

// withCSRF marks an unsafe test request to carry a valid CSRF token, as a browser that loaded one of the
// server's pages would send it. The token depends on the session cookie, which tests often add after
// this call, so the handler of testHandler fills it in when the request arrives.
func withCSRF(req *http.Request) *http.Request {
	req.Header.Set(csrfHeader, csrfPending)
	return req
}

// testHandler is the server's handler with withCSRF's marker replaced by the token of the request's
// session cookie, or of its pre-session cookie (given a fresh one when it has none).
func (s *Server) testHandler() http.Handler {
	next := s.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(csrfHeader) == csrfPending {
			binding := ""
			if c, err := r.Cookie(sessionCookieName); err == nil && c.Value != "" {
				binding = "session:" + c.Value
			} else if c, err := r.Cookie(preSessionCookie); err == nil && c.Value != "" {
				binding = "pre:" + c.Value
			} else {
				b := make([]byte, 16)
				rand.Read(b)
				nonce := hex.EncodeToString(b)
				r.AddCookie(&http.Cookie{Name: preSessionCookie, Value: nonce})
				binding = "pre:" + nonce
			}
			r.Header.Set(csrfHeader, s.csrfTokenFor(binding))
		}
		next.ServeHTTP(w, r)
	})
}
