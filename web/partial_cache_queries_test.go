package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// maxColdRowStatements is the most statements one uncached expansion or collapse of a product row may
// run (docs/performance.md, "Expansion"): the session, the data version and the one statement of the row
// (postgres.DB.ProductExpansion).
const maxColdRowStatements = 3

// TestCacheMissReadsEachOnce counts, in the real database's statements, what one uncached answer of a
// product row or page reads: the data version, the product and the brand once each, and for a row at most
// maxColdRowStatements statements in all. The version keys the response cache and the marketplace cache;
// the brand, the product, its numbers, segments and top queries and the brand's marketplaces are read in
// one statement. The cold path measured is the one every manager meets after an import or a refresh: the
// server has served the brand before, then the data changed.
func TestCacheMissReadsEachOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	setup, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(setup.Close)
	const asin, other = "B0ACME0001", "B0ACME0002"
	loadBrands(t, setup, []brandData{{name: "acme", products: []productData{
		{asin: asin, title: "Anvil", queries: []string{"anvil", "hammer"}},
		{asin: other, title: "Hammer", queries: []string{"hammer", "nails"}},
	}}})
	brandID := brandIDByName(t, setup, "acme")

	var log postgres.StatementLog
	db, err := postgres.OpenWithStatementLog(ctx, url, &log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	sessions := newTestSessions(t, db)
	srv, err := New(Options{Brands: db, Products: db, Segments: db, Queries: db, Auth: sessions.Options(), Versions: db})
	if err != nil {
		t.Fatal(err)
	}
	admin := sessions.Cookie(account.RoleAdmin)
	product := func(a string) string { return "/brands/" + brandID + "/products/" + a }
	// get answers path and returns the statements it ran.
	get := func(t *testing.T, path string, htmx bool, want string) []string {
		t.Helper()
		log.Reset()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(admin)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
		}
		return log.Statements()
	}
	refresh := func(t *testing.T) {
		t.Helper()
		if _, err := setup.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
			t.Fatal(err)
		}
	}

	// The server meets the brand (a fresh process reads its marketplaces once), then the data changes.
	if stmts := get(t, product(other)+"/segments?type=weekly", true, other); len(stmts) > maxColdRowStatements+1 {
		t.Errorf("first expansion of a fresh server: %d statements, want at most %d\n%s", len(stmts), maxColdRowStatements+1, strings.Join(stmts, "\n----\n"))
	}
	refresh(t)

	for _, tc := range []struct {
		name, path string
		htmx       bool
		limit      int // 0: no limit on the statements in all
	}{
		{"weekly expansion", product(asin) + "/segments?type=weekly", true, maxColdRowStatements},
		{"monthly expansion", product(asin) + "/segments?type=monthly&preset=52w", true, maxColdRowStatements},
		{"quarterly expansion", product(asin) + "/segments?type=quarterly&preset=4w", true, maxColdRowStatements},
		{"collapse", product(asin) + "/row?preset=4w", true, maxColdRowStatements},
		{"product page", product(asin) + "?preset=13w", false, 0},
	} {
		t.Run(tc.name+" reads the version, the product and the brand once", func(t *testing.T) {
			stmts := get(t, tc.path, tc.htmx, asin)
			count := func(what string) int {
				n := 0
				for _, s := range stmts {
					if strings.Contains(s, what) {
						n++
					}
				}
				return n
			}
			versions, products, brands := count("segment_source_state"), count("public.asin_brand_mapping"), count("FROM public.brands")
			if versions != 1 || products != 1 || brands != 1 {
				t.Errorf("%d statements: %d data version reads, %d product reads, %d brand reads; want 1 of each\n%s",
					len(stmts), versions, products, brands, strings.Join(stmts, "\n----\n"))
			}
			if tc.limit > 0 && len(stmts) > tc.limit {
				t.Errorf("%d statements, want at most %d\n%s", len(stmts), tc.limit, strings.Join(stmts, "\n----\n"))
			}
		})
	}

	t.Run("a new week costs the first expansion of the brand one more statement, the next none", func(t *testing.T) {
		week := fixtureWeek.AddDate(0, 0, 7)
		var reports []sqp.WeeklyReport
		for _, a := range []string{asin, other} {
			reports = append(reports, sqp.WeeklyReport{ASIN: a, Marketplace: "US", WeekStart: week, WeekEnd: week.AddDate(0, 0, 6),
				Queries: []sqp.QueryRow{{SearchQuery: "anvil", TotalQueryImpressionCount: 500, ASINImpressionCount: 50, TotalClickCount: 40, ASINClickCount: 9}}})
		}
		if _, err := setup.ImportWeeklyReports(ctx, reports); err != nil {
			t.Fatal(err)
		}
		refresh(t)
		// The range ends with the new week: the marketplaces the server knew resolved it a week early.
		newWeek := week.Format(dateLayout)
		if stmts := get(t, product(asin)+"/segments?type=weekly", true, `data-start="`+newWeek+`"`); len(stmts) != maxColdRowStatements+1 {
			t.Errorf("first expansion after the new week: %d statements, want %d (the row read again over the new range)\n%s",
				len(stmts), maxColdRowStatements+1, strings.Join(stmts, "\n----\n"))
		}
		if stmts := get(t, product(other)+"/segments?type=weekly", true, `data-start="`+newWeek+`"`); len(stmts) > maxColdRowStatements {
			t.Errorf("next expansion: %d statements, want at most %d\n%s", len(stmts), maxColdRowStatements, strings.Join(stmts, "\n----\n"))
		}
	})
}
