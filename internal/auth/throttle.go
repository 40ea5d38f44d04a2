package auth

import (
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
)

// ThrottlePolicy limits failed logins within a sliding window: per account from one client address, per
// address across all accounts, and per account across all addresses. The counts live in PostgreSQL, so
// every sqpdash process behind a load balancer enforces the same limits.
//
// The tight per-account limit counts one address only, so that a burst of guesses from one client locks
// that client out of the account, not the account's owner signing in from elsewhere; the looser limit
// across addresses still slows guessing spread over many addresses. Every limit lasts one window: there
// is no permanent lockout for an attacker to trigger.
type ThrottlePolicy struct {
	Window time.Duration
	// PerAccount is the number of failures for one email from one address within Window after which
	// that address may no longer try the email.
	PerAccount int
	// PerIP is the number of failures from one client address, across all emails (credential stuffing).
	PerIP int
	// PerAccountAllAddresses is the number of failures for one email from any address after which the
	// email is refused everywhere until the window has passed. Zero takes 5 × PerAccount.
	PerAccountAllAddresses int
}

// DefaultThrottlePolicy: a minute's window; 5 failures per account from one address, 20 per address,
// 25 per account from all addresses together.
func DefaultThrottlePolicy() ThrottlePolicy {
	return ThrottlePolicy{Window: time.Minute, PerAccount: 5, PerIP: 20, PerAccountAllAddresses: 25}
}

// Throttled reports whether a new attempt must be refused without checking the password.
func (p ThrottlePolicy) Throttled(c account.FailureCounts) bool {
	return c.ByEmailIP >= p.PerAccount || c.ByIP >= p.PerIP || c.ByEmail >= p.PerAccountAllAddresses
}

// ThrottledError is the error of a throttled Login: errors.Is(err, ErrThrottled) holds, and RetryAfter
// says how long the client should wait (the window, after which every failure counted now has left it).
type ThrottledError struct {
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string { return ErrThrottled.Error() }

// Is makes a ThrottledError match ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }
