package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
)

func TestNewTokenHashesToItsHash(t *testing.T) {
	token, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 || len(hash) != 32 {
		t.Fatalf("token %d chars, hash %d bytes; want 43 and 32", len(token), len(hash))
	}
	got, ok := HashToken(token)
	if !ok || !bytes.Equal(got, hash) {
		t.Errorf("HashToken(token) = %x, %v; want %x", got, ok, hash)
	}
	other, _, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if other == token {
		t.Error("two tokens are equal")
	}
}

func TestHashTokenRejectsNonTokens(t *testing.T) {
	token, _, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"one character short", token[:42]},
		{"one character long", token + "A"},
		{"not base64url", strings.Repeat("+", 43)},
		{"SQL", "' OR 1=1 --" + strings.Repeat("a", 32)},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			if _, ok := HashToken(tc.token); ok {
				t.Errorf("HashToken(%q) accepted", tc.token)
			}
		})
	}
}

func TestSessionPolicy(t *testing.T) {
	p := SessionPolicy{Idle: 2 * time.Hour, Absolute: 24 * time.Hour, TouchEvery: time.Minute}
	start := time.Date(2026, 1, 4, 9, 0, 0, 0, time.UTC)
	fresh := account.Session{CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(p.Absolute)}
	for _, tc := range []struct {
		name      string
		lastSeen  time.Duration // after start
		now       time.Duration // after start
		valid     bool
		needTouch bool
	}{
		{"just created is valid", 0, 0, true, false},
		{"used a minute later is valid and touched", 0, time.Minute, true, true},
		{"idle just under the limit is valid", 0, 2*time.Hour - time.Second, true, true},
		{"idle for the limit has expired", 0, 2 * time.Hour, false, true},
		{"kept busy until just before the absolute end is valid", 23*time.Hour + 59*time.Minute, 24*time.Hour - time.Second, true, false},
		{"kept busy past the absolute end has expired", 23*time.Hour + 59*time.Minute, 24 * time.Hour, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh
			s.LastSeenAt = start.Add(tc.lastSeen)
			now := start.Add(tc.now)
			if got := p.Valid(s, now); got != tc.valid {
				t.Errorf("Valid = %v, want %v", got, tc.valid)
			}
			if got := p.NeedsTouch(s, now); got != tc.needTouch {
				t.Errorf("NeedsTouch = %v, want %v", got, tc.needTouch)
			}
		})
	}
}

func TestThrottled(t *testing.T) {
	p := DefaultThrottlePolicy()
	for _, tc := range []struct {
		name   string
		counts account.FailureCounts
		want   bool
	}{
		{"no failures pass", account.FailureCounts{}, false},
		{"four account failures from the address pass", account.FailureCounts{ByEmailIP: 4, ByEmail: 4, ByIP: 4}, false},
		{"five account failures from the address are throttled", account.FailureCounts{ByEmailIP: 5, ByEmail: 5, ByIP: 5}, true},
		{"five account failures from elsewhere pass", account.FailureCounts{ByEmailIP: 0, ByEmail: 5, ByIP: 0}, false},
		{"twenty-five account failures from anywhere are throttled", account.FailureCounts{ByEmailIP: 0, ByEmail: 25, ByIP: 0}, true},
		{"twenty address failures are throttled", account.FailureCounts{ByEmail: 0, ByIP: 20}, true},
		{"nineteen address failures pass", account.FailureCounts{ByEmailIP: 1, ByEmail: 1, ByIP: 19}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Throttled(tc.counts); got != tc.want {
				t.Errorf("Throttled(%+v) = %v, want %v", tc.counts, got, tc.want)
			}
		})
	}
}

func TestTruncateKeepsUTF8Whole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"aé", 2, "a"}, {"aé", 3, "aé"}} {
		if got := truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestStorableIsValidTextForPostgreSQL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"192.0.2.1", 64, "192.0.2.1"},
		{"a\x00b", 64, "ab"},
		{"a\xffb", 64, "a\uFFFDb"},
		{"Mozilla/5.0 ääää", 14, "Mozilla/5.0 ä"},
	} {
		if got := storable(tc.in, tc.n); got != tc.want {
			t.Errorf("storable(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
