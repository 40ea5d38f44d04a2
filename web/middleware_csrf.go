package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/views"
)

// CSRF token plumbing: the token lives in a cookie (double submit) and comes back in the form field
// csrfFormField or, for htmx requests, in the header that static/js/csrf.js copies from the page's
// <meta name="csrf-token">.
const (
	csrfFormField  = "_csrf"
	csrfHeader     = echo.HeaderXCSRFToken
	csrfCookieName = "_csrf"
	csrfContextKey = "csrf"
)

// CSRFToken returns the token to render into forms and the <meta> of the page being built.
func CSRFToken(c echo.Context) string {
	token, _ := c.Get(csrfContextKey).(string)
	return token
}

// protectCSRF checks every unsafe request (POST, PUT, PATCH, DELETE) before any handler runs, with Echo's
// CSRF middleware; a missing or wrong token is a 403. Browsers that send Sec-Fetch-Site are judged by it
// (same-origin passes, cross-site is refused) and every other client needs the token. For safe requests
// the middleware is shown the request without Sec-Fetch-Site, so that it always issues a real token and
// cookie: the forms then also work where a proxy strips that header from the POST.
func protectCSRF(secureCookie bool) echo.MiddlewareFunc {
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        withoutForms,
		TokenLookup:    "header:" + csrfHeader + ",form:" + csrfFormField,
		ContextKey:     csrfContextKey,
		CookieName:     csrfCookieName,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secureCookie,
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return apperr.Forbidden("the form has expired or did not come from this site: reload the page and try again")
		},
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		check := csrf(func(c echo.Context) error {
			token := CSRFToken(c)
			if token == middleware.CSRFUsingSecFetchSite {
				// A post the browser vouched for with Sec-Fetch-Site: keep rendering the real token of
				// its cookie, not Echo's placeholder, into the forms of the response.
				if cookie, err := c.Cookie(csrfCookieName); err == nil {
					token = cookie.Value
					c.Set(csrfContextKey, token)
				}
			}
			// Hand the token to the templates (the layout's <meta>) through the request context.
			req := c.Request()
			c.SetRequest(req.WithContext(views.WithCSRFToken(req.Context(), token)))
			return next(c)
		})
		return func(c echo.Context) error {
			req := c.Request()
			if isSafeMethod(req.Method) && req.Header.Get(echo.HeaderSecFetchSite) != "" {
				plain := req.Clone(req.Context())
				plain.Header.Del(echo.HeaderSecFetchSite)
				c.SetRequest(plain)
			}
			return check(c)
		}
	}
}

// withoutForms skips the CSRF middleware for reads of routes that render no form (static files, probes,
// metrics): they need no token, and a Set-Cookie would spoil the caching of static files.
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
