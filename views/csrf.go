package views

import "context"

// csrfTokenKey is the context key of the request's CSRF token.
type csrfTokenKey struct{}

// WithCSRFToken returns ctx carrying the CSRF token, which the layout writes into its
// <meta name="csrf-token"> for static/js/csrf.js to send with every htmx request.
func WithCSRFToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfTokenKey{}, token)
}

// WithCSRFTokenFunc is WithCSRFToken for a token computed only when a view renders it (token is called
// then, possibly more than once: it should remember its result). A partial that renders no form, the
// most frequent response, costs no token at all.
func WithCSRFTokenFunc(ctx context.Context, token func() string) context.Context {
	return context.WithValue(ctx, csrfTokenKey{}, token)
}

// csrfTokenOf returns the CSRF token carried by ctx, or "".
func csrfTokenOf(ctx context.Context) string {
	switch token := ctx.Value(csrfTokenKey{}).(type) {
	case string:
		return token
	case func() string:
		return token()
	}
	return ""
}
