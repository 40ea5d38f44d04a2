package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// Password length limits. The minimum keeps guessable passwords out; the maximum keeps a request from
// making the server hash megabytes.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// Params are the argon2id cost parameters. They are written into every hash (PHC string format), so a hash
// made with older parameters still verifies after the defaults change.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are RFC 9106's second recommended setting (64 MiB, 3 passes), with two lanes to match
// the small machines sqpdash runs on: about a tenth of a second per login.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// ErrMalformedHash means a stored hash is not an argon2id PHC string this package can read.
var ErrMalformedHash = errors.New("malformed argon2id password hash")

// PasswordHasher hashes and verifies passwords with argon2id. It keeps a hash of a random password so that a
// login for an unknown email costs the same time as one for a known email (VerifyDummy).
type PasswordHasher struct {
	params Params
	dummy  string
}

// NewPasswordHasher returns a hasher that hashes new passwords with p.
func NewPasswordHasher(p Params) (*PasswordHasher, error) {
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 || p.SaltLen < 8 || p.KeyLen < 16 {
		return nil, fmt.Errorf("argon2id parameters %+v are below the minimum", p)
	}
	h := &PasswordHasher{params: p}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return nil, fmt.Errorf("read random dummy password: %w", err)
	}
	dummy, err := h.Hash(base64.RawStdEncoding.EncodeToString(random))
	if err != nil {
		return nil, fmt.Errorf("hash dummy password: %w", err)
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the PHC string of password with a fresh random salt:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key> (unpadded standard base64).
func (h *PasswordHasher) Hash(password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Time, h.params.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded. The comparison takes the same time
// wherever the first differing byte is.
func (h *PasswordHasher) Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with other parameters than new hashes get, so that a
// successful sign-in can store the password again at today's cost.
func (h *PasswordHasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != h.params
}

// VerifyDummy spends the time of one Verify and always fails. Login calls it when the email is unknown so
// that the response time does not tell which emails have accounts.
func (h *PasswordHasher) VerifyDummy(password string) {
	_, _ = h.Verify(h.dummy, password)
}

// decodeHash parses $argon2id$v=19$m=M,t=T,p=P$salt$key.
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", ErrMalformedHash, parts[2])
	}
	var p Params
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || n != 3 ||
		p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) || p.Memory > 4*1024*1024 || p.Time > 100 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	saltLen := len(salt)
	if err != nil || saltLen < 8 || saltLen > 1024 {
		return Params{}, nil, nil, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	keyLen := len(key)
	if err != nil || keyLen < 16 || keyLen > 1024 {
		return Params{}, nil, nil, fmt.Errorf("%w: key", ErrMalformedHash)
	}
	p.SaltLen, p.KeyLen = uint32(saltLen), uint32(keyLen)
	return p, salt, key, nil
}

// ValidatePassword checks a new password against the length rules; the message is safe to show.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return apperr.Invalid("password", "must be valid UTF-8 text")
	case n < MinPasswordLength:
		return apperr.Invalid("password", "must be at least %d characters long", MinPasswordLength)
	case len(password) > MaxPasswordLength:
		return apperr.Invalid("password", "must be at most %d bytes long", MaxPasswordLength)
	}
	return nil
}

// RandomPassword returns a password of 20 URL-safe characters (120 random bits), for first-run admins.
func RandomPassword() (string, error) {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
