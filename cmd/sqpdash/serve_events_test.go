package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// revocationLimit is how soon every instance must refuse a revoked session (issue 14).
const revocationLimit = time.Second

// startListeningServe starts serve on dbURL and waits until it hears events, so what follows exercises
// its caches rather than the per-request reads of a process still connecting.
func startListeningServe(t *testing.T, dbURL string) *testServe {
	t.Helper()
	s := startServe(t, dbURL, 0)
	waitFor(t, 30*time.Second, "the event listener", func() bool { return strings.Contains(s.logs.String(), "listening for events") })
	return s
}

// signIn signs email in on s through the login form; the client sends the cookie to every instance
// (cookies are per host, not per port), as a browser behind one load balancer would.
func signIn(t *testing.T, s *testServe, email, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := csrfTokenOf(t, c, s.base+"/login")
	res, err := c.PostForm(s.base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("sign in as %s: status %d to %q", email, res.StatusCode, res.Header.Get("Location"))
	}
	return c
}

// get returns the status and body of a GET of page (an htmx request when hx).
func get(t *testing.T, c *http.Client, page string, hx bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, page, nil)
	if err != nil {
		t.Fatal(err)
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// within polls cond until it holds, failing when limit has passed since start.
func within(t *testing.T, start time.Time, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
	}
}

// TestServeInstancesRefuseRevokedSessions runs two instances on one database: a session signed in on
// one and used on the other (so the other has it cached) is refused by the other within a second of a
// logout on the first, of `sqpdash users disable`, of a DELETE in SQL, and of a brand taken away.
func TestServeInstancesRefuseRevokedSessions(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	a, b := startListeningServe(t, dbURL), startListeningServe(t, dbURL)
	hasher, err := auth.NewPasswordHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	newAdmin := func(t *testing.T) (email, password string) {
		email, password = strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))+"@example.com", "a long enough passphrase"
		hash, err := hasher.Hash(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.db.CreateUser(ctx, postgres.NewUser{Email: email, Role: account.RoleAdmin, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		return email, password
	}
	// usedOnB signs in on A and uses the session on B twice (the second answered from B's cache).
	usedOnB := func(t *testing.T, email, password string) *http.Client {
		c := signIn(t, a, email, password)
		for range 2 {
			if code, _ := get(t, c, b.base+"/admin", false); code != http.StatusOK {
				t.Fatalf("instance B: /admin status %d, want 200", code)
			}
		}
		return c
	}
	refusedOnB := func(t *testing.T, c *http.Client, start time.Time) {
		t.Helper()
		within(t, start, revocationLimit, "instance B refuses the revoked session", func() bool {
			code, _ := get(t, c, b.base+"/admin", false)
			return code == http.StatusSeeOther
		})
	}

	t.Run("a logout on one instance is refused by the other", func(t *testing.T) {
		email, password := newAdmin(t)
		c := usedOnB(t, email, password)
		token := csrfTokenOf(t, c, a.base+"/admin")
		start := time.Now()
		res, err := c.PostForm(a.base+"/logout", url.Values{"_csrf": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		refusedOnB(t, c, start)
	})
	t.Run("a user disabled by the CLI is refused by both", func(t *testing.T) {
		email, password := newAdmin(t)
		c := usedOnB(t, email, password)
		var out, errOut bytes.Buffer
		cli := &usersCLI{open: func(ctx context.Context) (*postgres.DB, error) { return postgres.Open(ctx, dbURL) },
			stdin: bufio.NewReader(strings.NewReader("")), out: &out, errOut: &errOut}
		start := time.Now()
		if code := cli.run(ctx, []string{"disable", email}); code != 0 {
			t.Fatalf("users disable: exit %d: %s", code, errOut.String())
		}
		refusedOnB(t, c, start)
		if code, _ := get(t, c, a.base+"/admin", false); code != http.StatusSeeOther {
			t.Fatalf("instance A: /admin status %d after the disable, want 303", code)
		}
	})
	t.Run("a session deleted in SQL is refused", func(t *testing.T) {
		email, password := newAdmin(t)
		c := usedOnB(t, email, password)
		start := time.Now()
		if _, err := a.db.Pool().Exec(ctx, `DELETE FROM public.app_sessions s USING public.app_users u WHERE u.id = s.user_id AND u.email = $1`, email); err != nil {
			t.Fatal(err)
		}
		refusedOnB(t, c, start)
	})
	t.Run("an admin made a manager loses the admin page at once", func(t *testing.T) {
		email, password := newAdmin(t)
		c := usedOnB(t, email, password)
		start := time.Now()
		if _, err := a.db.Pool().Exec(ctx, `UPDATE public.app_users SET role = 'manager' WHERE email = $1`, email); err != nil {
			t.Fatal(err)
		}
		within(t, start, revocationLimit, "instance B refuses the admin page", func() bool {
			code, _ := get(t, c, b.base+"/admin", false)
			return code == http.StatusForbidden || code == http.StatusNotFound
		})
	})
}

// TestServeInstancesServeNewData: a page cached by one instance is not served after a change or a
// refresh committed elsewhere (the other instance, the CLI, SQL): within a second it shows the new data.
func TestServeInstancesServeNewData(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	a, b := startListeningServe(t, dbURL), startListeningServe(t, dbURL)
	c := signIn(t, a, testAdminEmail, testAdminPassword)
	var brandID, asin string
	err := a.db.Pool().QueryRow(ctx, `
		SELECT brand_id::text, asin FROM public.brand_product_segments
		WHERE segment_type = 'weekly' ORDER BY period_start DESC, asin LIMIT 1`).Scan(&brandID, &asin)
	if err != nil {
		t.Fatal(err)
	}
	partial := b.base + "/brands/" + brandID + "/products/" + asin + "/segments"
	cached := func(t *testing.T) string {
		t.Helper()
		code, first := get(t, c, partial, true)
		_, second := get(t, c, partial, true)
		if code != http.StatusOK || first != second {
			t.Fatalf("instance B: expansion status %d, two reads differ: %v", code, first != second)
		}
		return first
	}

	t.Run("a cached expansion makes no database round trip", func(t *testing.T) {
		cached(t)
		before := poolAcquires(t, c, b)
		for range 20 {
			if code, _ := get(t, c, partial, true); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
		}
		if n := poolAcquires(t, c, b) - before; n != 0 {
			t.Fatalf("20 cached expansions acquired %v database connections, want 0", n)
		}
	})
	t.Run("a refresh elsewhere replaces the cached expansion", func(t *testing.T) {
		// Change the base rows. The expansion's sums read the materialized view, so they stay until a
		// refresh; its weekly top queries are the reports' own (kept by triggers), so they show the change
		// as soon as instance B hears of it. Wait for that before taking the page the refresh must replace:
		// a read racing the notification may still be the old cached page.
		stale := cached(t)
		start := time.Now()
		if _, err := a.db.Pool().Exec(ctx, `
			UPDATE sqp.search_query_performance q SET asin_purchase_count = asin_purchase_count + 1000,
			       total_purchase_count = total_purchase_count + 1000
			FROM sqp.asin_performance_data p
			WHERE p.id = q.asin_performance_id AND p.asin = $1`, asin); err != nil {
			t.Fatal(err)
		}
		within(t, start, revocationLimit, "instance B shows the changed top queries", func() bool {
			code, body := get(t, c, partial, true)
			return code == http.StatusOK && body != stale
		})
		before := cached(t)
		if _, err := a.db.Pool().Exec(ctx, `CALL public.refresh_brand_product_segments(p_force => true)`); err != nil {
			t.Fatal(err)
		}
		start = time.Now() // the refresh has committed
		within(t, start, revocationLimit, "instance B shows the refreshed expansion", func() bool {
			code, body := get(t, c, partial, true)
			return code == http.StatusOK && body != before
		})
	})
	t.Run("a brand renamed elsewhere is shown at once", func(t *testing.T) {
		page := b.base + "/brands/" + brandID
		if code, body := get(t, c, page, false); code != http.StatusOK || strings.Contains(body, "Renamed Elsewhere") {
			t.Fatalf("instance B: brand page status %d", code)
		}
		start := time.Now()
		if _, err := a.db.Pool().Exec(ctx, `UPDATE public.brands SET display_name = 'Renamed Elsewhere' WHERE id = $1`, brandID); err != nil {
			t.Fatal(err)
		}
		within(t, start, revocationLimit, "instance B shows the new brand name", func() bool {
			code, body := get(t, c, page, false)
			return code == http.StatusOK && strings.Contains(body, "Renamed Elsewhere")
		})
	})
}

// poolAcquires reads the instance's count of connections taken from its pool (/metrics).
func poolAcquires(t *testing.T, c *http.Client, s *testServe) float64 {
	t.Helper()
	code, body := get(t, c, s.base+"/metrics", false)
	if code != http.StatusOK {
		t.Fatalf("/metrics status %d", code)
	}
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "sqpdash_db_pool_acquires_total "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no sqpdash_db_pool_acquires_total in /metrics")
	return 0
}
