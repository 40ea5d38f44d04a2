package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/views"
)

// CSRF tokens are bound to the browser's session: token = HMAC-SHA256(server secret, session token) once
// signed in, and HMAC-SHA256(server secret, pre-session nonce) before, where the nonce is a random value
// in the pre-session cookie. Neither input can be read or chosen by another site (both cookies are
// HttpOnly, the secret never leaves the server), so a forged pair no longer passes as in a plain double
// submit, and a token is worthless outside its session. Signing in starts a new session and so a new
// token; the secret lives in the database (AuthOptions.CSRFSecret), so every instance agrees on it.
//
// The token comes back in the form field csrfFormField or, for htmx requests, in csrfHeader, which
// static/js/csrf.js copies from the page's <meta name="csrf-token">.
const (
	csrfFormField     = "_csrf"
	csrfHeader        = echo.HeaderXCSRFToken
	csrfContextKey    = "csrf"
	preSessionCookie  = "sqpdash_presession"
	preSessionMaxAge  = 24 * 60 * 60 // seconds: a sign-in page left open longer asks for a reload
	csrfTokenDomain   = "sqpdash csrf v1\x00"
	minCSRFSecretSize = 32
)

// CSRFToken returns the token to render into forms and the <meta> of the page being built.
func CSRFToken(c echo.Context) string {
	token, _ := c.Get(csrfContextKey).(*requestCSRFToken)
	if token == nil {
		return ""
	}
	return token.get()
}

// requestCSRFToken is the token of one request, computed (an HMAC) the first time a form, the layout or
// a cache key asks for it: most signed-in requests are htmx partials and cached responses that render
// no form, and the HMAC was a few percent of a cached request's CPU (docs/performance.md).
type requestCSRFToken struct {
	once   sync.Once
	server *Server
	// kind and value make the binding (csrfTokenFor): "session:" and the session token, or "pre:" and the
	// pre-session nonce.
	kind, value string
	token       string
}

func (t *requestCSRFToken) get() string {
	t.once.Do(func() { t.token = t.server.csrfTokenFor(t.kind + t.value) })
	return t.token
}

// csrfTokenFor is the token of one binding: "session:" + session token or "pre:" + nonce.
func (s *Server) csrfTokenFor(binding string) string {
	mac := hmac.New(sha256.New, s.authOpts.CSRFSecret)
	mac.Write([]byte(csrfTokenDomain))
	mac.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfBinding is what the token of this request must be bound to: the session cookie when the browser
// has one, else the pre-session cookie; ok is false when it has neither.
func csrfBinding(c echo.Context) (binding string, ok bool) {
	if token := sessionToken(c); token != "" {
		return "session:" + token, true
	}
	if cookie, err := c.Cookie(preSessionCookie); err == nil && cookie.Value != "" {
		return "pre:" + cookie.Value, true
	}
	return "", false
}

// protectCSRF refuses every unsafe request (POST, PUT, PATCH, DELETE) that another site could have sent,
// before any session work or handler: a foreign Origin (or Referer, when the browser sent no Origin), a
// cross-site Sec-Fetch-Site, no CSRF cookie, or a token that is missing or not the one of this browser's
// session. Each refusal is a 403 that names its reason.
func (s *Server) protectCSRF() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if isSafeMethod(req.Method) {
				return next(c)
			}
			if err := s.checkSameOrigin(c); err != nil {
				return err
			}
			binding, ok := csrfBinding(c)
			if !ok {
				return apperr.Forbidden("the request carries no CSRF cookie (cookies off, or the page is too old): reload the page and try again")
			}
			sent := req.Header.Get(csrfHeader)
			if sent == "" {
				sent = c.FormValue(csrfFormField)
			}
			if sent == "" {
				return apperr.Forbidden("the request carries no CSRF token: reload the page and try again")
			}
			if !hmac.Equal([]byte(sent), []byte(s.csrfTokenFor(binding))) {
				return apperr.Forbidden("the CSRF token does not belong to this session (the form has expired or did not come from this site): reload the page and try again")
			}
			return next(c)
		}
	}
}

// checkSameOrigin refuses a request that a browser says came from another site. Sec-Fetch-Site is the
// browser's own verdict; Origin is sent with every cross-origin POST; Referer stands in for an absent
// Origin (older browsers, some privacy settings). A request with none of them (curl, a proxy that strips
// them) is left to the token check.
func (s *Server) checkSameOrigin(c echo.Context) error {
	req := c.Request()
	switch site := req.Header.Get(echo.HeaderSecFetchSite); site {
	case "", "same-origin", "none":
	default:
		return apperr.Forbidden("the request came from another site (Sec-Fetch-Site: %s)", site)
	}
	if origin := req.Header.Get(echo.HeaderOrigin); origin != "" {
		if !s.sameOrigin(c, origin) {
			return apperr.Forbidden("the request came from another site (Origin: %s)", clip(origin))
		}
		return nil
	}
	if referer := req.Header.Get("Referer"); referer != "" && !s.sameOrigin(c, referer) {
		return apperr.Forbidden("the request came from another site (Referer: %s)", clip(referer))
	}
	return nil
}

// sameOrigin reports whether the URL raw (an Origin or a Referer) names this server: the host the
// request was sent to, and https when the request came over TLS. "null" (a sandboxed frame, a file) is
// never this server.
func (s *Server) sameOrigin(c echo.Context, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if s.isHTTPS(c) && u.Scheme != "https" {
		return false
	}
	return strings.EqualFold(u.Host, c.Request().Host)
}

// clip keeps an attacker-chosen header short in the error message.
func clip(v string) string {
	const max = 100
	if len(v) > max {
		return v[:max] + "…"
	}
	return v
}

// csrfForViews puts the token of this request's session into the forms and the layout's <meta>. It runs
// after loadSession: a signed-in user gets the token of their session; anyone else the token of the
// pre-session cookie, which is issued here when missing.
func (s *Server) csrfForViews() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if withoutForms(c) {
				return next(c)
			}
			// The binding is chosen now (the pre-session cookie must be set before anything is written);
			// the HMAC is computed only if the response shows the token.
			token := &requestCSRFToken{server: s}
			if _, ok := UserFrom(c.Request().Context()); ok {
				token.kind, token.value = "session:", sessionToken(c)
			} else {
				nonce := ""
				if cookie, err := c.Cookie(preSessionCookie); err == nil {
					nonce = cookie.Value
				}
				if nonce == "" {
					nonce = s.setPreSessionCookie(c)
				}
				token.kind, token.value = "pre:", nonce
			}
			c.Set(csrfContextKey, token)
			req := c.Request()
			c.SetRequest(req.WithContext(views.WithCSRFTokenFunc(req.Context(), token.get)))
			return next(c)
		}
	}
}

// setPreSessionCookie hands the browser a new random pre-session nonce and returns it. It is Secure
// whenever the session cookie would be.
func (s *Server) setPreSessionCookie(c echo.Context) string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{
		Name:     preSessionCookie,
		Value:    nonce,
		Path:     "/",
		MaxAge:   preSessionMaxAge,
		HttpOnly: true,
		Secure:   s.secureCookies(c),
		SameSite: http.SameSiteStrictMode,
	})
	return nonce
}

// clearPreSessionCookie drops the pre-session nonce at sign-in: its token must not outlive the
// signed-out state (a fresh one is issued when the browser is signed out again).
func (s *Server) clearPreSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name:     preSessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secureCookies(c),
		SameSite: http.SameSiteStrictMode,
	})
}

// withoutForms is true for reads of routes that render no form (static files, probes, metrics): they
// need no token, and a Set-Cookie would spoil the caching of static files.
func withoutForms(c echo.Context) bool {
	if !isSafeMethod(c.Request().Method) {
		return false
	}
	switch c.Path() {
	case "/static/*", "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

func isSafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}
