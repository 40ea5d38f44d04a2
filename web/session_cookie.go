package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// sessionCookieName holds the session token. The token is the only credential: HttpOnly keeps scripts
// from reading it, SameSite=Lax keeps other sites' forms from sending it with a POST.
const sessionCookieName = "sqpdash_session"

// isHTTPS reports whether the client reached us over TLS: directly, or through a trusted proxy that
// says so in X-Forwarded-Proto.
func (s *Server) isHTTPS(c echo.Context) bool {
	req := c.Request()
	if req.TLS != nil {
		return true
	}
	return s.authOpts.TrustProxy && req.Header.Get(echo.HeaderXForwardedProto) == "https"
}

// secureCookies reports whether cookies of this response must be Secure.
func (s *Server) secureCookies(c echo.Context) bool {
	return s.authOpts.SecureCookies || s.isHTTPS(c)
}

// setSessionCookie hands the browser a new session token. The cookie lives as long as the session can.
func (s *Server) setSessionCookie(c echo.Context, token string) {
	maxAge := s.authOpts.Service.SessionPolicy().Absolute
	c.SetCookie(&http.Cookie{
		Name:     sessionCookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   int(maxAge / time.Second),
		HttpOnly: true,
		Secure:   s.secureCookies(c),
		SameSite: http.SameSiteLaxMode,
	})
}

// setReadAfterCookie hands an admin the primary's WAL position after their writes (read_routing.go).
func (s *Server) setReadAfterCookie(c echo.Context, mark string) {
	c.SetCookie(&http.Cookie{
		Name:     readAfterCookie,
		Value:    mark,
		Path:     "/",
		MaxAge:   int(readAfterMaxAge / time.Second),
		HttpOnly: true,
		Secure:   s.secureCookies(c),
		SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie tells the browser to forget its session token.
func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name:     sessionCookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secureCookies(c),
		SameSite: http.SameSiteLaxMode,
	})
}

// sessionToken returns the token of the request's session cookie, or "".
func sessionToken(c echo.Context) string {
	cookie, err := c.Cookie(sessionCookieName)
	if err != nil {
		return ""
	}
	return cookie.Value
}
