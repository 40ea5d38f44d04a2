// Package account is who may use sqpdash: users and their roles and brands, the sessions they sign in
// with and the login attempts kept for throttling. It is the vocabulary that storage and the sign-in
// rules (internal/auth) share, so that storage depends on these types and never on the service that
// hashes passwords and decides when a session ends.
package account

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// Role is what a user may do. There are two: admins run the system, managers read their brands.
type Role string

// The roles. Their string values are stored in app_users.role (checked there too).
const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
)

// ParseRole accepts exactly the stored names.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleManager:
		return r, nil
	}
	return "", apperr.Invalid("role", "must be admin or manager, not %q", s)
}

// User is a signed-in person as the rest of the program sees them: enough to decide what they may see.
type User struct {
	ID     string // uuid
	Email  string // normalised: see NormalizeEmail
	Role   Role
	Active bool
	// BrandIDs are the brands a manager was granted; admins see every brand whatever this holds.
	BrandIDs    []string
	CreatedAt   time.Time
	LastLoginAt *time.Time
}

// IsAdmin reports whether u may use the admin pages, refresh and import.
func (u User) IsAdmin() bool { return u.Role == RoleAdmin }

// CanSeeBrand reports whether u may see anything of brand id. Callers answer "not found" when it is false,
// so that a manager cannot tell another brand from a missing one.
func (u User) CanSeeBrand(id string) bool {
	if !u.Active {
		return false
	}
	return u.IsAdmin() || slices.Contains(u.BrandIDs, id)
}

// NormalizeEmail trims and lower-cases an email address and checks that it is a bare address
// (local@domain, no display name). Emails are compared in this form, so "Ann@Example.com" and
// "ann@example.com" are one account.
func NormalizeEmail(s string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(s))
	if email == "" {
		return "", apperr.Invalid("email", "is required")
	}
	if len(email) > 254 {
		return "", apperr.Invalid("email", "must be at most 254 characters long")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(email, "@") {
		return "", apperr.Invalid("email", "must be an address such as name@example.com")
	}
	return email, nil
}
