package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/account"
)

// csrfClient sends requests to a server as a browser would, with the cookies it chose, and reads the
// CSRF token that the pages carry.
type csrfClient struct {
	t   *testing.T
	srv *Server
}

// send serves req with cookies, through the server's real handler (no test helper fills in tokens).
func (c csrfClient) send(req *http.Request, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// pageToken loads path and returns the token of its <meta name="csrf-token"> and the response.
func (c csrfClient) pageToken(path string, cookies ...*http.Cookie) (string, *httptest.ResponseRecorder) {
	c.t.Helper()
	rec := c.send(httptest.NewRequest(http.MethodGet, path, nil), cookies...)
	if rec.Code != http.StatusOK {
		c.t.Fatalf("GET %s = %d", path, rec.Code)
	}
	d, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	token := d.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
	if token == "" {
		c.t.Fatalf("GET %s: the page carries no CSRF token", path)
	}
	return token, rec
}

// post sends a form to path with the token in the _csrf field (empty: the field is sent empty) and the
// extra headers.
func (c csrfClient) post(path, token string, header map[string]string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{csrfFormField: {token}}.Encode()))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.send(req, cookies...)
}

// cookieOf returns the cookie name that rec sets, or nil.
func cookieOf(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// TestCSRFAttacks replays the attacks of the security review against the CSRF check, over HTTP.
func TestCSRFAttacks(t *testing.T) {
	f := newAccessFixture(t)
	c := csrfClient{t: t, srv: f.srv}
	ctx := context.Background()
	refreshes := func() int {
		t.Helper()
		_, total, err := f.db.RefreshHistory(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	signedIn := func(session *http.Cookie) bool {
		return c.send(httptest.NewRequest(http.MethodGet, "/admin", nil), session).Code == http.StatusOK
	}
	wantRefused := func(t *testing.T, rec *httptest.ResponseRecorder, reason string) {
		t.Helper()
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), reason) {
			t.Errorf("status %d, want 403 naming %q:\n%s", rec.Code, reason, rec.Body.String())
		}
	}

	t.Run("an empty cookie with an empty field is refused", func(t *testing.T) {
		admin := f.sessions.Cookie(account.RoleAdmin)
		before := refreshes()
		empty := []*http.Cookie{admin, {Name: preSessionCookie, Value: ""}, {Name: "_csrf", Value: ""}}
		wantRefused(t, c.post("/admin/refresh", "", nil, empty...), "no CSRF token")
		wantRefused(t, c.post("/logout", "", nil, empty...), "no CSRF token")
		if refreshes() != before || !signedIn(admin) {
			t.Error("the refused posts still refreshed or signed out")
		}
	})
	t.Run("an attacker-chosen equal pair is refused", func(t *testing.T) {
		admin := f.sessions.Cookie(account.RoleAdmin)
		pair := []*http.Cookie{admin, {Name: preSessionCookie, Value: "chosen"}, {Name: "_csrf", Value: "chosen"}}
		wantRefused(t, c.post("/logout", "chosen", nil, pair...), "does not belong to this session")
		wantRefused(t, c.post("/logout", "chosen", map[string]string{echo.HeaderOrigin: "https://evil.example"}, pair...), "Origin: https://evil.example")
		if !signedIn(admin) {
			t.Error("a refused logout signed the admin out")
		}
	})
	t.Run("a signed-out pair chosen by the attacker is refused", func(t *testing.T) {
		// Login CSRF: an attacker's own pre-session cookie value with a made-up token.
		rec := c.post("/login", "chosen", nil, &http.Cookie{Name: preSessionCookie, Value: "chosen"})
		wantRefused(t, rec, "does not belong to this session")
	})
	t.Run("another session's token is refused", func(t *testing.T) {
		admin := f.sessions.Cookie(account.RoleAdmin)
		attacker := f.sessions.Cookie(account.RoleManager, f.own.id)
		stolen, _ := c.pageToken("/brands/"+f.own.id, attacker)
		wantRefused(t, c.post("/logout", stolen, nil, admin), "does not belong to this session")
		if !signedIn(admin) {
			t.Error("another session's token signed the admin out")
		}
	})
	t.Run("the right token from a foreign origin is refused", func(t *testing.T) {
		admin := f.sessions.Cookie(account.RoleAdmin)
		token, _ := c.pageToken("/admin", admin)
		before := refreshes()
		for _, h := range []map[string]string{
			{echo.HeaderOrigin: "https://evil.example"},
			{echo.HeaderOrigin: "null"},
			{echo.HeaderOrigin: "http://example.com.evil.example"},
			{"Referer": "https://evil.example/page"},
			{echo.HeaderSecFetchSite: "cross-site"},
			{echo.HeaderSecFetchSite: "same-site"},
		} {
			for k, v := range h {
				wantRefused(t, c.post("/admin/refresh", token, h, admin), k+": "+v)
			}
		}
		if refreshes() != before || !signedIn(admin) {
			t.Error("a refused post still refreshed")
		}
	})
	t.Run("the right token from this origin passes", func(t *testing.T) {
		admin := f.sessions.Cookie(account.RoleAdmin)
		token, _ := c.pageToken("/admin", admin)
		// httptest requests are addressed to example.com.
		rec := c.post("/logout", token, map[string]string{echo.HeaderOrigin: "http://example.com", echo.HeaderSecFetchSite: "same-origin"}, admin)
		if rec.Code != http.StatusSeeOther || signedIn(admin) {
			t.Errorf("logout with the session's token: %d, still signed in %t", rec.Code, signedIn(admin))
		}
	})
	t.Run("the token is bound to the pre-session before sign-in and rotated at sign-in", func(t *testing.T) {
		email := f.sessions.User(account.RoleAdmin)
		preToken, page := c.pageToken("/login")
		pre := cookieOf(page, preSessionCookie)
		if pre == nil || pre.Value == "" || !pre.HttpOnly || pre.SameSite != http.SameSiteStrictMode {
			t.Fatalf("the login page set no HttpOnly, SameSite=Strict pre-session cookie: %+v", pre)
		}
		form := url.Values{csrfFormField: {preToken}, "email": {email}, "password": {testPassword}}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		rec := c.send(req, pre)
		session := cookieOf(rec, sessionCookieName)
		if rec.Code != http.StatusSeeOther || session == nil {
			t.Fatalf("sign-in with the pre-session token: %d\n%s", rec.Code, rec.Body.String())
		}
		if cleared := cookieOf(rec, preSessionCookie); cleared == nil || cleared.MaxAge >= 0 {
			t.Errorf("sign-in did not drop the pre-session cookie: %+v", cleared)
		}
		token, _ := c.pageToken("/admin", session)
		if token == preToken {
			t.Fatal("the token did not change at sign-in")
		}
		wantRefused(t, c.post("/logout", preToken, nil, session, pre), "does not belong to this session")
		if rec := c.post("/logout", token, nil, session); rec.Code != http.StatusSeeOther {
			t.Errorf("logout with the new token: %d", rec.Code)
		}
	})
	t.Run("instances sharing the database accept each other's tokens", func(t *testing.T) {
		admin := f.sessions.Cookie(account.RoleAdmin)
		token, _ := c.pageToken("/admin", admin)
		other := csrfClient{t: t, srv: newTestServer(t, f.db, newTestSessions(t, f.db))}
		if rec := other.post("/logout", token, nil, admin); rec.Code != http.StatusSeeOther {
			t.Errorf("the second instance refused the first one's token: %d\n%s", rec.Code, rec.Body.String())
		}
	})
}

func TestCSRFCookieIsSecureWhenTheSessionCookieIs(t *testing.T) {
	f := newAccessFixture(t)
	for _, tc := range []struct {
		name       string
		opts       func(*AuthOptions)
		header     map[string]string
		remoteAddr string
		secure     bool
	}{
		{"plain HTTP", func(*AuthOptions) {}, nil, "192.0.2.1:1234", false},
		{"--secure-cookies", func(o *AuthOptions) { o.SecureCookies = true }, nil, "192.0.2.1:1234", true},
		{"behind a trusted proxy that says https", func(o *AuthOptions) { o.TrustProxy = true },
			map[string]string{echo.HeaderXForwardedProto: "https"}, "10.0.0.1:1234", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := f.sessions.Options()
			tc.opts(&opts)
			srv, err := New(Options{Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db, Auth: opts})
			if err != nil {
				t.Fatal(err)
			}
			c := csrfClient{t: t, srv: srv}
			get := httptest.NewRequest(http.MethodGet, "/login", nil)
			get.RemoteAddr = tc.remoteAddr
			for k, v := range tc.header {
				get.Header.Set(k, v)
			}
			page := c.send(get)
			pre := cookieOf(page, preSessionCookie)
			if pre == nil || pre.Secure != tc.secure {
				t.Fatalf("pre-session cookie %+v, want Secure=%t", pre, tc.secure)
			}
			d, _ := goquery.NewDocumentFromReader(page.Body)
			email := f.sessions.User(account.RoleManager)
			form := url.Values{csrfFormField: {d.Find(`meta[name="csrf-token"]`).AttrOr("content", "")}, "email": {email}, "password": {testPassword}}
			req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
			req.RemoteAddr = tc.remoteAddr
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := c.send(req, pre)
			session, cleared := cookieOf(rec, sessionCookieName), cookieOf(rec, preSessionCookie)
			if session == nil || cleared == nil {
				t.Fatalf("sign-in: %d, cookies %v", rec.Code, rec.Result().Cookies())
			}
			if session.Secure != tc.secure || cleared.Secure != session.Secure {
				t.Errorf("session cookie Secure=%t, CSRF cookie Secure=%t, want both %t", session.Secure, cleared.Secure, tc.secure)
			}
		})
	}
}

func TestNewRefusesAShortCSRFSecret(t *testing.T) {
	if _, err := New(Options{Auth: AuthOptions{CSRFSecret: []byte("short")}}); err == nil {
		t.Error("New accepted a 5-byte CSRF secret")
	}
}
