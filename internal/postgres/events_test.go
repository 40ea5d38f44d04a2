package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// eventRecorder is an EventHandler that hands everything it hears to the test through channels.
type eventRecorder struct {
	connected    chan string
	disconnected chan error
	payloads     chan string
}

func newEventRecorder() *eventRecorder {
	return &eventRecorder{connected: make(chan string, 8), disconnected: make(chan error, 8), payloads: make(chan string, 256)}
}

func (r *eventRecorder) Connected(version string) { r.connected <- version }
func (r *eventRecorder) Disconnected(err error)   { r.disconnected <- err }
func (r *eventRecorder) Notified(payload string)  { r.payloads <- payload }

// eventWait bounds every wait for something the listener must report; it is a failure deadline, not a
// pause: each wait returns as soon as the event arrives.
const eventWait = 20 * time.Second

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(eventWait):
		t.Fatalf("no %s within %s", what, eventWait)
		panic("unreachable")
	}
}

// nextEvents sends a sentinel notification and returns every payload received before it: since
// notifications arrive in commit order, that is exactly what the statements before it notified.
func nextEvents(t *testing.T, db *DB, r *eventRecorder) []map[string]string {
	t.Helper()
	if _, err := db.pool.Exec(context.Background(), `SELECT pg_notify($1, '{"kind":"sentinel"}')`, EventChannel); err != nil {
		t.Fatal(err)
	}
	var got []map[string]string
	for {
		p := receive(t, r.payloads, "notification")
		var m map[string]string
		if err := json.Unmarshal([]byte(p), &m); err != nil {
			t.Fatalf("payload %q is not flat JSON: %v", p, err)
		}
		if m["kind"] == "sentinel" {
			return got
		}
		got = append(got, m)
	}
}

func TestListenEvents(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	rec := newEventRecorder()
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.ListenEvents(lctx, rec, ListenOptions{Retry: 10 * time.Millisecond})
	}()
	t.Cleanup(func() { stop(); <-done })

	first := receive(t, rec.connected, "connection")
	if v, err := db.DataVersion(ctx); err != nil || v != first {
		t.Fatalf("connected at version %q, DataVersion = %q, %v", first, v, err)
	}
	wantOne := func(t *testing.T, got []map[string]string, kind, user string) {
		t.Helper()
		if len(got) != 1 || got[0]["kind"] != kind || got[0]["user"] != user {
			t.Fatalf("events = %v, want one {kind: %s, user: %s}", got, kind, user)
		}
	}
	wantData := func(t *testing.T, got []map[string]string) {
		t.Helper()
		v, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[len(got)-1]["kind"] != "data" || got[len(got)-1]["version"] != v {
			t.Fatalf("events = %v, want data events ending at the current version %s", got, v)
		}
	}

	brand := insertTestBrand(t, db, "acme")
	t.Run("a base table change notifies the new data version", func(t *testing.T) {
		wantData(t, nextEvents(t, db, rec))
	})
	t.Run("a statement that changes nothing notifies nothing", func(t *testing.T) {
		if _, err := db.pool.Exec(ctx, `UPDATE public.brands SET display_name = display_name`); err != nil {
			t.Fatal(err)
		}
		if got := nextEvents(t, db, rec); len(got) != 0 {
			t.Fatalf("events = %v, want none", got)
		}
	})
	t.Run("a successful refresh notifies the version with its id", func(t *testing.T) {
		if _, err := db.pool.Exec(ctx, `CALL public.refresh_brand_product_segments(p_force => true)`); err != nil {
			t.Fatal(err)
		}
		wantData(t, nextEvents(t, db, rec))
	})

	u, err := db.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleManager, PasswordHash: "$argon2id$x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := nextEvents(t, db, rec); len(got) != 0 {
		t.Fatalf("creating a user notified %v, want nothing (nothing of theirs can be cached yet)", got)
	}
	start := time.Now().Add(-time.Hour)
	_, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, account.Session{TokenHash: hash, UserID: u.ID, CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	t.Run("touching a session notifies nothing", func(t *testing.T) {
		if err := db.TouchSession(ctx, hash, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := nextEvents(t, db, rec); len(got) != 0 {
			t.Fatalf("events = %v, want none", got)
		}
	})
	t.Run("shortening a session notifies its user", func(t *testing.T) {
		if _, err := db.pool.Exec(ctx, `UPDATE public.app_sessions SET expires_at = now() WHERE token_hash = $1`, hash); err != nil {
			t.Fatal(err)
		}
		wantOne(t, nextEvents(t, db, rec), "session", u.ID)
	})
	t.Run("granting a brand notifies the user", func(t *testing.T) {
		if err := db.GrantBrand(ctx, u.Email, brand); err != nil {
			t.Fatal(err)
		}
		wantOne(t, nextEvents(t, db, rec), "user", u.ID)
	})
	t.Run("revoking a brand notifies the user", func(t *testing.T) {
		if err := db.RevokeBrand(ctx, u.Email, brand); err != nil {
			t.Fatal(err)
		}
		wantOne(t, nextEvents(t, db, rec), "user", u.ID)
	})
	t.Run("a sign-in time notifies nothing", func(t *testing.T) {
		if err := db.MarkLogin(ctx, u.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := nextEvents(t, db, rec); len(got) != 0 {
			t.Fatalf("events = %v, want none", got)
		}
	})
	for _, c := range []struct{ name, sql string }{
		{"changing the role notifies the user", `UPDATE public.app_users SET role = 'admin' WHERE id = $1`},
		{"changing the password notifies the user", `UPDATE public.app_users SET password_hash = '$argon2id$y' WHERE id = $1`},
		{"disabling the user notifies the user", `UPDATE public.app_users SET is_active = false WHERE id = $1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := db.pool.Exec(ctx, c.sql, u.ID); err != nil {
				t.Fatal(err)
			}
			wantOne(t, nextEvents(t, db, rec), "user", u.ID)
		})
	}
	t.Run("logging out notifies the user's sessions", func(t *testing.T) {
		if err := db.DeleteSession(ctx, hash); err != nil {
			t.Fatal(err)
		}
		wantOne(t, nextEvents(t, db, rec), "session", u.ID)
	})
	t.Run("deleting the user notifies the user", func(t *testing.T) {
		if _, err := db.pool.Exec(ctx, `DELETE FROM public.app_users WHERE id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		wantOne(t, nextEvents(t, db, rec), "user", u.ID)
	})
	t.Run("a rolled-back change notifies nothing", func(t *testing.T) {
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO public.brands (brand_name, display_name) VALUES ('gone', 'gone')`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if got := nextEvents(t, db, rec); len(got) != 0 {
			t.Fatalf("events = %v, want none", got)
		}
	})
	t.Run("a terminated listener reconnects and reports the version again", func(t *testing.T) {
		var n int
		err := db.pool.QueryRow(ctx, `
			SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = $1`, EventListenerName).Scan(&n)
		if err != nil || n != 1 {
			t.Fatalf("terminated %d listeners (%v), want 1", n, err)
		}
		if err := receive(t, rec.disconnected, "disconnection"); err == nil {
			t.Fatal("a terminated connection was reported as closed on purpose")
		}
		v := receive(t, rec.connected, "reconnection")
		if cur, err := db.DataVersion(ctx); err != nil || cur != v {
			t.Fatalf("reconnected at version %q, DataVersion = %q, %v", v, cur, err)
		}
		insertTestBrand(t, db, fmt.Sprintf("after-%d", n))
		wantData(t, nextEvents(t, db, rec))
	})
}
