package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// accessFixture is a server on a database with two brands, each with one product and a week of data.
// The manager may see "acme" only.
type accessFixture struct {
	srv      *Server
	db       *postgres.DB
	sessions *testSessions
	own      brandFixture // granted to the manager
	other    brandFixture // not granted
}

type brandFixture struct {
	name, id, asin string
}

// fixtureWeek is a Sunday: Amazon reporting weeks run Sunday to Saturday.
var fixtureWeek = time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	f := &accessFixture{
		db:    db,
		own:   brandFixture{name: "acme", asin: "B0ACME0001"},
		other: brandFixture{name: "globex", asin: "B0GLOBEX01"},
	}
	loadBrands(t, db, []brandData{
		{name: f.own.name, products: []productData{{asin: f.own.asin, title: "Acme anvil", queries: []string{"anvil"}}}},
		{name: f.other.name, products: []productData{{asin: f.other.asin, title: "Globex gadget", queries: []string{"gadget"}}}},
	})
	f.own.id = brandIDByName(t, db, f.own.name)
	f.other.id = brandIDByName(t, db, f.other.name)
	f.sessions = newTestSessions(t, db)
	f.srv = newTestServer(t, db, f.sessions)
	return f
}

// brandData and productData describe test data to load.
type brandData struct {
	name     string
	products []productData
}

type productData struct {
	asin, title string
	queries     []string
}

// loadBrands imports the brands, their products and one week of search queries per product, then
// refreshes the segments, through the same storage calls as `sqpdash import` and `refresh`.
func loadBrands(t testing.TB, db *postgres.DB, brands []brandData) {
	t.Helper()
	ctx := context.Background()
	var (
		mappings []sqp.BrandMapping
		reports  []sqp.WeeklyReport
	)
	for _, b := range brands {
		for _, p := range b.products {
			mappings = append(mappings, sqp.BrandMapping{ASIN: p.asin, Brand: b.name, ProductTitle: p.title, Active: true})
			r := sqp.WeeklyReport{ASIN: p.asin, Marketplace: "US", WeekStart: fixtureWeek, WeekEnd: fixtureWeek.AddDate(0, 0, 6)}
			for i, q := range p.queries {
				n := int64(10 * (i + 1))
				r.Queries = append(r.Queries, sqp.QueryRow{
					SearchQuery:               q,
					TotalQueryImpressionCount: 100 * n, ASINImpressionCount: 10 * n,
					TotalClickCount: 10 * n, ASINClickCount: 2 * n,
					TotalCartAddCount: 5 * n, ASINCartAddCount: n,
					TotalPurchaseCount: 2 * n, ASINPurchaseCount: n / 2,
				})
			}
			reports = append(reports, r)
		}
	}
	if _, err := db.ImportBrandMappings(ctx, mappings); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportWeeklyReports(ctx, reports); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
}

func brandIDByName(t testing.TB, db *postgres.DB, name string) string {
	t.Helper()
	brands, err := db.ActiveBrands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range brands {
		if b.Name == name {
			return b.ID
		}
	}
	t.Fatalf("brand %s not loaded", name)
	return ""
}

// newTestServer is the production server on db, signed in through sessions.
func newTestServer(t testing.TB, db *postgres.DB, sessions *testSessions) *Server {
	t.Helper()
	srv, err := New(Options{
		Brands: db, Products: db, Segments: db, Queries: db, BrandTerms: db,
		Ops: OpsOptions{
			Ready: db, Status: db,
			Refresher: refresh.New(db, refresh.Options{}),
		},
		Auth: sessions.Options(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// routeURL fills a route pattern's parameters.
func routeURL(pattern, brandID, asin string) string {
	u := strings.ReplaceAll(pattern, ":brandID", brandID)
	u = strings.ReplaceAll(u, ":asin", asin)
	return strings.ReplaceAll(u, "*", "css/app.css")
}

// do sends req to the server and returns the recorded response.
func (f *accessFixture) do(req *http.Request, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	f.srv.testHandler().ServeHTTP(rec, req)
	return rec
}

// protectedRoutes are the server's routes that are not public.
func (f *accessFixture) protectedRoutes() []*echo.Route {
	var out []*echo.Route
	for _, r := range f.srv.Echo().Routes() {
		if routeAccess(r.Path) != accessPublic && r.Method != echo.RouteNotFound {
			out = append(out, r)
		}
	}
	return out
}

func newRequest(method, target string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	if method != http.MethodGet && method != http.MethodHead {
		req = withCSRF(req)
	}
	return req
}

func TestSignedOutRequestsAreSentToLogin(t *testing.T) {
	f := newAccessFixture(t)
	routes := f.protectedRoutes()
	if len(routes) < 8 {
		t.Fatalf("only %d protected routes: the route table is not what this test expects", len(routes))
	}
	for _, r := range routes {
		target := routeURL(r.Path, f.own.id, f.own.asin)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			rec := f.do(newRequest(r.Method, target))
			switch {
			case strings.HasPrefix(r.Path, "/api/"):
				var body struct {
					Error struct{ Code string } `json:"error"`
				}
				if rec.Code != http.StatusUnauthorized || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error.Code != "unauthorized" {
					t.Errorf("got %d %q, want 401 with a JSON error code unauthorized", rec.Code, rec.Body.String())
				}
			default:
				loc := rec.Header().Get("Location")
				if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
					t.Fatalf("got %d to %q, want 303 to /login", rec.Code, loc)
				}
				if r.Method == http.MethodGet && target != "/" {
					u, _ := url.Parse(loc)
					if next := u.Query().Get("next"); next != target {
						t.Errorf("login next = %q, want back to %q", next, target)
					}
				}
			}
		})
	}
	t.Run("htmx request gets 401 with HX-Redirect", func(t *testing.T) {
		req := newRequest(http.MethodGet, routeURL("/brands/:brandID/products/:asin/segments", f.own.id, f.own.asin))
		req.Header.Set("HX-Request", "true")
		rec := f.do(req)
		if rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("HX-Redirect"), "/login") {
			t.Errorf("got %d, HX-Redirect %q; want 401 and a redirect to /login", rec.Code, rec.Header().Get("HX-Redirect"))
		}
	})
}

func TestManagerGetsNotFoundForAnotherBrand(t *testing.T) {
	f := newAccessFixture(t)
	manager := f.sessions.Cookie(account.RoleManager, f.own.id)
	// Both answers carry the same <meta name="csrf-token">: the token is the manager's session's.
	missing := "0f8fad5b-d9cb-469f-a165-70867728950e"
	var checked int
	for _, r := range f.protectedRoutes() {
		if !strings.Contains(r.Path, ":brandID") {
			continue
		}
		checked++
		t.Run(r.Method+" "+r.Path+" of another brand", func(t *testing.T) {
			other := f.do(newRequest(r.Method, routeURL(r.Path, f.other.id, f.other.asin)), manager)
			absent := f.do(newRequest(r.Method, routeURL(r.Path, missing, f.other.asin)), manager)
			if other.Code != http.StatusNotFound {
				t.Fatalf("got %d, want 404", other.Code)
			}
			otherBody := strings.ReplaceAll(other.Body.String(), f.other.id, "ID")
			absentBody := strings.ReplaceAll(absent.Body.String(), missing, "ID")
			if absent.Code != other.Code || otherBody != absentBody {
				t.Errorf("another brand answers %d %q\nbut a missing brand answers %d %q", other.Code, otherBody, absent.Code, absentBody)
			}
			if strings.Contains(other.Body.String(), f.other.name) || strings.Contains(other.Body.String(), "Globex") {
				t.Error("the answer names the other brand")
			}
		})
		if strings.Contains(r.Path, ":asin") {
			t.Run(r.Method+" "+r.Path+" with another brand's ASIN", func(t *testing.T) {
				rec := f.do(newRequest(r.Method, routeURL(r.Path, f.own.id, f.other.asin)), manager)
				if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "Globex") {
					t.Errorf("got %d %q, want 404 without the product", rec.Code, rec.Body.String())
				}
			})
		}
	}
	if checked == 0 {
		t.Fatal("no brand routes found")
	}
	t.Run("brand list shows only the granted brand", func(t *testing.T) {
		u, err := f.sessions.svc.Authenticate(context.Background(), manager.Value)
		if err != nil {
			t.Fatal(err)
		}
		visible, err := f.srv.brands.ActiveBrands(withUser(context.Background(), u))
		if err != nil {
			t.Fatal(err)
		}
		if len(visible) != 1 || visible[0].ID != f.own.id {
			t.Errorf("manager sees %+v, want only %s", visible, f.own.name)
		}
	})
}

func TestHomeWithoutBrandsSaysWhatToDo(t *testing.T) {
	f := newAccessFixture(t)
	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
		want   string
	}{
		{"a manager with no brand is told to ask for access", f.sessions.Cookie(account.RoleManager), "ask an admin for access"},
		{"a manager with a brand is sent to it", f.sessions.Cookie(account.RoleManager, f.own.id), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(newRequest(http.MethodGet, "/"), tc.cookie)
			if tc.want == "" {
				if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), f.own.id) {
					t.Fatalf("got %d to %q, want 303 to the brand %s", rec.Code, rec.Header().Get("Location"), f.own.id)
				}
				return
			}
			if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("got %d %q, want 404 saying %q", rec.Code, rec.Body.String(), tc.want)
			}
		})
	}
}

func TestManagerIsForbiddenOnAdminRoutes(t *testing.T) {
	f := newAccessFixture(t)
	manager := f.sessions.Cookie(account.RoleManager, f.own.id, f.other.id)
	var checked int
	for _, r := range f.protectedRoutes() {
		if routeAccess(r.Path) != accessAdmin {
			continue
		}
		checked++
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			rec := f.do(newRequest(r.Method, routeURL(r.Path, f.own.id, f.own.asin)), manager)
			if rec.Code != http.StatusForbidden {
				t.Errorf("got %d, want 403", rec.Code)
			}
		})
	}
	if checked < 2 {
		t.Fatalf("only %d admin routes: /admin and the refresh must be admin routes", checked)
	}
	t.Run("refresh was not started", func(t *testing.T) {
		_, total, err := f.db.RefreshHistory(context.Background(), 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 { // the fixture's own refresh
			t.Errorf("%d refresh log rows, want only the fixture's 1", total)
		}
	})
}

func TestUnsafeRequestsNeedTheCSRFToken(t *testing.T) {
	f := newAccessFixture(t)
	admin := f.sessions.Cookie(account.RoleAdmin)
	var posts []*echo.Route
	for _, r := range f.srv.Echo().Routes() {
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodDelete {
			posts = append(posts, r)
		}
	}
	if len(posts) < 3 {
		t.Fatalf("only %d unsafe routes; expected at least login, logout and refresh", len(posts))
	}
	for _, r := range posts {
		target := routeURL(r.Path, f.own.id, f.own.asin)
		t.Run(r.Method+" "+r.Path+" without a token is 403", func(t *testing.T) {
			req := httptest.NewRequest(r.Method, target, strings.NewReader("email=x@example.com&password=whatever"))
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
			if rec := f.do(req, admin); rec.Code != http.StatusForbidden {
				t.Errorf("got %d, want 403", rec.Code)
			}
		})
		t.Run(r.Method+" "+r.Path+" with a wrong token is 403", func(t *testing.T) {
			req := httptest.NewRequest(r.Method, target, strings.NewReader("_csrf=wrong&email=x@example.com"))
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
			if rec := f.do(req, admin); rec.Code != http.StatusForbidden {
				t.Errorf("got %d, want 403", rec.Code)
			}
		})
		t.Run(r.Method+" "+r.Path+" cross-site is 403 even with a token", func(t *testing.T) {
			req := withCSRF(httptest.NewRequest(r.Method, target, nil))
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if rec := f.do(req, admin); rec.Code != http.StatusForbidden {
				t.Errorf("got %d, want 403", rec.Code)
			}
		})
	}
	t.Run("nothing changed", func(t *testing.T) {
		ctx := context.Background()
		if _, total, err := f.db.RefreshHistory(ctx, 10, 0); err != nil || total != 1 {
			t.Errorf("%d refresh log rows (%v), want only the fixture's 1", total, err)
		}
		if _, err := f.sessions.svc.Authenticate(ctx, admin.Value); err != nil {
			t.Errorf("the session did not survive the refused logouts: %v", err)
		}
		counts, err := f.db.FailedLogins(ctx, "x@example.com", "192.0.2.1", time.Now().Add(-time.Hour))
		if err != nil || counts.ByEmail != 0 {
			t.Errorf("refused logins were processed: %+v (%v)", counts, err)
		}
	})
}

func TestLoginAndLogout(t *testing.T) {
	f := newAccessFixture(t)
	email := f.sessions.User(account.RoleManager, f.own.id)
	login := func(password, next string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		form := url.Values{"email": {email}, "password": {password}, "next": {next}}
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode())))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		return f.do(req, cookies...)
	}
	sessionOf := func(rec *httptest.ResponseRecorder) *http.Cookie {
		for _, c := range rec.Result().Cookies() {
			if c.Name == sessionCookieName && c.Value != "" {
				return c
			}
		}
		return nil
	}

	t.Run("login page renders the form with a CSRF token", func(t *testing.T) {
		rec := f.do(httptest.NewRequest(http.MethodGet, "/login?next=/brands/x", nil))
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, `name="password"`) || !strings.Contains(body, `name="_csrf"`) {
			t.Errorf("got %d %q", rec.Code, body)
		}
	})
	t.Run("wrong password and unknown email get the same answer", func(t *testing.T) {
		wrong := login("not the password", "/")
		form := url.Values{"email": {"nobody@example.com"}, "password": {"not the password"}}
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode())))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		unknown := f.do(req)
		if wrong.Code != http.StatusUnauthorized || unknown.Code != wrong.Code {
			t.Fatalf("got %d and %d, want 401 twice", wrong.Code, unknown.Code)
		}
		for _, rec := range []*httptest.ResponseRecorder{wrong, unknown} {
			if !strings.Contains(rec.Body.String(), msgInvalidCredentials) || sessionOf(rec) != nil {
				t.Errorf("answer %q: want %q and no session", rec.Body.String(), msgInvalidCredentials)
			}
		}
	})
	t.Run("right password sets a hardened cookie and returns to next", func(t *testing.T) {
		planted := &http.Cookie{Name: sessionCookieName, Value: "planted-by-an-attacker"}
		rec := login(testPassword, "/brands/"+f.own.id, planted)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/brands/"+f.own.id {
			t.Fatalf("got %d to %q", rec.Code, rec.Header().Get("Location"))
		}
		c := sessionOf(rec)
		if c == nil || c.Value == planted.Value || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
			t.Errorf("session cookie %+v: want a new value, HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
		}
	})
	t.Run("next pointing elsewhere goes home instead", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			if loc := login(testPassword, next).Header().Get("Location"); loc != "/" {
				t.Errorf("next %q redirected to %q, want /", next, loc)
			}
		}
	})
	t.Run("cookie is Secure behind a trusted TLS proxy", func(t *testing.T) {
		sessions := newTestSessions(t, f.db)
		opts := sessions.Options()
		opts.TrustProxy = true
		srv, err := New(Options{Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db, Auth: opts})
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"email": {email}, "password": {testPassword}}
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode())))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		req.Header.Set(echo.HeaderXForwardedProto, "https")
		rec := httptest.NewRecorder()
		srv.testHandler().ServeHTTP(rec, req)
		if c := sessionOf(rec); c == nil || !c.Secure {
			t.Errorf("session cookie %+v, want Secure", c)
		}
		if rec.Header().Get("Strict-Transport-Security") == "" {
			t.Error("no Strict-Transport-Security over TLS")
		}
	})
	t.Run("logout deletes the session server-side", func(t *testing.T) {
		c := sessionOf(login(testPassword, "/"))
		if c == nil {
			t.Fatal("no session")
		}
		rec := f.do(withCSRF(httptest.NewRequest(http.MethodPost, "/logout", nil)), c)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
			t.Errorf("logout: %d to %q", rec.Code, rec.Header().Get("Location"))
		}
		// The old cookie, replayed, no longer opens anything.
		again := f.do(httptest.NewRequest(http.MethodGet, "/api/brands/"+f.own.id+"/products", nil), c)
		if again.Code != http.StatusUnauthorized {
			t.Errorf("replayed cookie after logout: %d, want 401", again.Code)
		}
	})
	t.Run("throttled after repeated failures", func(t *testing.T) {
		var last *httptest.ResponseRecorder
		for range auth.DefaultThrottlePolicy().PerAccount + 1 {
			last = login("not the password", "/")
		}
		if last.Code != http.StatusTooManyRequests || !strings.Contains(last.Body.String(), "Too many") {
			t.Errorf("got %d %q, want 429", last.Code, last.Body.String())
		}
		if got, want := last.Header().Get("Retry-After"), "60"; got != want {
			t.Errorf("Retry-After %q, want %q (the throttle window)", got, want)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	f := newAccessFixture(t)
	for _, target := range []string{"/login", "/no-such-page", "/static/css/app.css"} {
		t.Run(target, func(t *testing.T) {
			rec := f.do(httptest.NewRequest(http.MethodGet, target, nil))
			h := rec.Header()
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
				!strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers %v", h)
			}
			if h.Get("Strict-Transport-Security") != "" {
				t.Error("HSTS over plain HTTP")
			}
			// The map is written directly: a name not in canonical form would not be found by clients'
			// Get, nor be replaced by a handler's Set.
			for _, kv := range securityHeaders {
				if http.CanonicalHeaderKey(kv.name) != kv.name || h.Get(kv.name) != kv.value[0] {
					t.Errorf("%s: %q, want %q under its canonical name", kv.name, h.Values(kv.name), kv.value)
				}
			}
		})
	}
	t.Run("body over the limit is 413", func(t *testing.T) {
		body := strings.NewReader("email=" + strings.Repeat("a", int(DefaultBodyLimit)))
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		if rec := f.do(req); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("got %d, want 413", rec.Code)
		}
	})
	t.Run("body without a length that grows over the limit is 413", func(t *testing.T) {
		body := io.MultiReader(strings.NewReader("email="), strings.NewReader(strings.Repeat("a", int(DefaultBodyLimit))))
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", body))
		req.ContentLength = -1
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
		if rec := f.do(req); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("got %d, want 413", rec.Code)
		}
	})
}

func TestAccountMenu(t *testing.T) {
	f := newAccessFixture(t)
	for _, tc := range []struct {
		name      string
		cookie    *http.Cookie
		wantAdmin bool
	}{
		{"admin sees the admin link", f.sessions.Cookie(account.RoleAdmin), true},
		{"manager does not", f.sessions.Cookie(account.RoleManager, f.own.id), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(httptest.NewRequest(http.MethodGet, "/brands/"+f.own.id, nil), tc.cookie)
			d, err := goquery.NewDocumentFromReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			menu := d.Find(`[data-testid="account"]`)
			if rec.Code != http.StatusOK || menu.Length() != 1 {
				t.Fatalf("got %d with %d account menus", rec.Code, menu.Length())
			}
			if menu.AttrOr("method", "") != "post" || menu.AttrOr("action", "") != "/logout" ||
				menu.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" {
				t.Error("the sign-out form is not a POST to /logout with a CSRF token")
			}
			if got := menu.Find(`a[href="/admin"]`).Length() == 1; got != tc.wantAdmin {
				t.Errorf("admin link shown: %v, want %v", got, tc.wantAdmin)
			}
		})
	}
	t.Run("signed-out pages have no menu", func(t *testing.T) {
		rec := f.do(httptest.NewRequest(http.MethodGet, "/login", nil))
		if strings.Contains(rec.Body.String(), `data-testid="account"`) {
			t.Error("the login page shows an account menu")
		}
	})
}

// TestClientAddressForThrottling: without --trust-proxy a client cannot dodge the per-address limit by
// sending X-Forwarded-For; behind a trusted proxy (on a private address) the forwarded address counts.
func TestClientAddressForThrottling(t *testing.T) {
	f := newAccessFixture(t)
	email := f.sessions.User(account.RoleManager, f.own.id)
	policy := auth.DefaultThrottlePolicy()
	for _, tc := range []struct {
		name       string
		trustProxy bool
		proxy      string // the peer address: a private one, where a proxy would be
		wantCode   int
	}{
		{"forwarded addresses are ignored without a trusted proxy", false, "10.0.1.1:4711", http.StatusTooManyRequests},
		{"forwarded addresses count behind a trusted proxy", true, "10.0.2.1:4711", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := auth.NewService(f.db, auth.Config{Password: auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
			if err != nil {
				t.Fatal(err)
			}
			srv, err := New(Options{Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db,
				Auth: AuthOptions{Service: svc, CSRFSecret: f.sessions.secret, TrustProxy: tc.trustProxy}})
			if err != nil {
				t.Fatal(err)
			}
			login := func(email, password string, n int) int {
				form := url.Values{"email": {email}, "password": {password}}
				req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode())))
				req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
				req.Header.Set(echo.HeaderXForwardedFor, fmt.Sprintf("198.51.100.%d", n))
				req.RemoteAddr = tc.proxy
				rec := httptest.NewRecorder()
				srv.testHandler().ServeHTTP(rec, req)
				return rec.Code
			}
			for i := range policy.PerIP {
				if code := login(fmt.Sprintf("guess%d@example.com", i), "guess", i+1); code != http.StatusUnauthorized {
					t.Fatalf("guess %d: %d, want 401", i+1, code)
				}
			}
			if code := login(email, testPassword, 200); code != tc.wantCode {
				t.Errorf("sign-in from a new forwarded address: %d, want %d", code, tc.wantCode)
			}
		})
	}
}
