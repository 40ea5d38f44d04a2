package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/views"
)

// Words shown on the login page. One message for an unknown email, a wrong password and a disabled
// account: the page must not tell which accounts exist.
const (
	msgInvalidCredentials = "Incorrect email or password."
	msgThrottled          = "Too many failed sign-in attempts. Wait a minute, then try again."
	msgLoginBusy          = "Too many sign-ins are being checked right now. Try again in a few seconds."
)

// loginBusyRetryAfter is what a sign-in refused with auth.ErrBusy is told to wait: a queue of hashes
// drains in about a second.
const loginBusyRetryAfter = 2 * time.Second

// loginSubmit checks the credentials (the CSRF middleware has checked the token before) and starts a new
// session: a fresh token, whatever cookie the browser had, so a planted session id is never promoted.
func (s *Server) loginSubmit(c echo.Context) error {
	req := c.Request()
	email, password := c.FormValue("email"), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	if s.authOpts.Service == nil {
		return errors.New("login: no authentication service configured")
	}
	token, user, err := s.authOpts.Service.Login(req.Context(), auth.Credentials{
		Email: email, Password: password, IP: c.RealIP(), UserAgent: req.UserAgent(),
	})
	// The audit trail names the account and address, never the password or the token.
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		s.log.WarnContext(req.Context(), "sign-in refused", slog.String("email", email), slog.String("remote_ip", c.RealIP()))
		return s.renderLogin(c, http.StatusUnauthorized, views.LoginView{Email: email, Next: next, Error: msgInvalidCredentials})
	case errors.Is(err, auth.ErrThrottled):
		s.log.WarnContext(req.Context(), "sign-in throttled", slog.String("email", email), slog.String("remote_ip", c.RealIP()))
		retry := time.Minute
		if te := (*auth.ThrottledError)(nil); errors.As(err, &te) {
			retry = te.RetryAfter
		}
		setLoginRetryAfter(c, retry)
		return s.renderLogin(c, http.StatusTooManyRequests, views.LoginView{Email: email, Next: next, Error: msgThrottled})
	case errors.Is(err, auth.ErrBusy):
		s.log.WarnContext(req.Context(), "sign-in refused: hashing busy", slog.String("email", email), slog.String("remote_ip", c.RealIP()))
		setLoginRetryAfter(c, loginBusyRetryAfter)
		return s.renderLogin(c, http.StatusServiceUnavailable, views.LoginView{Email: email, Next: next, Error: msgLoginBusy})
	case err != nil:
		return err
	}
	s.log.InfoContext(req.Context(), "signed in", slog.String("email", user.Email), slog.String("role", string(user.Role)), slog.String("remote_ip", c.RealIP()))
	if old := sessionToken(c); old != "" {
		if err := s.authOpts.Service.Logout(req.Context(), old); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, token)
	s.clearPreSessionCookie(c) // the new session brings its own CSRF token

	return c.Redirect(http.StatusSeeOther, next)
}

// setLoginRetryAfter tells the client in whole seconds (rounded up) when to try signing in again.
func setLoginRetryAfter(c echo.Context, d time.Duration) {
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(int((d+time.Second-1)/time.Second)))
}
