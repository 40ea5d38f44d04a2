package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// paramSeeds are query strings a browser, a shared link or a careless script may send.
func paramSeeds() []string {
	return []string{
		"",
		"preset=13w",
		"preset=ytd&cmp=yoy",
		"preset=" + unknownPreset,
		"preset=custom&from=2025-12-28&to=2026-01-10",
		"from=2026-01-10&to=2025-12-28",
		"from=1900-01-01&to=2999-12-31",
		"from=2026-02-30",
		"cmp=prev&cmp_from=2025-01-01&cmp_to=2025-02-01",
		"cmp=custom&cmp_from=x",
		"sort=purchases&dir=asc&page=2&size=50",
		"sort=%27%3B+DROP+TABLE+brands&dir=sideways&page=-1&size=1000000",
		"page=99999999999999999999&size=0",
		"q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&min_impr=-5",
		"q=" + url.QueryEscape(string([]byte{0xff, 0xfe, 0x00})),
		"open=B0ACME0001:weekly,B0ACME0001:monthly&type=monthly",
		"open=,,,:,&open=%00&type=yearly",
		"qsort=clicks&qdir=desc&qpage=3",
		"preset=4w&preset=52w&from=2026-01-01",
		"%zz=1&a=%",
		"q=%ZZ",
		";q=1",
		"page=1&page=abc",
		"page=1&page=2",
		"q=a;b&open=B0ACME0001",
	}
}

// unknownPreset is the one preset name the seeds use on purpose although no such preset exists.
const unknownPreset = "fortnight"

// TestParamSeedsUsePresetsThatExist keeps the seeds in step with the presets: a seed naming a preset that
// was renamed only exercises the error path.
func TestParamSeedsUsePresetsThatExist(t *testing.T) {
	for _, s := range paramSeeds() {
		v, _ := url.ParseQuery(s)
		for _, p := range v[viewstate.ParamPreset] {
			if p != unknownPreset && !slices.Contains(period.Presets(), period.Preset(p)) {
				t.Errorf("seed %q names preset %q; the presets are %v", s, p, period.Presets())
			}
		}
	}
}

// FuzzViewStateParsing: whatever the query string, the parsers (the strict query string parser, then the
// view state's) return a state or an error that the error handler shows as a 4xx, never a 5xx, and never
// panic.
func FuzzViewStateParsing(f *testing.F) {
	for _, s := range paramSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := viewstate.ParseQuery(raw)
		if err != nil {
			if pe := publicErrorOf(err); pe.Status != http.StatusBadRequest {
				t.Fatalf("ParseQuery(%q): %v becomes %d, want 400", raw, err, pe.Status)
			}
			return
		}
		state, err := viewstate.Parse(v)
		if err != nil {
			if pe := publicErrorOf(err); pe.Status >= 500 {
				t.Fatalf("viewstate.Parse(%q): %v becomes %d", raw, err, pe.Status)
			}
			return
		}
		if _, err := viewstate.Parse(state.Values()); err != nil {
			t.Fatalf("the state parsed from %q does not parse back from its own URL %q: %v", raw, state.Values().Encode(), err)
		}
		if _, err := viewstate.ParseSegmentType(v); err != nil && publicErrorOf(err).Status >= 500 {
			t.Fatalf("ParseSegmentType(%q): %v", raw, err)
		}
	})
}

// FuzzBrandRoutesQuery sends fuzzed query strings to every GET route of a brand, as a signed-in
// manager, through the whole server: never a 5xx, never a panic.
func FuzzBrandRoutesQuery(f *testing.F) {
	for _, s := range paramSeeds() {
		f.Add(s, false)
		f.Add(s, true)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(db.Close)
	own := brandFixture{name: "acme", asin: "B0ACME0001"}
	loadBrands(f, db, []brandData{{name: own.name, products: []productData{{asin: own.asin, title: "Anvil", queries: []string{"anvil", "hammer"}}}}})
	own.id = brandIDByName(f, db, own.name)
	sessions := newTestSessions(f, db)
	manager := sessions.Cookie(account.RoleManager, own.id)
	srv := newTestServer(f, db, sessions)
	var targets []string
	for _, r := range srv.Echo().Routes() {
		if r.Method == http.MethodGet && routeAccess(r.Path) == accessSignedIn {
			targets = append(targets, routeURL(r.Path, own.id, own.asin))
		}
	}
	f.Fuzz(func(t *testing.T, raw string, htmx bool) {
		for _, target := range targets {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = target
			req.URL.RawQuery = raw
			req.RequestURI = req.URL.RequestURI()
			if htmx {
				req.Header.Set("HX-Request", "true")
			}
			req.AddCookie(manager)
			rec := httptest.NewRecorder()
			srv.testHandler().ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("GET %s?%s (htmx %v): %d %s", target, raw, htmx, rec.Code, rec.Body.String())
			}
		}
	})
}
