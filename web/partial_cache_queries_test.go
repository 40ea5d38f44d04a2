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
)

// TestCacheMissReadsEachOnce counts, in the real database's statements, what one uncached answer of a
// product row or page reads: the data version, the product and the brand once each. The version keys the
// response cache and the newest-week cache; the product is checked and summed in one read.
func TestCacheMissReadsEachOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	setup, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(setup.Close)
	const asin = "B0ACME0001"
	loadBrands(t, setup, []brandData{{name: "acme", products: []productData{{asin: asin, title: "Anvil", queries: []string{"anvil", "hammer"}}}}})
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
	product := "/brands/" + brandID + "/products/" + asin

	for _, tc := range []struct {
		name, path string
		htmx       bool
	}{
		{"weekly expansion", product + "/segments?type=weekly", true},
		{"monthly expansion", product + "/segments?type=monthly&preset=52w", true},
		{"collapse", product + "/row?preset=4w", true},
		{"product page", product + "?preset=13w", false},
	} {
		t.Run(tc.name+" reads the version, the product and the brand once", func(t *testing.T) {
			log.Reset()
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.AddCookie(admin)
			if tc.htmx {
				req.Header.Set("HX-Request", "true")
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), asin) {
				t.Fatalf("GET %s: %d %.300s", tc.path, rec.Code, rec.Body.String())
			}
			stmts := log.Statements()
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
		})
	}
}
