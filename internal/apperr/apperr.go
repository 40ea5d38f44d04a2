// Package apperr defines the typed errors sqpdash shows to people. A *Error's message is safe to show to a
// user; anything else is an internal error whose details are only logged.
package apperr

import (
	"errors"
	"fmt"
)

// Error codes. The web layer maps them to HTTP statuses, the CLI to exit codes.
const (
	EINVALID      = "invalid"      // bad input: 400
	ENOTFOUND     = "not_found"    // unknown brand, ASIN, ...: 404
	ECONFLICT     = "conflict"     // e.g. a refresh is already running: 409
	EUNAUTHORIZED = "unauthorized" // not signed in: 401
	EFORBIDDEN    = "forbidden"    // signed in, not allowed: 403
	ETOOLARGE     = "too_large"    // request body over the limit: 413
	EINTERNAL     = "internal"     // everything else: 500
)

// Error is an error whose Message can be shown to the user as is.
type Error struct {
	Code string
	// Param names the input at fault (a query parameter, a form field, a file line), if any.
	Param   string
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s: %s", e.Param, e.Message)
	}
	return e.Message
}

// Invalid reports bad input in the named parameter.
func Invalid(param, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Param: param, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports that the named thing does not exist (or is not visible to the caller).
func NotFound(format string, args ...any) *Error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports that the request cannot run now, e.g. because another run holds the lock.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf(format, args...)}
}

// Forbidden reports that the caller may not do this.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: EFORBIDDEN, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized reports that the caller must sign in.
func Unauthorized(format string, args ...any) *Error {
	return &Error{Code: EUNAUTHORIZED, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or EINTERNAL.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
