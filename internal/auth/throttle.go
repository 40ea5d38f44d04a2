package auth

import (
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
)

// ThrottlePolicy limits failed logins per account and per client address within a sliding window. The
// counts live in PostgreSQL, so every sqpdash process behind a load balancer enforces the same limits.
type ThrottlePolicy struct {
	Window time.Duration
	// PerAccount is the number of failures for one email within Window after which logins to it are refused.
	PerAccount int
	// PerIP is the same for one client address, across all emails (credential stuffing).
	PerIP int
}

// DefaultThrottlePolicy: 5 failures a minute per account, 20 per address.
func DefaultThrottlePolicy() ThrottlePolicy {
	return ThrottlePolicy{Window: time.Minute, PerAccount: 5, PerIP: 20}
}

// Throttled reports whether a new attempt must be refused without checking the password.
func (p ThrottlePolicy) Throttled(c account.FailureCounts) bool {
	return c.ByEmail >= p.PerAccount || c.ByIP >= p.PerIP
}
