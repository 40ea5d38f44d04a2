package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/events"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// countingStore is the real storage, counting the session reads that reach it.
type countingStore struct {
	*postgres.DB
	reads atomic.Int64
}

func (s *countingStore) SessionUser(ctx context.Context, hash []byte) (account.Session, account.User, error) {
	s.reads.Add(1)
	return s.DB.SessionUser(ctx, hash)
}

// cachedFixture is a service with a SessionCache fed by a real listener on the fixture's database.
type cachedFixture struct {
	fixture
	cached *auth.Service
	store  *countingStore
	cache  *auth.SessionCache
	hub    *events.Hub
}

func newCachedFixture(t *testing.T, retry time.Duration) cachedFixture {
	t.Helper()
	f := newFixture(t, cheap())
	store := &countingStore{DB: f.db}
	cache := auth.NewSessionCache(0, 0)
	svc, err := auth.NewService(store, auth.Config{Password: cheap(), Now: f.clock.Now, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	cf := cachedFixture{fixture: f, cached: svc, store: store, cache: cache, hub: events.NewHub(nil, cache)}
	cf.listen(t, retry)
	return cf
}

// listen runs a listener until the test ends, and waits until it listens.
func (f cachedFixture) listen(t *testing.T, retry time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.db.ListenEvents(ctx, f.hub, postgres.ListenOptions{Retry: retry})
	}()
	t.Cleanup(func() { cancel(); <-done })
	f.waitHub(t, "the listener to connect", func(up bool, _ int) bool { return up })
}

// waitHub waits until the hub's state satisfies ok, woken by every change (a failure deadline, no pause).
func (f cachedFixture) waitHub(t *testing.T, what string, ok func(up bool, connects int) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		changed := f.hub.Changed()
		if ok(f.hub.State()) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// refusedWithin authenticates until the session is refused, failing after limit.
func (f cachedFixture) refusedWithin(t *testing.T, token string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		_, err := f.cached.Authenticate(context.Background(), token)
		if errors.Is(err, auth.ErrNoSession) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > limit {
			t.Fatalf("session still accepted %v after the revocation", limit)
		}
	}
}

func TestSessionCache(t *testing.T) {
	ctx := context.Background()
	t.Run("a repeated request reads its session once", func(t *testing.T) {
		f := newCachedFixture(t, 10*time.Millisecond)
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		for range 50 {
			if u, err := f.cached.Authenticate(ctx, token); err != nil || u.Email != annEmail {
				t.Fatalf("Authenticate = %v, %v", u.Email, err)
			}
		}
		if n := f.store.reads.Load(); n != 1 {
			t.Fatalf("%d session reads for 50 requests, want 1", n)
		}
		f.clock.Advance(auth.DefaultSessionCacheTTL)
		if _, err := f.cached.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		if n := f.store.reads.Load(); n != 2 {
			t.Fatalf("%d session reads after the TTL, want 2", n)
		}
	})
	t.Run("made-up tokens are never kept", func(t *testing.T) {
		f := newCachedFixture(t, 10*time.Millisecond)
		for range 100 {
			unknown, _, _ := auth.NewToken()
			if _, err := f.cached.Authenticate(ctx, unknown); !errors.Is(err, auth.ErrNoSession) {
				t.Fatalf("unknown token: %v", err)
			}
		}
		if n := f.cache.Len(); n != 0 {
			t.Fatalf("cache holds %d sessions after 100 unknown tokens, want 0", n)
		}
	})
	t.Run("the last-seen time is still written once per interval", func(t *testing.T) {
		f := newCachedFixture(t, 10*time.Millisecond)
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := auth.HashToken(token)
		if _, err := f.cached.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(auth.DefaultSessionPolicy().TouchEvery)
		if _, err := f.cached.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		s, _, err := f.db.SessionUser(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if !s.LastSeenAt.Equal(f.clock.Now()) {
			t.Fatalf("last seen %v, want the cached request's %v", s.LastSeenAt, f.clock.Now())
		}
	})
	revocations := []struct {
		name   string
		revoke func(f cachedFixture, token string) error
	}{
		{"disabling the user", func(f cachedFixture, _ string) error { return f.db.SetUserActive(ctx, annEmail, false) }},
		{"a logout through another process", func(f cachedFixture, token string) error { return f.svc.Logout(ctx, token) }},
		{"a new password", func(f cachedFixture, _ string) error { return f.db.SetPassword(ctx, annEmail, "$argon2id$other") }},
		{"deleting the session in SQL", func(f cachedFixture, token string) error {
			hash, _ := auth.HashToken(token)
			_, err := f.db.Pool().Exec(ctx, `DELETE FROM public.app_sessions WHERE token_hash = $1`, hash)
			return err
		}},
	}
	for _, r := range revocations {
		t.Run(r.name+" is refused within a second", func(t *testing.T) {
			f := newCachedFixture(t, 10*time.Millisecond)
			token, err := f.login(annEmail, annPassword, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.cached.Authenticate(ctx, token); err != nil {
				t.Fatal(err)
			}
			if err := r.revoke(f, token); err != nil {
				t.Fatal(err)
			}
			f.refusedWithin(t, token, time.Second)
		})
	}
	t.Run("a changed role is seen within a second", func(t *testing.T) {
		f := newCachedFixture(t, 10*time.Millisecond)
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if u, err := f.cached.Authenticate(ctx, token); err != nil || u.IsAdmin() {
			t.Fatalf("Authenticate = %+v, %v; want a manager", u, err)
		}
		if _, err := f.db.Pool().Exec(ctx, `UPDATE public.app_users SET role = 'admin' WHERE email = $1`, annEmail); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for {
			u, err := f.cached.Authenticate(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			if u.IsAdmin() {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatal("the cached role was still used a second after it changed")
			}
		}
	})
	t.Run("while the listener is down every request reads its session", func(t *testing.T) {
		f := newCachedFixture(t, time.Hour) // no reconnection during the test
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cached.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		f.terminateListener(t)
		f.waitHub(t, "the disconnection", func(up bool, _ int) bool { return !up })
		reads := f.store.reads.Load()
		for range 3 {
			if _, err := f.cached.Authenticate(ctx, token); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.store.reads.Load() - reads; n != 3 {
			t.Fatalf("%d session reads for 3 requests while down, want 3", n)
		}
		if err := f.db.SetUserActive(ctx, annEmail, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cached.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("the first request after disabling the user: %v, want ErrNoSession", err)
		}
	})
	t.Run("after a reconnection sessions are read again and revocations heard", func(t *testing.T) {
		f := newCachedFixture(t, 10*time.Millisecond)
		token, err := f.login(annEmail, annPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cached.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		f.terminateListener(t)
		f.waitHub(t, "the reconnection", func(up bool, connects int) bool { return up && connects == 2 })
		reads := f.store.reads.Load()
		for range 3 {
			if _, err := f.cached.Authenticate(ctx, token); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.store.reads.Load() - reads; n != 1 {
			t.Fatalf("%d session reads for 3 requests after reconnecting, want 1 (re-read, then cached)", n)
		}
		if err := f.db.SetUserActive(ctx, annEmail, false); err != nil {
			t.Fatal(err)
		}
		f.refusedWithin(t, token, time.Second)
	})
}

// terminateListener ends the listener's backend as an operator or a failover would.
func (f cachedFixture) terminateListener(t *testing.T) {
	t.Helper()
	var n int
	err := f.db.Pool().QueryRow(context.Background(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, postgres.EventListenerName).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d listeners (%v), want 1", n, err)
	}
}
