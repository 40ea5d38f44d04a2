package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/demo"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/web"
)

// testAdmin signs in to the servers the tests start.
const (
	testAdminEmail    = "admin@example.com"
	testAdminPassword = "correct horse battery staple"
)

// syncBuffer collects the server's log lines; the server writes from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServe is a running `sqpdash serve` on a port of its own.
type testServe struct {
	base   string
	db     *postgres.DB // a pool of the test's own on the same database
	logs   *syncBuffer
	out    *syncBuffer // what serve tells the terminal
	cancel context.CancelFunc
	done   chan struct{} // closed when serve has returned, with err
	err    error
}

// stop sends the shutdown signal and waits until serve has returned.
func (s *testServe) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
		if s.err != nil {
			t.Fatalf("serve returned %v", s.err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60s")
	}
}

// seedServe loads a small demo dataset (refreshed) and the test admin into a fresh database.
func seedServe(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed := demoFlags{opts: demo.Options{Scale: 0.05, Seed: 7, Reference: time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)}}
	if err := loadDemo(ctx, db, seed, refresh.New(db, refresh.Options{}), io.Discard, io.Discard); err != nil {
		t.Fatalf("load demo data: %v", err)
	}
	hasher, err := auth.NewPasswordHasher(auth.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hasher.Hash(testAdminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, postgres.NewUser{Email: testAdminEmail, Role: account.RoleAdmin, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
}

// openServeTestDB opens a pool of the test's own on dbURL.
func openServeTestDB(t *testing.T, dbURL string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// startServe serves dbURL on a port of its own until the test ends.
func startServe(t *testing.T, dbURL string, refreshEvery time.Duration) *testServe {
	t.Helper()
	cfg := config.Default()
	cfg.DatabaseURL = dbURL
	cfg.RefreshEvery = refreshEvery
	return startServeConfig(t, cfg)
}

// startServeConfig serves cfg (its DatabaseURL the test's database) on a port of its own until the test
// ends.
func startServeConfig(t *testing.T, cfg config.Config) *testServe {
	t.Helper()
	ctx := context.Background()
	db := openServeTestDB(t, cfg.DatabaseURL)
	cfg.Addr = "127.0.0.1:0"
	logs := &syncBuffer{}
	log := slog.New(web.WithRequestID(slog.NewJSONHandler(logs, nil)))
	sctx, cancel := context.WithCancel(ctx)
	s := &testServe{db: db, logs: logs, out: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(s.done)
		s.err = serve(sctx, cfg, log, s.out, func(a string) { addr <- a })
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-s.done:
		t.Fatalf("serve did not start: %v", s.err)
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// signedInClient signs in as the test admin through the login form and returns a client with the
// session and CSRF cookies, and the CSRF token of the admin page.
func signedInClient(t *testing.T, s *testServe) (*http.Client, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	token := csrfTokenOf(t, c, s.base+"/login")
	res, err := c.PostForm(s.base+"/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path == "/login" {
		t.Fatalf("sign in: status %d at %s", res.StatusCode, res.Request.URL)
	}
	return c, csrfTokenOf(t, c, s.base+"/admin")
}

// csrfTokenOf loads page and returns the token of its <meta name="csrf-token">.
func csrfTokenOf(t *testing.T, c *http.Client, page string) string {
	t.Helper()
	res, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", page, res.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := doc.Find(`meta[name="csrf-token"]`).Attr("content")
	if token == "" {
		t.Fatalf("GET %s: no CSRF token in the page", page)
	}
	return token
}

// refreshRuns returns the number of refresh log rows.
func refreshRuns(t *testing.T, db *postgres.DB) int {
	t.Helper()
	_, total, err := db.RefreshHistory(context.Background(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// holdBaseTableLock makes every refresh wait until release is called, so tests can see one running.
func holdBaseTableLock(t *testing.T, dbURL string) (release func()) {
	t.Helper()
	return holdLock(t, dbURL, `LOCK TABLE sqp.search_query_performance IN ACCESS EXCLUSIVE MODE`)
}

// holdLock runs lockStmt in a transaction it keeps open until release, so that whatever conflicts with
// the lock it takes waits.
func holdLock(t *testing.T, dbURL, lockStmt string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, lockStmt); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func postRefresh(t *testing.T, c *http.Client, s *testServe, form url.Values, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.base+"/admin/refresh", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	c2 := *c
	c2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c2.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestServeRefreshNeedsCSRFToken(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	c, token := signedInClient(t, s)
	before := refreshRuns(t, s.db)

	for _, tc := range []struct {
		name   string
		form   url.Values
		header http.Header
	}{
		{"no token", url.Values{"force": {"true"}}, nil},
		{"a wrong token in the form", url.Values{"force": {"true"}, "_csrf": {"not-the-token"}}, nil},
		{"a wrong token in the htmx header", url.Values{"force": {"true"}}, http.Header{"X-Csrf-Token": {"x" + token}, "Hx-Request": {"true"}}},
		{"the right token from another site", url.Values{"force": {"true"}, "_csrf": {token}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	} {
		t.Run(tc.name+" is refused with 403 and nothing runs", func(t *testing.T) {
			res := postRefresh(t, c, s, tc.form, tc.header)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", res.StatusCode)
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // a refresh started anyway would have logged its running row by now
	if after := refreshRuns(t, s.db); after != before {
		t.Fatalf("refresh log grew from %d to %d rows after refused posts", before, after)
	}

	t.Run("the right token starts one refresh, logged as manual by the signed-in admin", func(t *testing.T) {
		res := postRefresh(t, c, s, url.Values{"force": {"true"}, "_csrf": {token}}, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303 to the admin page", res.StatusCode)
		}
		var runs []refreshlog.Run
		waitFor(t, 30*time.Second, "the manual refresh to finish", func() bool {
			var err error
			runs, _, err = s.db.RefreshHistory(context.Background(), 1, 0)
			return err == nil && len(runs) == 1 && runs[0].Trigger == "manual" && runs[0].Status != refreshlog.StatusRunning
		})
		if r := runs[0]; r.Status != refreshlog.StatusSuccess || r.RequestedBy != testAdminEmail {
			t.Fatalf("newest run = %+v, want success requested by %s", r, testAdminEmail)
		}
	})
}

func TestServeSecondRefreshIsToldOneIsRunning(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	c, token := signedInClient(t, s)
	release := holdBaseTableLock(t, dbURL)

	htmx := http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {token}}
	if res := postRefresh(t, c, s, url.Values{"force": {"true"}}, htmx); res.StatusCode != http.StatusOK {
		t.Fatalf("first click: status %d, want 200", res.StatusCode)
	}
	waitFor(t, 10*time.Second, "the running row", func() bool {
		_, ok, err := s.db.RunningRefresh(context.Background())
		return err == nil && ok
	})
	// A second process on the same database: its click must find the advisory lock taken.
	other := startServe(t, dbURL, 0)
	c2, token2 := signedInClient(t, other)
	res := postRefresh(t, c2, other, url.Values{"force": {"true"}, "_csrf": {token2}}, nil)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("click on the second server while refreshing: status %d, want 409", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, other.base+"/admin/refresh", strings.NewReader("force=true"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Hx-Request", "true")
	req.Header.Set("X-Csrf-Token", token2)
	hres, err := c2.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(hres.Body)
	hres.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	msg := doc.Find(`[data-testid="refresh-message"]`).Text()
	if hres.StatusCode != http.StatusOK || !strings.HasPrefix(msg, "a refresh is already running (started ") || !strings.Contains(msg, testAdminEmail) {
		t.Fatalf("htmx click on the second server: status %d, message %q; want 200 and who started the running refresh", hres.StatusCode, msg)
	}
	if doc.Find(`[data-testid="refresh-now"][disabled]`).Length() != 1 {
		t.Fatal("the Refresh now button is not disabled while a refresh runs")
	}
	release()
	waitFor(t, 30*time.Second, "the refresh to finish", func() bool {
		_, ok, err := s.db.RunningRefresh(context.Background())
		return err == nil && !ok
	})
	runs, _, err := s.db.RefreshHistory(context.Background(), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	manual := 0
	for _, r := range runs {
		if r.Trigger == "manual" {
			manual++
		}
	}
	if manual != 1 {
		t.Fatalf("%d manual runs logged, want exactly 1: %+v", manual, runs)
	}
}

func TestServeShutdownCancelsARunningRefresh(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	c, token := signedInClient(t, s)
	release := holdBaseTableLock(t, dbURL)
	if res := postRefresh(t, c, s, url.Values{"force": {"true"}, "_csrf": {token}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("click: status %d", res.StatusCode)
	}
	waitFor(t, 10*time.Second, "the running row", func() bool {
		_, ok, err := s.db.RunningRefresh(context.Background())
		return err == nil && ok
	})
	s.stop(t) // SIGTERM
	release()
	runs, _, err := s.db.RefreshHistory(context.Background(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := runs[0]; r.Status != refreshlog.StatusCancelled || r.End.IsZero() || r.Trigger != "manual" {
		t.Fatalf("newest run after shutdown = %+v, want the manual run cancelled with an end", r)
	}
	if !strings.Contains(s.logs.String(), `"msg":"refresh cancelled"`) {
		t.Fatalf("no log line about the cancelled refresh in:\n%s", s.logs.String())
	}
}

func TestServeOperations(t *testing.T) {
	dbURL := withPassword(t, pgtest.NewDatabase(t), "s3cret-password")
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 50*time.Millisecond)
	c := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string, http.Header) {
		t.Helper()
		res, err := c.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body), res.Header
	}

	t.Run("healthz and readyz answer 200", func(t *testing.T) {
		if code, _, _ := get("/healthz"); code != http.StatusOK {
			t.Fatalf("/healthz: %d", code)
		}
		if code, body, _ := get("/readyz"); code != http.StatusOK {
			t.Fatalf("/readyz: %d %s", code, body)
		}
	})

	t.Run("every response has a request id, and the request's log line carries it", func(t *testing.T) {
		_, _, h := get("/healthz")
		id := h.Get("X-Request-Id")
		if len(id) < 16 {
			t.Fatalf("X-Request-Id = %q", id)
		}
		waitFor(t, 5*time.Second, "the request log line", func() bool {
			return strings.Contains(s.logs.String(), `"request_id":"`+id+`"`)
		})
	})

	t.Run("metrics count requests per route and status, refreshes, and the pool", func(t *testing.T) {
		code, body, _ := get("/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics: %d", code)
		}
		for _, want := range []string{
			`sqpdash_http_requests_total{method="GET",route="/healthz",status="200"}`,
			`sqpdash_http_request_duration_seconds_bucket{method="GET",route="/readyz",status="200",le=`,
			`sqpdash_db_pool_total_connections `,
			`sqpdash_segments_last_success_timestamp_seconds `,
			`go_goroutines `,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(body, "sqpdash_segments_last_success_timestamp_seconds 0\n") {
			t.Error("last successful refresh time not seeded from the log on start")
		}
	})

	t.Run("the schedule refreshes after a change", func(t *testing.T) {
		if _, err := s.db.Pool().Exec(context.Background(), `UPDATE sqp.search_query_performance SET asin_click_count = asin_click_count + 1 WHERE id = (SELECT min(id) FROM sqp.search_query_performance)`); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "a scheduled refresh", func() bool {
			runs, _, err := s.db.RefreshHistory(context.Background(), 1, 0)
			return err == nil && len(runs) == 1 && runs[0].Trigger == "schedule" && runs[0].Status == refreshlog.StatusSuccess
		})
		// The log row commits inside the refresh; the process counts the run only after the call returns, so
		// the counter is awaited too rather than read once.
		const counted = `sqpdash_segments_refresh_total{status="success",trigger="schedule"} 1`
		waitFor(t, 30*time.Second, "/metrics to count the scheduled refresh", func() bool {
			_, body, _ := get("/metrics")
			return strings.Contains(body, counted)
		})
	})

	t.Run("no log line holds the database password", func(t *testing.T) {
		if strings.Contains(s.logs.String(), "s3cret-password") {
			t.Fatal("the database password appears in the log")
		}
	})
}

// TestServeReadyzFollowsTheDatabase stops the package's PostgreSQL: it must not run in parallel.
func TestServeReadyzFollowsTheDatabase(t *testing.T) {
	cluster := pgtest.Cluster()
	if cluster == nil || cluster.DataDir() == "" {
		t.Skip("needs the private test cluster (SQPDASH_TEST_DATABASE_URL is set)")
	}
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	readyz := func() (int, string) {
		res, err := http.Get(s.base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := readyz(); code != http.StatusOK {
		t.Fatalf("/readyz before the outage: %d %s", code, body)
	}
	ctx := context.Background()
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = cluster.Restart(ctx)
		}
	}()
	code, body := readyz()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "database unreachable") {
		t.Fatalf("/readyz while the database is down: %d %q, want 503 database unreachable", code, body)
	}
	if res, err := http.Get(s.base + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while the database is down: %v %v, want 200", res, err)
	}
	if err := cluster.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	restarted = true
	waitFor(t, 20*time.Second, "/readyz to answer 200 again", func() bool {
		code, _ := readyz()
		return code == http.StatusOK
	})
}

func withPassword(t *testing.T, raw, password string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}

func TestServeAdminPage(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServe(t, dbURL, 0)
	c, _ := signedInClient(t, s)
	get := func(path string, htmx bool) (*http.Response, *goquery.Document) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, doc
	}

	t.Run("the page shows the segments, coverage and history the database holds", func(t *testing.T) {
		st, err := s.db.SegmentsStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, doc := get("/admin", false)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin: %d", res.StatusCode)
		}
		digits := func(sel string) string {
			return strings.ReplaceAll(strings.TrimSpace(doc.Find(sel).First().Text()), ",", "")
		}
		if got := digits(`[data-testid="segments-rows"]`); got != fmt.Sprint(st.Rows) {
			t.Errorf("rows shown %q, database %d", got, st.Rows)
		}
		if got := doc.Find(`[data-testid="segments-changed"]`).AttrOr("data-changed", ""); got != fmt.Sprint(st.ChangedSince) {
			t.Errorf("changed since shown %q, database %t", got, st.ChangedSince)
		}
		if got := doc.Find(`[data-testid="coverage"] dd`).Eq(2).Text(); got != fmt.Sprint(st.Coverage.Weeks) {
			t.Errorf("weeks shown %q, database %d", got, st.Coverage.Weeks)
		}
		_, total, err := s.db.RefreshHistory(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := doc.Find(`[data-testid="history-row"]`).Length(); n != min(total, 20) || n == 0 {
			t.Errorf("%d history rows shown, the log has %d", n, total)
		}
		if doc.Find(`#admin-import`).Length() != 1 {
			t.Error("no place for the import form")
		}
	})

	t.Run("a history page is a fragment for htmx", func(t *testing.T) {
		res, doc := get("/admin/history?page=1", true)
		if res.StatusCode != http.StatusOK || doc.Find(`#refresh-history [data-testid="history-row"]`).Length() == 0 || doc.Find(`html head title`).Length() != 0 {
			t.Fatalf("GET /admin/history?page=1: %d, want the history fragment", res.StatusCode)
		}
	})

	for _, bad := range []string{"0", "-1", "x", "99999999999"} {
		t.Run("page "+bad+" is a 400 naming the parameter", func(t *testing.T) {
			res, doc := get("/admin/history?page="+bad, true)
			if res.StatusCode != http.StatusBadRequest || doc.Find(`[data-param="page"]`).Length() != 1 {
				t.Fatalf("status %d, want 400 about page", res.StatusCode)
			}
		})
	}
}
