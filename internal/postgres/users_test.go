package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// insertTestBrand stores an active brand and returns its id.
func insertTestBrand(t *testing.T, db *DB, name string) string {
	t.Helper()
	var id string
	err := db.pool.QueryRow(context.Background(),
		`INSERT INTO public.brands (brand_name, display_name) VALUES ($1, $1) RETURNING id::text`, name).Scan(&id)
	if err != nil {
		t.Fatalf("insert brand %s: %v", name, err)
	}
	return id
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	created, err := db.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleManager, PasswordHash: "$argon2id$x"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("stored user reads back", func(t *testing.T) {
		got, err := db.UserByEmail(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != created.ID || got.Role != account.RoleManager || !got.Active || got.LastLoginAt != nil || len(got.BrandIDs) != 0 {
			t.Errorf("UserByEmail = %+v, want the created manager %+v, active, never signed in, no brands", got, created)
		}
	})
	t.Run("credentials return the hash", func(t *testing.T) {
		_, hash, err := db.UserCredentials(ctx, "ann@example.com")
		if err != nil || hash != "$argon2id$x" {
			t.Errorf("UserCredentials hash = %q, %v", hash, err)
		}
	})
	t.Run("same email again is a conflict", func(t *testing.T) {
		_, err := db.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleAdmin, PasswordHash: "$argon2id$y"})
		if apperr.CodeOf(err) != apperr.ECONFLICT {
			t.Errorf("err = %v, want a conflict", err)
		}
	})
	t.Run("upper-case email is refused by the database", func(t *testing.T) {
		_, err := db.CreateUser(ctx, NewUser{Email: "Bob@example.com", Role: account.RoleAdmin, PasswordHash: "$argon2id$y"})
		if err == nil {
			t.Error("stored an email that is not lower case")
		}
	})
	t.Run("unknown role is refused by the database", func(t *testing.T) {
		_, err := db.CreateUser(ctx, NewUser{Email: "root@example.com", Role: account.Role("root"), PasswordHash: "$argon2id$y"})
		if err == nil {
			t.Error("stored role root")
		}
	})
	t.Run("unknown email is not found", func(t *testing.T) {
		if _, err := db.UserByEmail(ctx, "nobody@example.com"); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
		if _, _, err := db.UserCredentials(ctx, "nobody@example.com"); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("credentials err = %v, want not found", err)
		}
	})
}

func TestCreateFirstUserOnlyOnEmptyTable(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	first := NewUser{Email: "admin@localhost", Role: account.RoleAdmin, PasswordHash: "$argon2id$1"}
	created, err := db.CreateFirstUser(ctx, first)
	if err != nil || !created {
		t.Fatalf("first call: created=%v, %v; want true", created, err)
	}
	created, err = db.CreateFirstUser(ctx, NewUser{Email: "other@localhost", Role: account.RoleAdmin, PasswordHash: "$argon2id$2"})
	if err != nil || created {
		t.Fatalf("second call: created=%v, %v; want false", created, err)
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Email != first.Email || users[0].Role != account.RoleAdmin {
		t.Errorf("users = %+v, want only %s", users, first.Email)
	}
}

func TestGrantAndRevokeBrands(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	acme := insertTestBrand(t, db, "acme")
	globex := insertTestBrand(t, db, "globex")
	if _, err := db.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleManager, PasswordHash: "$argon2id$x"}); err != nil {
		t.Fatal(err)
	}
	brandsOf := func(t *testing.T) []string {
		t.Helper()
		u, err := db.UserByEmail(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		return u.BrandIDs
	}

	t.Run("grant by name and by id", func(t *testing.T) {
		if err := db.GrantBrand(ctx, "ann@example.com", "acme"); err != nil {
			t.Fatal(err)
		}
		if err := db.GrantBrand(ctx, "ann@example.com", globex); err != nil {
			t.Fatal(err)
		}
		want := []string{acme, globex}
		slices.Sort(want)
		if got := brandsOf(t); !slices.Equal(got, want) {
			t.Errorf("brands = %v, want %v", got, want)
		}
	})
	t.Run("granting twice is not an error", func(t *testing.T) {
		if err := db.GrantBrand(ctx, "ann@example.com", "acme"); err != nil {
			t.Errorf("second grant: %v", err)
		}
	})
	t.Run("revoke removes only that brand", func(t *testing.T) {
		if err := db.RevokeBrand(ctx, "ann@example.com", "acme"); err != nil {
			t.Fatal(err)
		}
		if got := brandsOf(t); !slices.Equal(got, []string{globex}) {
			t.Errorf("brands = %v, want [%s]", got, globex)
		}
	})
	t.Run("unknown brand is not found", func(t *testing.T) {
		for _, f := range []func(context.Context, string, string) error{db.GrantBrand, db.RevokeBrand} {
			if err := f(ctx, "ann@example.com", "initech"); apperr.CodeOf(err) != apperr.ENOTFOUND {
				t.Errorf("err = %v, want not found", err)
			}
		}
	})
	t.Run("unknown user is not found", func(t *testing.T) {
		if err := db.GrantBrand(ctx, "nobody@example.com", "acme"); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("deleting a brand removes its grants", func(t *testing.T) {
		if _, err := db.pool.Exec(ctx, `DELETE FROM public.brands WHERE id = $1`, globex); err != nil {
			t.Fatal(err)
		}
		if got := brandsOf(t); len(got) != 0 {
			t.Errorf("brands = %v, want none", got)
		}
	})
}

func TestPasswordChangeAndDisableEndSessions(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	u, err := db.CreateUser(ctx, NewUser{Email: "ann@example.com", Role: account.RoleManager, PasswordHash: "$argon2id$old"})
	if err != nil {
		t.Fatal(err)
	}
	newSession := func(t *testing.T) []byte {
		t.Helper()
		_, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := db.CreateSession(ctx, account.Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return hash
	}
	gone := func(t *testing.T, hash []byte) {
		t.Helper()
		if _, _, err := db.SessionUser(ctx, hash); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("session still there after the change (err = %v)", err)
		}
	}

	t.Run("set-password replaces the hash and ends sessions", func(t *testing.T) {
		hash := newSession(t)
		if err := db.SetPassword(ctx, "ann@example.com", "$argon2id$new"); err != nil {
			t.Fatal(err)
		}
		gone(t, hash)
		if _, stored, _ := db.UserCredentials(ctx, "ann@example.com"); stored != "$argon2id$new" {
			t.Errorf("stored hash %q, want the new one", stored)
		}
	})
	t.Run("disable ends sessions and enable restores the flag", func(t *testing.T) {
		hash := newSession(t)
		if err := db.SetUserActive(ctx, "ann@example.com", false); err != nil {
			t.Fatal(err)
		}
		gone(t, hash)
		if got, _ := db.UserByEmail(ctx, "ann@example.com"); got.Active {
			t.Error("user still active")
		}
		if err := db.SetUserActive(ctx, "ann@example.com", true); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserByEmail(ctx, "ann@example.com"); !got.Active {
			t.Error("user not active again")
		}
	})
	t.Run("hash upgrade keeps sessions and yields to a changed password", func(t *testing.T) {
		hash := newSession(t)
		if err := db.UpgradePasswordHash(ctx, u.ID, "$argon2id$new", "$argon2id$newer"); err != nil {
			t.Fatal(err)
		}
		if err := db.UpgradePasswordHash(ctx, u.ID, "$argon2id$stale", "$argon2id$lost"); err != nil {
			t.Fatal(err)
		}
		if _, stored, _ := db.UserCredentials(ctx, "ann@example.com"); stored != "$argon2id$newer" {
			t.Errorf("stored hash %q, want the first upgrade only", stored)
		}
		if _, _, err := db.SessionUser(ctx, hash); err != nil {
			t.Errorf("the upgrade ended a session: %v", err)
		}
	})
	t.Run("unknown user is not found", func(t *testing.T) {
		if err := db.SetPassword(ctx, "nobody@example.com", "$argon2id$x"); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
	})
}
