package account

import "time"

// Session is one sign-in as stored server-side. Only TokenHash identifies it: the token itself lives in
// the user's cookie and nowhere else, so a copy of the sessions table signs nobody in.
type Session struct {
	TokenHash  []byte
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the absolute end, fixed at sign-in: CreatedAt + SessionPolicy.Absolute.
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// LoginAttempt is one submitted login form, kept for throttling (and as an audit trail).
type LoginAttempt struct {
	Email     string // as normalised; the raw input when it was not an email
	IP        string
	Succeeded bool
	At        time.Time
}

// FailureCounts are the failed attempts within the window: for the account from the same address, for
// the account from any address, and from the address for any account.
type FailureCounts struct {
	ByEmailIP int
	ByEmail   int
	ByIP      int
}
