package postgres

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/queryfilter"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// nastyQueries are search queries that a careless translation into SQL would get wrong: LIKE wildcards,
// the escape character, quotes, regular expression characters, case outside ASCII, and text that looks
// like SQL.
var nastyQueries = []string{
	"100% cotton",
	"100 cotton",
	"a_b",
	"axb",
	`back\slash`,
	`backslash`,
	"it's",
	`say "hi"`,
	"KÜCHE messer",
	"küche",
	"Ωmega watch",
	"日本 包丁",
	"acme knife",
	"Acme's knife",
	"acmes knife",
	"knife-acme",
	"acme-pro set",
	"macme",
	"a.b*c+?",
	"'); DROP TABLE brands; --",
	"x OR 1=1",
	"chef knife",
	"knife",
}

// TestQueryMatchSQL runs the WHERE fragment of every filter below in PostgreSQL over nastyQueries and
// checks it against the rows written down by hand and against queryfilter's rule in Go.
func TestQueryMatchSQL(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	terms := []string{"acme", "acme pro", "日本"}
	for _, tc := range []struct {
		filter  string
		branded queryfilter.Branding
		want    []string
	}{
		{"", "", nastyQueries},
		{"100%", "", []string{"100% cotton"}},
		{"%", "", []string{"100% cotton"}},
		{"_", "", []string{"a_b"}},
		{`\`, "", []string{`back\slash`}},
		{`=back\slash`, "", []string{`back\slash`}},
		{"'", "", []string{"it's", "Acme's knife", "'); DROP TABLE brands; --"}},
		{"küche", "", []string{"KÜCHE messer", "küche"}},
		{"=KÜCHE", "", []string{"küche"}},
		{"ωMEGA", "", []string{"Ωmega watch"}},
		{"*c+?", "", []string{"a.b*c+?"}},
		{".", "", []string{"a.b*c+?"}},
		{"knife !acme", "", []string{"chef knife", "knife"}},
		{"knife -acme | cotton", "", []string{"100% cotton", "100 cotton", "chef knife", "knife"}},
		{"=knife OR =axb", "", []string{"axb", "knife"}},
		{`"DROP TABLE"`, "", []string{"'); DROP TABLE brands; --"}},
		{"OR1", "", nil},
		{"", queryfilter.Branded, []string{"日本 包丁", "acme knife", "Acme's knife", "knife-acme", "acme-pro set"}},
		{"knife", queryfilter.Branded, []string{"acme knife", "Acme's knife", "knife-acme"}},
		{"knife", queryfilter.NonBranded, []string{"acmes knife", "chef knife", "knife"}},
	} {
		f := queryfilter.MustParse(tc.filter)
		m := sqp.QueryMatch{Filter: f, Branded: tc.branded, BrandTerms: terms}
		got := matchInPostgres(ctx, t, conn, m, nastyQueries)
		if !slices.Equal(got, tc.want) {
			t.Errorf("filter %q, branded %q: PostgreSQL keeps %q, want %q", tc.filter, tc.branded, got, tc.want)
		}
		var inGo []string
		for _, q := range nastyQueries {
			if m.Keeps(q) {
				inGo = append(inGo, q)
			}
		}
		if !slices.Equal(got, inGo) {
			t.Errorf("filter %q, branded %q: PostgreSQL keeps %q, queryfilter keeps %q", tc.filter, tc.branded, got, inGo)
		}
	}

	t.Run("a brand without terms has no branded query", func(t *testing.T) {
		for _, b := range []queryfilter.Branding{queryfilter.Branded, queryfilter.NonBranded} {
			got := matchInPostgres(ctx, t, conn, sqp.QueryMatch{Branded: b}, nastyQueries)
			if want := map[queryfilter.Branding][]string{queryfilter.Branded: nil, queryfilter.NonBranded: nastyQueries}[b]; !slices.Equal(got, want) {
				t.Errorf("%s without terms keeps %q", b, got)
			}
		}
	})

	t.Run("parameters are numbered after the caller's", func(t *testing.T) {
		m := sqp.QueryMatch{Filter: queryfilter.MustParse("a | =b !c"), Branded: queryfilter.Branded, BrandTerms: terms}
		expr, args := queryMatchSQL("q", m, []any{"first", "second"})
		if len(args) != 6 || args[0] != "first" || args[1] != "second" || !reflect.DeepEqual(args[2:5], []any{"a", "b", "c"}) {
			t.Errorf("args = %#v for %s", args, expr)
		}
	})
}

// matchInPostgres returns the queries, in their order, for which queryMatchSQL's fragment is true.
func matchInPostgres(ctx context.Context, t *testing.T, conn *pgx.Conn, m sqp.QueryMatch, queries []string) []string {
	t.Helper()
	expr, args := queryMatchSQL("x.q", m, []any{queries})
	rows, err := conn.Query(ctx, `SELECT x.q FROM unnest($1::text[]) WITH ORDINALITY AS x(q, n) WHERE `+expr+` ORDER BY x.n`, args...)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return got
}

// TestQueriesFilter checks the product's query table through Queries: the filter and the branded switch
// select the rows, the total counts what they keep, and the brand's stored terms come back with it.
func TestQueriesFilter(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	if _, err := db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: "B0NASTY001", Brand: "acme", ProductTitle: "Knife", Active: true}}); err != nil {
		t.Fatal(err)
	}
	rows := make([]sqp.QueryRow, len(nastyQueries))
	for i, q := range nastyQueries {
		rows[i] = sqp.QueryRow{SearchQuery: q, TotalQueryImpressionCount: 1000, ASINImpressionCount: int64(10 + i)}
	}
	aug4 := period.Date(2024, 8, 4)
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{{ASIN: "B0NASTY001", Marketplace: "US", WeekStart: aug4, WeekEnd: aug4.AddDate(0, 0, 6), Queries: rows}}); err != nil {
		t.Fatal(err)
	}
	brands, err := db.ActiveBrands(ctx)
	if err != nil || len(brands) != 1 {
		t.Fatal(brands, err)
	}
	brand := brands[0]
	if brand.Terms != nil || !slices.Equal(brand.SearchTerms(), []string{"acme"}) {
		t.Fatalf("a brand without terms: Terms %q, SearchTerms %q", brand.Terms, brand.SearchTerms())
	}
	week := period.Range{From: aug4, To: aug4.AddDate(0, 0, 6)}
	list := func(m sqp.QueryMatch, limit int) sqp.QueryPage {
		t.Helper()
		page, err := db.Queries(ctx, sqp.QueryFilter{BrandID: brand.ID, Marketplace: "US", ASIN: "B0NASTY001", Range: week, Match: m, Sort: sqp.SortQuery, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	names := func(p sqp.QueryPage) []string {
		var out []string
		for _, q := range p.Queries {
			out = append(out, q.Query)
		}
		return out
	}

	if got := names(list(sqp.QueryMatch{Filter: queryfilter.MustParse(`% | _ | \ | '`)}, 0)); !slices.Equal(got, []string{"'); DROP TABLE brands; --", "100% cotton", "Acme's knife", "a_b", `back\slash`, "it's"}) {
		t.Errorf("wildcards and quotes: %q", got)
	}
	page := list(sqp.QueryMatch{Filter: queryfilter.MustParse("knife"), Branded: queryfilter.Branded, BrandTerms: brand.SearchTerms()}, 2)
	if page.Total != 3 || !slices.Equal(names(page), []string{"Acme's knife", "acme knife"}) {
		t.Errorf("branded knives, first page of 2: %q of %d", names(page), page.Total)
	}
	if page.Queries[1].Counts.ASINImpressions != int64(10+slices.Index(nastyQueries, "acme knife")) {
		t.Errorf("acme knife's counts: %+v", page.Queries[1].Counts)
	}
	page = list(sqp.QueryMatch{Branded: queryfilter.NonBranded, BrandTerms: brand.SearchTerms()}, 0)
	if page.Total != len(nastyQueries)-4 || slices.Contains(names(page), "acme knife") || !slices.Contains(names(page), "acmes knife") {
		t.Errorf("non-branded: %q of %d", names(page), page.Total)
	}

	t.Run("the brand's query view keeps the same queries", func(t *testing.T) {
		if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []sqp.QueryMatch{
			{Filter: queryfilter.MustParse(`% | _ | \ | '`)},
			{Filter: queryfilter.MustParse("knife"), Branded: queryfilter.Branded, BrandTerms: brand.SearchTerms()},
			{Filter: queryfilter.MustParse("-knife"), Branded: queryfilter.NonBranded, BrandTerms: brand.SearchTerms()},
		} {
			want := names(list(m, 0))
			page, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: brand.ID, Marketplace: "US", Range: week, Match: m, Sort: sqp.BrandQuerySortQuery, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, q := range page.Queries {
				got = append(got, q.Query)
			}
			if page.Total != len(want) || !slices.Equal(got, want[:min(2, len(want))]) {
				t.Errorf("%q (branded %q): the query view keeps %q of %d, the product's table %q", m.Filter, m.Branded, got, page.Total, want)
			}
		}
	})

	t.Run("setting terms changes the data version and which queries are branded", func(t *testing.T) {
		before, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetBrandTerms(ctx, brand.ID, []string{"chef", "acme"}); err != nil {
			t.Fatal(err)
		}
		after, err := db.DataVersion(ctx)
		if err != nil || after == before {
			t.Errorf("data version %q -> %q (%v): cached pages would keep the old split", before, after, err)
		}
		b, err := db.Brand(ctx, brand.ID)
		if err != nil || !slices.Equal(b.SearchTerms(), []string{"chef", "acme"}) {
			t.Fatalf("terms %q, %v", b.Terms, err)
		}
		page := list(sqp.QueryMatch{Filter: queryfilter.MustParse("knife"), Branded: queryfilter.Branded, BrandTerms: b.SearchTerms()}, 0)
		if !slices.Equal(names(page), []string{"Acme's knife", "acme knife", "chef knife", "knife-acme"}) {
			t.Errorf("branded knives with the terms chef and acme: %q", names(page))
		}
		if err := db.SetBrandTerms(ctx, brand.ID, nil); err != nil {
			t.Fatal(err)
		}
		if b, _ := db.Brand(ctx, brand.ID); b.Terms != nil {
			t.Errorf("terms after clearing: %q", b.Terms)
		}
		if err := db.SetBrandTerms(ctx, "00000000-0000-4000-8000-000000000000", []string{"x"}); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("an unknown brand: %v", err)
		}
	})
}
