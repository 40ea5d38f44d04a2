package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// usersTest runs `sqpdash users` subcommands against one fresh database.
type usersTest struct {
	t   *testing.T
	url string
	db  *postgres.DB
	svc *auth.Service // signs in with what the commands stored
}

func newUsersTest(t *testing.T) *usersTest {
	t.Helper()
	url := pgtest.NewDatabase(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	svc, err := auth.NewService(db, auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &usersTest{t: t, url: url, db: db, svc: svc}
}

// run runs one subcommand with stdin and returns its exit code, stdout and stderr.
func (u *usersTest) run(stdin string, args ...string) (int, string, string) {
	u.t.Helper()
	var out, errOut bytes.Buffer
	cli := &usersCLI{
		open:     func(ctx context.Context) (*postgres.DB, error) { return postgres.Open(ctx, u.url) },
		stdin:    bufio.NewReader(strings.NewReader(stdin)),
		out:      &out,
		errOut:   &errOut,
		loginURL: "http://localhost:8080/login",
	}
	code := cli.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// canSignIn reports whether email signs in with password through the real login service.
func (u *usersTest) canSignIn(email, password string) bool {
	u.t.Helper()
	_, _, err := u.svc.Login(context.Background(), auth.Credentials{Email: email, Password: password, IP: "192.0.2.1"})
	if err != nil && !errors.Is(err, auth.ErrInvalidCredentials) {
		u.t.Fatal(err)
	}
	return err == nil
}

func TestUsersCommand(t *testing.T) {
	u := newUsersTest(t)
	if _, err := u.db.ImportBrandMappings(context.Background(), []sqp.BrandMapping{{ASIN: "B0ACME0001", Brand: "acme", Active: true}}); err != nil {
		t.Fatal(err)
	}
	const email, password = "ann@example.com", "correct horse battery"

	t.Run("add reads the password from stdin and grants brands", func(t *testing.T) {
		code, out, errOut := u.run(password+"\n", "add", "--role", "manager", "--brand", "acme", "Ann@Example.com")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Contains(out+errOut, password) {
			t.Error("the password was printed")
		}
		if !u.canSignIn(email, password) {
			t.Error("the new user cannot sign in with the password")
		}
		user, err := u.db.UserByEmail(context.Background(), email)
		if err != nil || user.Role != account.RoleManager || len(user.BrandIDs) != 1 {
			t.Errorf("stored %+v (%v), want a manager with one brand", user, err)
		}
	})
	t.Run("list shows the user, role, brand and last sign-in", func(t *testing.T) {
		code, out, _ := u.run("", "list")
		if code != exitOK || !regexp.MustCompile(`(?m)^ann@example\.com\s+manager\s+true\s+acme\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$`).MatchString(out) {
			t.Errorf("exit %d, list:\n%s", code, out)
		}
	})
	t.Run("a short password is refused and nothing is stored", func(t *testing.T) {
		code, _, errOut := u.run("short\n", "add", "bob@example.com")
		if code != exitFailure || !strings.Contains(errOut, "at least 12 characters") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		if _, err := u.db.UserByEmail(context.Background(), "bob@example.com"); err == nil {
			t.Error("user stored anyway")
		}
	})
	t.Run("no password on stdin is a usage error", func(t *testing.T) {
		if code, _, errOut := u.run("", "add", "bob@example.com"); code != exitUsage {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("the same email twice is refused", func(t *testing.T) {
		if code, _, errOut := u.run(password+"\n", "add", email); code != exitFailure || !strings.Contains(errOut, "already exists") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("set-password replaces the password", func(t *testing.T) {
		const next = "another long passphrase"
		if code, _, errOut := u.run(next+"\n", "set-password", email); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if u.canSignIn(email, password) || !u.canSignIn(email, next) {
			t.Error("old password still works or new one does not")
		}
	})
	t.Run("disable stops sign-in, enable restores it", func(t *testing.T) {
		const current = "another long passphrase"
		if code, _, errOut := u.run("", "disable", email); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if u.canSignIn(email, current) {
			t.Error("disabled user signed in")
		}
		if code, _, errOut := u.run("", "enable", email); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if !u.canSignIn(email, current) {
			t.Error("enabled user cannot sign in")
		}
	})
	t.Run("grant and revoke name unknown brands and users", func(t *testing.T) {
		if code, _, errOut := u.run("", "grant", email, "initech"); code != exitFailure || !strings.Contains(errOut, "initech") {
			t.Errorf("grant unknown brand: exit %d: %s", code, errOut)
		}
		if code, _, errOut := u.run("", "revoke", "nobody@example.com", "acme"); code != exitFailure || !strings.Contains(errOut, "nobody@example.com") {
			t.Errorf("revoke for unknown user: exit %d: %s", code, errOut)
		}
		if code, _, errOut := u.run("", "revoke", email, "acme"); code != exitOK {
			t.Errorf("revoke: exit %d: %s", code, errOut)
		}
		if user, _ := u.db.UserByEmail(context.Background(), email); len(user.BrandIDs) != 0 {
			t.Errorf("brands after revoke: %v", user.BrandIDs)
		}
	})
	t.Run("every subcommand has --help", func(t *testing.T) {
		for _, s := range usersSubcommands() {
			code, _, errOut := u.run("", s.name, "--help")
			if code != exitOK || !strings.Contains(errOut, "usage: sqpdash users "+s.name) {
				t.Errorf("%s --help: exit %d: %s", s.name, code, errOut)
			}
		}
	})
	t.Run("bad command lines exit with 2, bad values with 1", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want int
		}{
			{[]string{"frobnicate"}, exitUsage},
			{[]string{"add"}, exitUsage},
			{[]string{"list", "extra"}, exitUsage},
			{[]string{"grant", email}, exitUsage},
			{[]string{"add", "--colour", "red", email}, exitUsage},
			{[]string{"add", "--role", "root", "carol@example.com"}, exitFailure},
			{[]string{"add", "not-an-email"}, exitFailure},
		} {
			if code, _, errOut := u.run(password+"\n", tc.args...); code != tc.want {
				t.Errorf("%q: exit %d, want %d (%s)", tc.args, code, tc.want, errOut)
			}
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	u := newUsersTest(t)
	code, out, errOut := u.run("", "ensure-admin")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`password:\s+(\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, firstAdminEmail) || !strings.Contains(out, "sqpdash users set-password "+firstAdminEmail) {
		t.Fatalf("first run printed:\n%s", out)
	}
	if !u.canSignIn(firstAdminEmail, m[1]) {
		t.Error("the printed password does not sign in")
	}
	code, out, _ = u.run("", "ensure-admin")
	if code != exitOK || out != "" {
		t.Errorf("second run: exit %d, printed %q; want nothing", code, out)
	}
	other := newUsersTest(t)
	_, first, _ := other.run("", "ensure-admin")
	if p := regexp.MustCompile(`password:\s+(\S+)`).FindStringSubmatch(first); p == nil || p[1] == m[1] {
		t.Errorf("two databases got the same first password %q", m[1])
	}
}
