package web

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// countingSegments counts the reads of segments (alone or with their product), to tell a cached answer
// from a computed one.
type countingSegments struct {
	SegmentStore
	calls atomic.Int64
}

func (c *countingSegments) Segments(ctx context.Context, brandID, market, asin string, t period.SegmentType, r period.Range) ([]sqp.Segment, error) {
	c.calls.Add(1)
	return c.SegmentStore.Segments(ctx, brandID, market, asin, t, r)
}

func (c *countingSegments) ProductExpansion(ctx context.Context, q sqp.ExpansionQuery) (sqp.ProductExpansion, error) {
	c.calls.Add(1)
	return c.SegmentStore.ProductExpansion(ctx, q)
}

func TestPartialCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t) // its server has no cache: the reference answers
	sessions := newTestSessions(t, f.db)
	sessions.n.Add(100) // the fixture's users are numbered from 1
	segs := &countingSegments{SegmentStore: f.db}
	srv, err := New(Options{Brands: f.db, Products: f.db, Segments: segs, Queries: f.db, Auth: sessions.Options(), Versions: f.db})
	if err != nil {
		t.Fatal(err)
	}
	admin := sessions.Cookie(account.RoleAdmin)
	get := func(path string, cookie *http.Cookie, gzipOK bool) (*http.Response, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		req.Header.Set("HX-Request", "true")
		if gzipOK {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		srv.testHandler().ServeHTTP(rec, req)
		res := rec.Result()
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	path := f.segmentsPath(asinA, "weekly", "")
	first, firstBody := get(path, admin, false)
	if first.StatusCode != http.StatusOK || !strings.Contains(firstBody, "<tr") {
		t.Fatalf("first expansion: %d %q", first.StatusCode, firstBody)
	}

	t.Run("a repeated expansion is answered from the cache with the same bytes and headers", func(t *testing.T) {
		before := segs.calls.Load()
		res, body := get(path, admin, false)
		if segs.calls.Load() != before {
			t.Errorf("segments read again: %d reads", segs.calls.Load()-before)
		}
		if body != firstBody {
			t.Errorf("cached body differs from the first")
		}
		if res.Header.Get("HX-Push-Url") != first.Header.Get("HX-Push-Url") || res.Header.Get("HX-Push-Url") == "" {
			t.Errorf("HX-Push-Url %q, first %q", res.Header.Get("HX-Push-Url"), first.Header.Get("HX-Push-Url"))
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Error("the security headers are missing from a cached answer")
		}
		if ref, _ := f.body(path, http.StatusOK, htmxHeaders); ref != body {
			t.Errorf("cached body differs from the uncached server's")
		}
	})

	t.Run("a client that accepts gzip gets the same body compressed", func(t *testing.T) {
		res, body := get(path, admin, true)
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(vary(res), "Accept-Encoding") {
			t.Errorf("Content-Encoding %q, Vary %q", res.Header.Get("Content-Encoding"), vary(res))
		}
		if body != firstBody {
			t.Error("decompressed body differs")
		}
	})

	t.Run("a page is cached per session, whose CSRF token it embeds", func(t *testing.T) {
		page := "/brands/" + f.brandID + "/products/" + asinA
		load := func(session *http.Cookie) string {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, page, nil)
			req.AddCookie(session)
			rec := httptest.NewRecorder()
			srv.testHandler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("product page: %d", rec.Code)
			}
			return rec.Body.String()
		}
		// One admin signed in twice: same user, role and brands, two sessions with two tokens.
		email := sessions.User(account.RoleAdmin)
		one, other := sessions.SignIn(email), sessions.SignIn(email)
		tokenA, tokenB := srv.csrfTokenFor("session:"+one.Value), srv.csrfTokenFor("session:"+other.Value)
		first := load(one)
		before := segs.calls.Load()
		if again := load(one); again != first || segs.calls.Load() != before {
			t.Errorf("same session: body equal %t, segment reads %d", again == first, segs.calls.Load()-before)
		}
		if !strings.Contains(first, tokenA) {
			t.Error("the page does not embed its session's CSRF token")
		}
		if page := load(other); !strings.Contains(page, tokenB) || strings.Contains(page, tokenA) {
			t.Error("another session got the first one's page and token")
		}
	})

	t.Run("a brand granted to a manager shows at once on a cached page", func(t *testing.T) {
		email := sessions.User(account.RoleManager, f.brandID)
		cookie := sessions.SignIn(email)
		load := func() string {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, "/brands/"+f.brandID, nil)
			req.AddCookie(cookie)
			rec := httptest.NewRecorder()
			srv.testHandler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("dashboard: %d", rec.Code)
			}
			return rec.Body.String()
		}
		if strings.Contains(load(), f.altID) {
			t.Fatal("the manager sees a brand not granted")
		}
		if err := f.db.GrantBrand(ctx, email, f.altID); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(load(), f.altID) {
			t.Error("the granted brand is missing: the page came from the cache")
		}
	})

	t.Run("a user who may not see the brand is refused, whatever is cached", func(t *testing.T) {
		manager := sessions.Cookie(account.RoleManager, f.altID)
		if res, _ := get(path, manager, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("manager of another brand: %d", res.StatusCode)
		}
	})

	t.Run("a visitor who is not signed in neither reads nor fills the cache", func(t *testing.T) {
		entries, counted := len(srv.partials.entries), srv.partials.freq.added
		for n := range 50 {
			req := httptest.NewRequest(http.MethodGet, path+"&visitor="+strconv.Itoa(n), nil)
			req.Header.Set("HX-Request", "true")
			rec := httptest.NewRecorder()
			srv.testHandler().ServeHTTP(rec, req)
			if rec.Code == http.StatusOK {
				t.Fatalf("an anonymous expansion answered %d", rec.Code)
			}
		}
		if len(srv.partials.entries) != entries || srv.partials.freq.added != counted {
			t.Errorf("entries %d -> %d, counted requests %d -> %d", entries, len(srv.partials.entries), counted, srv.partials.freq.added)
		}
	})

	t.Run("the cache holds what Options.ResponseCacheBytes says, by default DefaultResponseCacheBytes", func(t *testing.T) {
		if srv.partials.maxBytes != DefaultResponseCacheBytes {
			t.Errorf("default bound %d", srv.partials.maxBytes)
		}
		small, err := New(Options{Brands: f.db, Products: f.db, Segments: segs, Queries: f.db, Auth: sessions.Options(), Versions: f.db, ResponseCacheBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(admin)
		req.Header.Set("HX-Request", "true")
		for range 2 {
			rec := httptest.NewRecorder()
			before := segs.calls.Load()
			small.testHandler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || segs.calls.Load() == before {
				t.Errorf("a cache of 1 byte: status %d, segment reads %d (want a computed answer every time)", rec.Code, segs.calls.Load()-before)
			}
		}
		if len(small.partials.entries) != 0 {
			t.Errorf("a cache of 1 byte keeps %d entries", len(small.partials.entries))
		}
	})

	t.Run("changed data and a new week are shown at once, before and after the refresh", func(t *testing.T) {
		var newest sqp.WeeklyReport
		for _, r := range reports() {
			if r.ASIN == asinA && r.WeekStart.After(newest.WeekStart) {
				newest = r
			}
		}
		newest.Queries = append([]sqp.QueryRow(nil), newest.Queries...)
		newest.Queries[0].ASINImpressionCount += 7777
		newest.Queries[0].TotalQueryImpressionCount += 7777
		// And a week after the newest: the default range, which ends at the brand's newest week, moves.
		next := newest
		next.WeekStart, next.WeekEnd = newest.WeekStart.AddDate(0, 0, 7), newest.WeekEnd.AddDate(0, 0, 7)
		if _, err := f.db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{newest, next}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"imported", "refreshed"} {
			if step == "refreshed" {
				if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test"}); err != nil {
					t.Fatal(err)
				}
			}
			_, body := get(path, admin, false)
			ref, _ := f.body(path, http.StatusOK, htmxHeaders)
			if body != ref {
				t.Errorf("%s: cached server answers differently from the uncached one", step)
			}
			if step == "refreshed" && body == firstBody {
				t.Errorf("%s: still the answer from before the change", step)
			}
		}
	})
}
