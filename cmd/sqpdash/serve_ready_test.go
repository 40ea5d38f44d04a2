package main

import (
	"bufio"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// On the first run the one-time password of `users ensure-admin` scrolls away under the server's log:
// once serve listens it says again how to get in, never with the password itself, and stops saying it
// once the admin has signed in.
func TestServeSaysHowToSignIn(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	var created strings.Builder
	cli := &usersCLI{
		open:     func(ctx context.Context) (*postgres.DB, error) { return postgres.Open(ctx, dbURL) },
		stdin:    bufio.NewReader(strings.NewReader("")),
		out:      &created,
		errOut:   &created,
		loginURL: "http://localhost:8080/login",
		command:  "bin/sqpdash",
	}
	if code := cli.run(context.Background(), []string{"ensure-admin"}); code != exitOK {
		t.Fatalf("ensure-admin: exit %d: %s", code, created.String())
	}
	m := regexp.MustCompile(`password:\s+(\S+)`).FindStringSubmatch(created.String())
	if m == nil || !strings.Contains(created.String(), "bin/sqpdash users set-password admin@localhost") {
		t.Fatalf("ensure-admin printed:\n%s", created.String())
	}
	password := m[1]

	s := startServe(t, dbURL, 0)
	out := s.out.String()
	for _, want := range []string{"sqpdash is ready: " + s.base + "\n", "Sign in as admin@localhost", "users set-password admin@localhost\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve told the terminal:\n%s\nwant %q in it", out, want)
		}
	}
	if strings.Contains(out, password) || strings.Contains(s.logs.String(), password) {
		t.Error("serve printed or logged the one-time password")
	}
	s.stop(t)

	admin, err := s.db.UserByEmail(context.Background(), firstAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.MarkLogin(context.Background(), admin.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	again := startServe(t, dbURL, 0)
	if out := again.out.String(); strings.Contains(out, "set-password") || !strings.Contains(out, "sqpdash is ready: "+again.base) {
		t.Errorf("after the admin signed in, serve told the terminal:\n%s", out)
	}
}
