package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
)

// tokenBytes is the entropy of a session token: 256 bits, far beyond guessing.
const tokenBytes = 32

// SessionPolicy says how long a session lives.
type SessionPolicy struct {
	// Idle ends a session that has not been used for this long.
	Idle time.Duration
	// Absolute ends every session this long after sign-in, used or not.
	Absolute time.Duration
	// TouchEvery limits how often LastSeenAt is written: at most once per TouchEvery, not on every request.
	TouchEvery time.Duration
}

// DefaultSessionPolicy ends a session after two idle hours or one day, whichever comes first, and writes
// LastSeenAt at most once a minute.
func DefaultSessionPolicy() SessionPolicy {
	return SessionPolicy{Idle: 2 * time.Hour, Absolute: 24 * time.Hour, TouchEvery: time.Minute}
}

// Valid reports whether s may still be used at now.
func (p SessionPolicy) Valid(s account.Session, now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Before(s.LastSeenAt.Add(p.Idle))
}

// NeedsTouch reports whether LastSeenAt is old enough to be written again.
func (p SessionPolicy) NeedsTouch(s account.Session, now time.Time) bool {
	return now.Sub(s.LastSeenAt) >= p.TouchEvery
}

// NewToken returns a fresh session token (for the cookie) and its hash (for the database).
func NewToken() (token string, hash []byte, err error) {
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("read random session token: %w", err)
	}
	sum := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(raw), sum[:], nil
}

// HashToken returns the stored form of a token from a cookie; ok is false when the token cannot be one of
// ours, so that garbage never reaches the database.
func HashToken(token string) (hash []byte, ok bool) {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != tokenBytes {
		return nil, false
	}
	sum := sha256.Sum256(raw)
	return sum[:], true
}
