package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// testParams are cheap argon2id parameters so the table tests run fast; the format is the same.
func testParams() Params { return Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32} }

func TestPasswordHasher(t *testing.T) {
	h, err := NewPasswordHasher(testParams())
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("hash is a PHC argon2id string with the parameters", func(t *testing.T) {
		if !strings.HasPrefix(encoded, "$argon2id$v=19$m=1024,t=1,p=1$") {
			t.Errorf("hash %q: want the argon2id PHC prefix with m=1024,t=1,p=1", encoded)
		}
	})
	t.Run("same password hashes differently each time", func(t *testing.T) {
		again, err := h.Hash("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		if again == encoded {
			t.Error("two hashes of one password are equal: the salt is not random")
		}
	})
	for _, tc := range []struct {
		name     string
		password string
		want     bool
	}{
		{"right password matches", "correct horse battery staple", true},
		{"wrong password does not match", "correct horse battery stapler", false},
		{"empty password does not match", "", false},
		{"case matters", "Correct horse battery staple", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Verify(encoded, tc.password)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Verify(%q) = %v, want %v", tc.password, got, tc.want)
			}
		})
	}
	t.Run("hash made with other parameters still verifies", func(t *testing.T) {
		other, err := NewPasswordHasher(Params{Memory: 2048, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32})
		if err != nil {
			t.Fatal(err)
		}
		old, err := other.Hash("pa55word-from-last-year")
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := h.Verify(old, "pa55word-from-last-year"); err != nil || !ok {
			t.Errorf("Verify = %v, %v; want true", ok, err)
		}
	})
}

func TestNeedsRehash(t *testing.T) {
	h, err := NewPasswordHasher(testParams())
	if err != nil {
		t.Fatal(err)
	}
	current, err := h.Hash("a password of today")
	if err != nil {
		t.Fatal(err)
	}
	older, err := NewPasswordHasher(Params{Memory: 512, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	old, err := older.Hash("a password of last year")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, hash string
		want       bool
	}{
		{"current parameters need nothing", current, false},
		{"older parameters need a new hash", old, true},
		{"an unreadable hash needs a new one", "$2a$10$bcrypt", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.NeedsRehash(tc.hash); got != tc.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	h, err := NewPasswordHasher(testParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, hash string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"},
		{"other version", "$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"},
		{"missing key", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0"},
		{"zero time", "$argon2id$v=19$m=1024,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"},
		{"huge memory", "$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"},
		{"bad base64 salt", "$argon2id$v=19$m=1024,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA"},
	} {
		t.Run(tc.name+" is malformed", func(t *testing.T) {
			ok, err := h.Verify(tc.hash, "anything")
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", tc.hash, ok, err)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string
		ok       bool
	}{
		{"12 characters is enough", "abcdefghijkl", true},
		{"11 characters is too short", "abcdefghijk", false},
		{"12 multi-byte characters count as 12", "ääääääääääää", true},
		{"256 bytes is allowed", strings.Repeat("a", 256), true},
		{"257 bytes is too long", strings.Repeat("a", 257), false},
		{"invalid UTF-8 is refused", "abcdefghijkl\xff", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePassword(tc.password)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidatePassword = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && apperr.CodeOf(err) != apperr.EINVALID {
				t.Errorf("code %s, want %s", apperr.CodeOf(err), apperr.EINVALID)
			}
		})
	}
}

func TestRandomPasswordIsValidAndUnique(t *testing.T) {
	a, err := RandomPassword()
	if err != nil {
		t.Fatal(err)
	}
	b, err := RandomPassword()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two random passwords are equal")
	}
	if err := ValidatePassword(a); err != nil {
		t.Errorf("random password %d chars fails validation: %v", len(a), err)
	}
}
