package postgres

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	u, err := db.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleManager, PasswordHash: "$argon2id$x"})
	if err != nil {
		t.Fatal(err)
	}
	brand := insertTestBrand(t, db, "acme")
	if err := db.GrantBrand(ctx, u.Email, brand); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	_, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	s := account.Session{TokenHash: hash, UserID: u.ID, CreatedAt: start, LastSeenAt: start,
		ExpiresAt: start.Add(24 * time.Hour), IP: "192.0.2.7", UserAgent: "test/1.0"}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}

	t.Run("session reads back with its user and brands", func(t *testing.T) {
		got, gotUser, err := db.SessionUser(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.TokenHash, hash) || got.UserID != u.ID || !got.ExpiresAt.Equal(s.ExpiresAt) || got.IP != s.IP || got.UserAgent != s.UserAgent {
			t.Errorf("session = %+v, want %+v", got, s)
		}
		if gotUser.Email != u.Email || len(gotUser.BrandIDs) != 1 || gotUser.BrandIDs[0] != brand {
			t.Errorf("user = %+v, want %s with brand %s", gotUser, u.Email, brand)
		}
	})
	t.Run("touch moves last seen forward only", func(t *testing.T) {
		later := start.Add(time.Hour)
		if err := db.TouchSession(ctx, hash, later); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchSession(ctx, hash, start.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _, err := db.SessionUser(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastSeenAt.Equal(later) {
			t.Errorf("last seen %v, want %v", got.LastSeenAt, later)
		}
	})
	t.Run("a new session prunes the sessions past their absolute end", func(t *testing.T) {
		_, next, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		bob, err := db.CreateUser(ctx, NewUser{Email: "bob@example.com", Role: account.RoleAdmin, PasswordHash: "$argon2id$x"})
		if err != nil {
			t.Fatal(err)
		}
		_, bobs, _ := auth.NewToken()
		if err := db.CreateSession(ctx, account.Session{TokenHash: bobs, UserID: bob.ID, CreatedAt: start, LastSeenAt: start, ExpiresAt: s.ExpiresAt}); err != nil {
			t.Fatal(err)
		}
		afterEnd := s.ExpiresAt.Add(time.Second)
		if err := db.CreateSession(ctx, account.Session{TokenHash: next, UserID: u.ID, CreatedAt: afterEnd, LastSeenAt: afterEnd, ExpiresAt: afterEnd.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		for who, h := range map[string][]byte{"ann's": hash, "another user's": bobs} {
			if _, _, err := db.SessionUser(ctx, h); apperr.CodeOf(err) != apperr.ENOTFOUND {
				t.Errorf("%s expired session still stored (err = %v)", who, err)
			}
		}
		if _, _, err := db.SessionUser(ctx, next); err != nil {
			t.Errorf("new session: %v", err)
		}
	})
	t.Run("deleted session is not found, deleting again is fine", func(t *testing.T) {
		_, other, _ := auth.NewToken()
		if err := db.CreateSession(ctx, account.Session{TokenHash: other, UserID: u.ID, CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := db.DeleteSession(ctx, other); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.SessionUser(ctx, other); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("deleting the user deletes the sessions", func(t *testing.T) {
		_, other, _ := auth.NewToken()
		if err := db.CreateSession(ctx, account.Session{TokenHash: other, UserID: u.ID, CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.pool.Exec(ctx, `DELETE FROM public.app_users WHERE id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM public.app_sessions`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d sessions left (%v), want 0", n, err)
		}
	})
}

func TestLoginAttempts(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	record := func(email, ip string, ok bool, at time.Time) {
		t.Helper()
		if err := db.RecordLoginAttempt(ctx, account.LoginAttempt{Email: email, IP: ip, Succeeded: ok, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	record("ann@example.com", "192.0.2.1", false, now.Add(-30*time.Second))
	record("ann@example.com", "192.0.2.2", false, now.Add(-20*time.Second))
	record("ann@example.com", "192.0.2.1", true, now.Add(-10*time.Second))  // successes do not count
	record("bob@example.com", "192.0.2.1", false, now.Add(-5*time.Second))  // another account, same address
	record("ann@example.com", "192.0.2.1", false, now.Add(-90*time.Second)) // outside the window

	for _, tc := range []struct {
		name, email, ip string
		want            account.FailureCounts
	}{
		{"failures counted per account and per address", "ann@example.com", "192.0.2.1", account.FailureCounts{ByEmailIP: 1, ByEmail: 2, ByIP: 2}},
		{"other address sees the account's failures", "ann@example.com", "198.51.100.9", account.FailureCounts{ByEmail: 2, ByIP: 0}},
		{"fresh account and address have none", "carol@example.com", "198.51.100.9", account.FailureCounts{}},
		{"failures of the account elsewhere and of other accounts here count apart", "bob@example.com", "192.0.2.2", account.FailureCounts{ByEmail: 1, ByIP: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.FailedLogins(ctx, tc.email, tc.ip, now.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("FailedLogins = %+v, want %+v", got, tc.want)
			}
		})
	}
	t.Run("attempts older than a day are pruned on the next record", func(t *testing.T) {
		record("old@example.com", "192.0.2.9", false, now.Add(-25*time.Hour))
		record("new@example.com", "192.0.2.9", false, now)
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM public.login_attempts WHERE email = 'old@example.com'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d old attempts left (%v), want 0", n, err)
		}
	})
}
