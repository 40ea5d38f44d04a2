package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// FuzzLoginForm posts whatever a client may send as email, password and User-Agent: the answer is a
// sign-in (303), a refusal (401) or throttling (429), never a server error. The text goes into
// PostgreSQL (login attempts, sessions), which refuses NUL bytes and invalid UTF-8.
func FuzzLoginForm(f *testing.F) {
	f.Add("user@example.com", testPassword, "Mozilla/5.0")
	f.Add("user@example.com", "wrong", "curl/8")
	f.Add("\x00", "\xff\xfe", "\xff\x00")
	f.Add(strings.Repeat("a", 300)+"@example.com", strings.Repeat("p", 300), strings.Repeat("u", 2000))
	f.Add("' OR 1=1; --", "<script>alert(1)</script>", "\"><img onerror=alert(1)>")
	f.Add("USER@EXAMPLE.COM ", testPassword, "")
	f.Add("a@b", "", "")
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(db.Close)
	sessions := newTestSessions(f, db)
	if _, err := db.CreateUser(ctx, postgres.NewUser{Email: "user@example.com", Role: account.RoleManager, PasswordHash: mustHash(f, sessions)}); err != nil {
		f.Fatal(err)
	}
	srv := newTestServer(f, db, sessions)
	f.Fuzz(func(t *testing.T, email, password, userAgent string) {
		form := url.Values{"email": {email}, "password": {password}, "next": {"/"}}
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode())))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		req.Header.Set("User-Agent", userAgent)
		rec := httptest.NewRecorder()
		srv.testHandler().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusSeeOther, http.StatusUnauthorized, http.StatusTooManyRequests:
		default:
			t.Fatalf("login with %q / %q / %q: %d %s", email, password, userAgent, rec.Code, rec.Body.String())
		}
	})
}

func mustHash(t testing.TB, s *testSessions) string {
	t.Helper()
	hash, err := s.svc.Hasher().Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}
