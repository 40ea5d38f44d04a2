package views

import "context"

// csrfTokenKey is the context key of the request's CSRF token.
type csrfTokenKey struct{}

// WithCSRFToken returns ctx carrying the CSRF token, which the layout writes into its
// <meta name="csrf-token"> for static/js/csrf.js to send with every htmx request.
func WithCSRFToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfTokenKey{}, token)
}

// csrfTokenOf returns the CSRF token carried by ctx, or "".
func csrfTokenOf(ctx context.Context) string {
	token, _ := ctx.Value(csrfTokenKey{}).(string)
	return token
}
