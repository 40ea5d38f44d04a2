package web

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
)

// A database that cannot be reached is a temporary condition, not a bug: the pages, the partials and the
// API answer 503 with Retry-After, and the page says the data store is unavailable.
const (
	codeUnavailable    = "unavailable"
	msgUnavailable     = "The data store is unavailable at the moment. Try again in a few seconds."
	retryAfterSeconds  = "15"
	unavailableLogNote = "data store unavailable"
)

// sqlStateError is what the database driver's server errors implement (pgconn.PgError): the web package
// reads the SQLSTATE without importing the driver.
type sqlStateError interface {
	SQLState() string
}

// retryableError is what the driver's own connection-level errors implement (pgconn's: a failed write,
// a read cut short, a timeout); a server's error reply never does.
type retryableError interface {
	SafeToRetry() bool
}

// storeUnavailable reports whether err means the data store cannot be reached now, as opposed to a query
// that failed: the server refused or dropped the connection, is starting up or shutting down, has no
// connection slot left, or did not answer before the request's own deadline. reqCtx is the request's
// context: a deadline or cancellation of the request itself (the client went away) is not the store's
// fault.
func storeUnavailable(reqCtx context.Context, err error) bool {
	var state sqlStateError
	if errors.As(err, &state) {
		code := state.SQLState()
		switch {
		case strings.HasPrefix(code, "08"): // connection_exception and its subclasses
			return true
		case code == "57P01", code == "57P02", code == "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		case code == "53300": // too_many_connections
			return true
		}
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// A storage call gave up waiting (for a connection, an answer): the store's fault unless the
		// request itself ended. Checked first: context.DeadlineExceeded is also a net.Error.
		return reqCtx.Err() == nil
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true // dial refused, no socket, reset, timeout
	}
	var driverErr retryableError
	if errors.As(err, &driverErr) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return true // the server closed the connection under a query
	}
	return false
}
