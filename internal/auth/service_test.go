package auth_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// TestMain gives the package a private PostgreSQL cluster: the service is tested against real storage.
func TestMain(m *testing.M) { pgtest.Main(m) }

// clock is a settable time source shared by the service and the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a service on a fresh database with one active manager and one disabled admin.
type fixture struct {
	svc   *auth.Service
	db    *postgres.DB
	clock *clock
}

const (
	annEmail    = "ann@example.com"
	annPassword = "ann's long passphrase"
	offEmail    = "off@example.com"
	offPassword = "disabled user's passphrase"
)

func newFixture(t *testing.T, params auth.Params) fixture {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	svc, err := auth.NewService(db, auth.Config{Password: params, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		email, password string
		role            account.Role
	}{{annEmail, annPassword, account.RoleManager}, {offEmail, offPassword, account.RoleAdmin}} {
		hash, err := svc.Hasher().Hash(u.password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, postgres.NewUser{Email: u.email, Role: u.role, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetUserActive(ctx, offEmail, false); err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, db: db, clock: clk}
}

// cheap are argon2id parameters fast enough for many logins per test.
func cheap() auth.Params {
	return auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

func (f fixture) login(email, password, ip string) (string, error) {
	token, _, err := f.svc.Login(context.Background(), auth.Credentials{Email: email, Password: password, IP: ip, UserAgent: "test"})
	return token, err
}

func TestLogin(t *testing.T) {
	f := newFixture(t, cheap())
	ctx := context.Background()

	t.Run("right password opens a session for the user", func(t *testing.T) {
		token, err := f.login("  Ann@Example.com ", annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		u, err := f.svc.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != annEmail || u.Role != account.RoleManager {
			t.Errorf("authenticated as %+v, want %s", u, annEmail)
		}
		stored, err := f.db.UserByEmail(ctx, annEmail)
		if err != nil || stored.LastLoginAt == nil || !stored.LastLoginAt.Equal(f.clock.Now()) {
			t.Errorf("last login = %v (%v), want %v", stored.LastLoginAt, err, f.clock.Now())
		}
	})
	t.Run("bytes PostgreSQL cannot store are cleaned, not a server error", func(t *testing.T) {
		_, _, err := f.svc.Login(ctx, auth.Credentials{Email: "\x00\xff@example.com", Password: "x", IP: "\x00", UserAgent: "\xff\x00"})
		if !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("garbage email: %v, want ErrInvalidCredentials", err)
		}
		_, _, err = f.svc.Login(ctx, auth.Credentials{Email: annEmail, Password: annPassword, IP: "192.0.2.1\x00", UserAgent: "agent\xff\x00"})
		if err != nil {
			t.Errorf("right password with a garbage user agent: %v", err)
		}
	})
	t.Run("every login gets a new token", func(t *testing.T) {
		a, errA := f.login(annEmail, annPassword, "192.0.2.1")
		b, errB := f.login(annEmail, annPassword, "192.0.2.1")
		if errA != nil || errB != nil || a == b {
			t.Errorf("tokens %q and %q (%v, %v): want two different tokens", a, b, errA, errB)
		}
	})
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", annEmail, annPassword + "!"},
		{"unknown email", "nobody@example.com", annPassword},
		{"disabled user with the right password", offEmail, offPassword},
		{"malformed email", "not an email", annPassword},
		{"empty form", "", ""},
	} {
		t.Run(tc.name+" gets the one invalid-credentials error", func(t *testing.T) {
			token, err := f.login(tc.email, tc.password, "192.0.2.50")
			if !errors.Is(err, auth.ErrInvalidCredentials) || token != "" {
				t.Errorf("Login = %q, %v; want ErrInvalidCredentials", token, err)
			}
		})
	}
}

func TestLoginUpgradesOldHashes(t *testing.T) {
	f := newFixture(t, cheap())
	ctx := context.Background()
	older, err := auth.NewPasswordHasher(auth.Params{Memory: 512, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	old, err := older.Hash("a password from an older release")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.CreateUser(ctx, postgres.NewUser{Email: "old@example.com", Role: account.RoleManager, PasswordHash: old}); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		t.Helper()
		_, hash, err := f.db.UserCredentials(ctx, "old@example.com")
		if err != nil {
			t.Fatal(err)
		}
		return hash
	}
	if _, err := f.login("old@example.com", "a password from an older release", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	upgraded := stored()
	if upgraded == old || f.svc.Hasher().NeedsRehash(upgraded) {
		t.Errorf("hash after sign-in %q: want one with the current parameters", upgraded)
	}
	if _, err := f.login("old@example.com", "a password from an older release", "192.0.2.1"); err != nil {
		t.Errorf("sign-in with the upgraded hash: %v", err)
	}
	if stored() != upgraded {
		t.Error("a current hash was rewritten")
	}
}

func TestLoginThrottling(t *testing.T) {
	policy := auth.DefaultThrottlePolicy()

	t.Run("account is refused to the guessing address, not to its owner elsewhere, until the window passes", func(t *testing.T) {
		f := newFixture(t, cheap())
		for i := range policy.PerAccount {
			if _, err := f.login(annEmail, "wrong password!", "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v, want invalid credentials", i+1, err)
			}
		}
		_, err := f.login(annEmail, annPassword, "192.0.2.1")
		var te *auth.ThrottledError
		if !errors.Is(err, auth.ErrThrottled) || !errors.As(err, &te) || te.RetryAfter != policy.Window {
			t.Fatalf("after %d failures: %v, want ErrThrottled with a retry after %v", policy.PerAccount, err, policy.Window)
		}
		if _, err := f.login(annEmail, annPassword, "198.51.100.1"); err != nil {
			t.Errorf("owner from another address: %v, want success", err)
		}
		f.clock.Advance(policy.Window)
		if _, err := f.login(annEmail, annPassword, "192.0.2.1"); err != nil {
			t.Errorf("after the window: %v, want success", err)
		}
	})
	t.Run("account is refused everywhere after failures from many addresses, until the window passes", func(t *testing.T) {
		f := newFixture(t, cheap())
		for i := range policy.PerAccountAllAddresses {
			// Spread so that no address reaches its own limits.
			if _, err := f.login(annEmail, "wrong password!", fmt.Sprintf("192.0.2.%d", i+1)); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v, want invalid credentials", i+1, err)
			}
		}
		if _, err := f.login(annEmail, annPassword, "198.51.100.1"); !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("after %d failures: %v, want ErrThrottled", policy.PerAccountAllAddresses, err)
		}
		f.clock.Advance(policy.Window)
		if _, err := f.login(annEmail, annPassword, "198.51.100.1"); err != nil {
			t.Errorf("after the window: %v, want success", err)
		}
	})
	t.Run("concurrent guesses are counted against each other", func(t *testing.T) {
		f := newFixture(t, cheap())
		const guesses = 40
		errs := make(chan error, guesses)
		var start sync.WaitGroup
		start.Add(1)
		for range guesses {
			go func() {
				start.Wait()
				_, err := f.login(annEmail, "wrong password!", "203.0.113.50")
				errs <- err
			}()
		}
		start.Done()
		var invalid, throttled int
		for range guesses {
			switch err := <-errs; {
			case errors.Is(err, auth.ErrInvalidCredentials):
				invalid++
			case errors.Is(err, auth.ErrThrottled):
				throttled++
			default:
				t.Errorf("guess: %v", err)
			}
		}
		if invalid != policy.PerAccount || throttled != guesses-policy.PerAccount {
			t.Errorf("%d checked and %d throttled, want %d and %d", invalid, throttled, policy.PerAccount, guesses-policy.PerAccount)
		}
	})
	t.Run("address is refused after failures across many accounts", func(t *testing.T) {
		f := newFixture(t, cheap())
		for i := range policy.PerIP {
			if _, err := f.login(fmt.Sprintf("guess%d@example.com", i), "guess", "203.0.113.7"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v, want invalid credentials", i+1, err)
			}
		}
		if _, err := f.login(annEmail, annPassword, "203.0.113.7"); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("from the guessing address: %v, want ErrThrottled", err)
		}
		if _, err := f.login(annEmail, annPassword, "203.0.113.8"); err != nil {
			t.Errorf("from another address: %v, want success", err)
		}
	})
	t.Run("unknown emails are throttled like known ones", func(t *testing.T) {
		f := newFixture(t, cheap())
		for i := range policy.PerAccountAllAddresses {
			if _, err := f.login("nobody@example.com", "guess", fmt.Sprintf("192.0.2.%d", i+1)); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v, want invalid credentials", i+1, err)
			}
		}
		if _, err := f.login("nobody@example.com", "guess", "198.51.100.1"); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("err = %v, want ErrThrottled", err)
		}
	})
}

func TestSessionLifetime(t *testing.T) {
	ctx := context.Background()
	policy := auth.DefaultSessionPolicy()

	t.Run("idle session expires and is deleted", func(t *testing.T) {
		f := newFixture(t, cheap())
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(policy.Idle - time.Minute)
		if _, err := f.svc.Authenticate(ctx, token); err != nil {
			t.Fatalf("just before the idle limit: %v", err)
		}
		f.clock.Advance(policy.Idle)
		if _, err := f.svc.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("after idling: %v, want ErrNoSession", err)
		}
		hash, _ := auth.HashToken(token)
		if _, _, err := f.db.SessionUser(ctx, hash); err == nil {
			t.Error("expired session still stored")
		}
	})
	t.Run("busy session ends at the absolute limit", func(t *testing.T) {
		f := newFixture(t, cheap())
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		step := policy.Idle / 2
		for elapsed := step; elapsed < policy.Absolute; elapsed += step {
			f.clock.Advance(step)
			if _, err := f.svc.Authenticate(ctx, token); err != nil {
				t.Fatalf("used every %v, failed after %v: %v", step, elapsed, err)
			}
		}
		f.clock.Advance(step)
		if _, err := f.svc.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("past the absolute limit: %v, want ErrNoSession", err)
		}
	})
	t.Run("logout invalidates the token server-side", func(t *testing.T) {
		f := newFixture(t, cheap())
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("after logout: %v, want ErrNoSession", err)
		}
	})
	t.Run("disabling the user ends the session", func(t *testing.T) {
		f := newFixture(t, cheap())
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetUserActive(ctx, annEmail, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("after disabling: %v, want ErrNoSession", err)
		}
	})
	t.Run("garbage and unknown tokens are no session", func(t *testing.T) {
		f := newFixture(t, cheap())
		unknown, _, _ := auth.NewToken()
		for _, token := range []string{"", "garbage", unknown} {
			if _, err := f.svc.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("Authenticate(%q) = %v, want ErrNoSession", token, err)
			}
		}
	})
}

// TestLoginTimingDoesNotRevealAccounts compares the fastest of several logins with an unknown email and
// with a known email and a wrong password: both must pay for one argon2id verification. Without the dummy
// verification the unknown email would answer in a small fraction of the time. The two kinds alternate, so
// a burst of load on the machine slows both, and the fastest run of each is compared.
func TestLoginTimingDoesNotRevealAccounts(t *testing.T) {
	f := newFixture(t, auth.Params{Memory: 16 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32})
	timed := func(email string, i int) time.Duration {
		start := time.Now()
		_, _ = f.login(email, "wrong password!", fmt.Sprintf("192.0.2.%d", 100+i)) // only the time counts
		return time.Since(start)
	}
	var known, unknown []time.Duration
	for i := range 8 {
		known = append(known, timed(annEmail, i))
		unknown = append(unknown, timed("nobody@example.com", i))
		f.clock.Advance(time.Minute) // stay below the throttle
	}
	k, u := slices.Min(known), slices.Min(unknown)
	ratio := float64(u) / float64(k)
	t.Logf("fastest wrong-password login %v, unknown-email login %v (ratio %.2f)", k, u, ratio)
	// Without the dummy verification the ratio is below 0.1 (a database lookup against argon2id). The bounds
	// are wide because other processes share the machine's two cores.
	if ratio < 0.5 || ratio > 3 {
		t.Errorf("unknown email takes %.2f times as long as a wrong password: the difference reveals which emails exist", ratio)
	}
}
