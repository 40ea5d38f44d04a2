package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/refresh"
)

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretsInLogs signs in wrongly and rightly, uses the session and signs out, with every log
// level on, and looks for the passwords and the session token in the log.
func TestNoSecretsInLogs(t *testing.T) {
	f := newAccessFixture(t)
	var logs lockedBuffer
	srv, err := New(Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db,
		Ops:  OpsOptions{Ready: f.db, Status: f.db, Refresher: refresh.New(f.db, refresh.Options{})},
		Auth: f.sessions.Options(),
	})
	if err != nil {
		t.Fatal(err)
	}
	email := f.sessions.User(account.RoleAdmin)
	const wrongPassword = "Wr0ng-but-secret-passphrase"
	send := func(req *http.Request, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		srv.testHandler().ServeHTTP(rec, req)
		return rec
	}
	login := func(password string) *httptest.ResponseRecorder {
		form := url.Values{"email": {email}, "password": {password}}
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login?password="+url.QueryEscape(password), strings.NewReader(form.Encode())))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		return send(req)
	}
	login(wrongPassword)
	var session *http.Cookie
	for _, c := range login(testPassword).Result().Cookies() {
		if c.Name == sessionCookieName {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	send(httptest.NewRequest(http.MethodGet, "/brands/"+f.own.id+"?q="+url.QueryEscape(session.Value), nil), session)
	send(httptest.NewRequest(http.MethodGet, "/admin", nil), session)
	send(withCSRF(httptest.NewRequest(http.MethodPost, "/logout", nil)), session)
	send(httptest.NewRequest(http.MethodGet, "/admin", nil), session) // the dead token once more

	out := logs.String()
	if !strings.Contains(out, `"signed in"`) || !strings.Contains(out, `"sign-in refused"`) {
		t.Fatalf("the sign-ins were not logged at all:\n%s", out)
	}
	for name, secret := range map[string]string{"wrong password": wrongPassword, "password": testPassword, "session token": session.Value} {
		if strings.Contains(out, secret) {
			t.Errorf("the %s is in the log:\n%s", name, out)
		}
	}
}
