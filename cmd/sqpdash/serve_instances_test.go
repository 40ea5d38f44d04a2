package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// webRoleEnv is the environment that makes a `serve` process connect as the least-privilege web role,
// as in production; on a server of SQPDASH_TEST_DATABASE_URL (no password-less web role) the owner's.
func webRoleEnv(t *testing.T, db *postgres.DB, dbURL string) []string {
	t.Helper()
	if os.Getenv(pgtest.DatabaseURLEnv) != "" {
		return nil
	}
	if err := db.EnableLogin(context.Background(), postgres.WebRole); err != nil {
		t.Fatal(err)
	}
	webURL, err := postgres.URLAsRole(dbURL, postgres.WebRole)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"SQPDASH_WEB_DATABASE_URL=" + webURL}
}

// processClient signs in as the test admin on s and returns the client; its cookies are the session's.
func processClient(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	token := csrfTokenOf(t, c, base+"/login")
	res, err := c.PostForm(base+"/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path == "/login" {
		t.Fatalf("sign in on %s: status %d at %s", base, res.StatusCode, res.Request.URL)
	}
	return c
}

// carryCookies returns a client with a fresh jar holding the cookies c has for from, set for to: what a
// browser behind a load balancer sends to whichever instance answers (one host for both).
func carryCookies(t *testing.T, c *http.Client, from, to string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	fromURL, _ := url.Parse(from)
	toURL, _ := url.Parse(to)
	cookies := c.Jar.Cookies(fromURL)
	if len(cookies) == 0 {
		t.Fatalf("no cookies for %s", from)
	}
	jar.SetCookies(toURL, cookies)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// getDoc GETs base+path (as htmx when hx) and parses the answer, which must be a 200.
func getDoc(t *testing.T, c *http.Client, base, path string, hx bool) (*http.Response, *goquery.Document) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
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
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: status %d", base, path, res.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, doc
}

// TestServeInstancesShareOneDatabase runs two `sqpdash serve` processes, A and B, on one database as
// behind a load balancer, and uses them as a browser would whichever instance answers: everything they
// share lives in the database (sessions, the CSRF key, the refresh lock, log and queue). The processes are
// started once and shared by the subtests, which run in order: each leaves no refresh running.
func TestServeInstancesShareOneDatabase(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	db := openServeTestDB(t, dbURL)
	env := webRoleEnv(t, db, dbURL)
	bin := sqpdashBinary(t)
	a := startServeProcessBin(t, bin, dbURL, env...)
	b := startServeProcessBin(t, bin, dbURL, env...)
	ca := processClient(t, a.base)
	cb := carryCookies(t, ca, a.base, b.base)
	ctx := context.Background()

	t.Run("a session signed in on A is accepted on B", func(t *testing.T) {
		res, doc := getDoc(t, cb, b.base, "/admin", false)
		if res.Request.URL.Path != "/admin" || doc.Find(`[data-testid="admin"]`).Length() != 1 {
			t.Fatalf("B answered %s, want its admin page", res.Request.URL)
		}
		// The page is B's own: it names B's process.
		if got := doc.Find(`[data-testid="schedule-instance"]`).Text(); !strings.HasSuffix(got, "(pid "+strconv.Itoa(b.cmd.Process.Pid)+")") {
			t.Fatalf("instance on B's page %q, want B's pid %d", got, b.cmd.Process.Pid)
		}
	})

	t.Run("A's CSRF token is accepted on B: a refresh clicked on B runs once, and A's page shows it", func(t *testing.T) {
		token := csrfTokenOf(t, ca, a.base+"/admin")
		res := postRefresh(t, cb, &testServe{base: b.base}, url.Values{"force": {"true"}, "_csrf": {token}}, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("refresh on B with A's token: status %d, want 303", res.StatusCode)
		}
		var runs []refreshlog.Run
		waitFor(t, 60*time.Second, "B's manual refresh to finish", func() bool {
			var err error
			runs, _, err = db.RefreshHistory(ctx, 1, 0)
			return err == nil && len(runs) == 1 && runs[0].Trigger == "manual" && runs[0].Status != refreshlog.StatusRunning
		})
		if r := runs[0]; r.Status != refreshlog.StatusSuccess || r.RequestedBy != testAdminEmail {
			t.Fatalf("newest run %+v, want a success requested by %s", r, testAdminEmail)
		}
		_, doc := getDoc(t, ca, a.base, "/admin", false)
		if id := doc.Find(`[data-testid="history-row"]`).First().AttrOr("data-id", ""); id != strconv.FormatInt(runs[0].ID, 10) {
			t.Fatalf("A's newest history row is %q, want B's run %d", id, runs[0].ID)
		}
	})

	t.Run("a refresh run through A: B's next brand page shows the new data", func(t *testing.T) {
		res, _ := getDoc(t, cb, b.base, "/", false)
		brandPage := res.Request.URL.RequestURI()
		clicks := func(c *http.Client, base string) string {
			t.Helper()
			_, doc := getDoc(t, c, base, brandPage, false)
			v := strings.TrimSpace(doc.Find(`[data-testid="kpi"][data-metric="clicks"] [data-testid="kpi-value"]`).Text())
			if v == "" {
				t.Fatalf("no clicks KPI on %s%s", base, brandPage)
			}
			return v
		}
		before := clicks(cb, b.base)
		if again := clicks(cb, b.base); again != before { // B now holds the page in its response cache
			t.Fatalf("clicks %q then %q without a change", before, again)
		}
		if _, err := db.Pool().Exec(ctx, `UPDATE sqp.search_query_performance SET asin_click_count = asin_click_count + 1000`); err != nil {
			t.Fatal(err)
		}
		token := csrfTokenOf(t, ca, a.base+"/admin")
		last, _, err := db.LastSuccessfulRefresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res := postRefresh(t, ca, &testServe{base: a.base}, url.Values{"_csrf": {token}}, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("refresh on A: status %d, want 303", res.StatusCode)
		}
		waitFor(t, 60*time.Second, "A's refresh to succeed", func() bool {
			run, ok, err := db.LastSuccessfulRefresh(ctx)
			return err == nil && ok && run.ID > last.ID
		})
		fresh := clicks(ca, a.base)
		if fresh == before {
			t.Fatalf("A shows clicks %q after the refresh, as before it", fresh)
		}
		// Instances learn of new data through the database (a notification may take a moment to arrive;
		// the bound is generous for a busy machine, not a latency target).
		waitFor(t, 5*time.Second, "B's brand page to show the new clicks", func() bool {
			return clicks(cb, b.base) == fresh
		})
	})

	t.Run("while B refreshes, A says so and refuses a second click; an upload on A is queued and runs when B's refresh ends", func(t *testing.T) {
		tokenA := csrfTokenOf(t, ca, a.base+"/admin")
		tokenB := csrfTokenOf(t, cb, b.base+"/admin")
		// SHARE UPDATE EXCLUSIVE on the segments: the refresh (EXCLUSIVE) waits, pages and imports do not.
		release := holdLock(t, dbURL, `ALTER MATERIALIZED VIEW public.brand_product_segments SET (autovacuum_enabled = true)`)
		if res := postRefresh(t, cb, &testServe{base: b.base}, url.Values{"force": {"true"}, "_csrf": {tokenB}}, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("refresh on B: status %d, want 303", res.StatusCode)
		}
		var running refreshlog.Run
		waitFor(t, 30*time.Second, "B's running log row", func() bool {
			var ok bool
			var err error
			running, ok, err = db.RunningRefresh(ctx)
			return err == nil && ok
		})
		_, panel := getDoc(t, ca, a.base, "/admin/refresh", true)
		if panel.Find(`[data-testid="refresh-running"]`).Length() != 1 || panel.Find(`[data-testid="refresh-now"][disabled]`).Length() != 1 {
			t.Fatal("A's refresh panel does not show B's running refresh with the button disabled")
		}
		if res := postRefresh(t, ca, &testServe{base: a.base}, url.Values{"force": {"true"}, "_csrf": {tokenA}}, nil); res.StatusCode != http.StatusConflict {
			t.Fatalf("click on A while B refreshes: status %d, want 409", res.StatusCode)
		}

		doc := uploadReport(t, ca, a.base, tokenA, filepath.Join(importTestdata, "sellercentral", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv"), true)
		if st := doc.Find(`[data-testid="import-file"]`).AttrOr("data-status", ""); st != "imported" {
			t.Fatalf("upload on A: file status %q:\n%s", st, doc.Find(`[data-testid="import-result"]`).Text())
		}
		if _, ok, err := db.QueuedRefresh(ctx); err != nil || !ok {
			t.Fatalf("no follow-up queued after the upload on A (%v)", err)
		}
		_, panel = getDoc(t, cb, b.base, "/admin/refresh", true)
		if q := panel.Find(`[data-testid="refresh-queued"]`).Text(); !strings.Contains(q, testAdminEmail) {
			t.Fatalf("B's panel says %q about the queue, want the follow-up requested by %s", q, testAdminEmail)
		}

		release()
		var runs []refreshlog.Run
		waitFor(t, 60*time.Second, "the queued import refresh after B's", func() bool {
			var err error
			runs, _, err = db.RefreshHistory(ctx, 10, 0)
			_, queued, qerr := db.QueuedRefresh(ctx)
			return err == nil && qerr == nil && !queued && len(runs) >= 2 && runs[0].ID > running.ID &&
				runs[0].Trigger == string(refreshlog.TriggerImport) && runs[0].Status == refreshlog.StatusSuccess
		})
		manual, imports := 0, 0
		for _, r := range runs {
			switch {
			case r.ID == running.ID && r.Status != refreshlog.StatusSuccess:
				t.Fatalf("B's refresh ended %s: %+v", r.Status, r)
			case r.ID > running.ID && r.Trigger == string(refreshlog.TriggerImport):
				imports++
			case r.ID > running.ID:
				manual++
			}
		}
		if imports != 1 || manual != 0 {
			t.Fatalf("after B's refresh: %d import and %d other runs, want exactly one import follow-up: %+v", imports, manual, runs)
		}
	})

	t.Run("a scheduled run on a third instance shows on A's and B's admin pages: when, where, what it did", func(t *testing.T) {
		ticks := make(chan time.Time)
		done := make(chan struct{})
		sched := refresh.NewScheduler(refresh.New(db, refresh.Options{}), db, time.Hour, refresh.ScheduleOptions{Instance: "web-c (pid 1)", Ticks: ticks})
		go func() {
			defer close(done)
			sched.Run(ctx)
		}()
		ticks <- time.Now().Add(24 * time.Hour) // an interval nobody claimed yet
		close(ticks)
		<-done
		st, err := sched.State(ctx)
		if err != nil || !st.HasLast || st.Last.ClaimedBy != "web-c (pid 1)" || st.Last.FinishedAt.IsZero() {
			t.Fatalf("schedule state %+v (%v), want web-c's finished claim", st, err)
		}
		for _, in := range []struct {
			name string
			c    *http.Client
			base string
		}{{"A", ca, a.base}, {"B", cb, b.base}} {
			_, doc := getDoc(t, in.c, in.base, "/admin", false)
			got := strings.Join(strings.Fields(doc.Find(`[data-testid="schedule-last"]`).Text()), " ")
			if !strings.Contains(got, " on web-c (pid 1)") || !strings.HasSuffix(got, ": "+st.Last.Outcome) {
				t.Errorf("%s's admin page says the last scheduled run was %q, want web-c's: %s", in.name, got, st.Last.Outcome)
			}
		}
	})

	t.Run("signing out on B ends the session on A", func(t *testing.T) {
		token := csrfTokenOf(t, cb, b.base+"/admin")
		res, err := cb.PostForm(b.base+"/logout", url.Values{"_csrf": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// Instances may cache a session for a moment; the sign-out reaches them through the database.
		waitFor(t, 10*time.Second, "A to refuse the signed-out session", func() bool {
			res, err := ca.Get(a.base + "/admin")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.Request.URL.Path == "/login"
		})
	})
}
