package postgres

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

func ptrTo[T any](v T) *T { return &v }

// importWeek builds a weekly report; each query's counts are derived from its position so that every
// row differs.
func importWeek(asin, sunday string, queries ...string) sqp.WeeklyReport {
	start, err := time.Parse(time.DateOnly, sunday)
	if err != nil {
		panic(err)
	}
	r := sqp.WeeklyReport{ASIN: asin, Marketplace: "US", WeekStart: start, WeekEnd: start.AddDate(0, 0, 6)}
	for i, q := range queries {
		n := int64(i + 1)
		r.Queries = append(r.Queries, sqp.QueryRow{
			SearchQuery: q, SearchQueryScore: ptrTo(int32(i + 1)), SearchQueryVolume: ptrTo(1000 * n),
			TotalQueryImpressionCount: 900 * n, ASINImpressionCount: 90 * n, TotalClickCount: 80 * n, ASINClickCount: 8 * n,
			TotalCartAddCount: 40 * n, ASINCartAddCount: 4 * n, TotalPurchaseCount: 20 * n, ASINPurchaseCount: 2 * n,
			TotalMedianPurchasePrice: ptrTo(sqp.Cents(1999 + n)), ASINMedianPurchasePrice: ptrTo(sqp.Cents(2499)),
			CurrencyCode: "USD", TotalOneDayShippingClicks: ptrTo(3 * n),
		})
	}
	return r
}

// storedReports reads every stored ASIN-week back into domain values, queries ordered by text.
func storedReports(t *testing.T, db *DB) []sqp.WeeklyReport {
	t.Helper()
	const q = `
		SELECT a.asin, a.marketplace, a.start_date, a.end_date, q.search_query, q.search_query_score, q.search_query_volume,
		       q.total_query_impression_count, q.asin_impression_count, q.total_click_count, q.asin_click_count,
		       q.total_cart_add_count, q.asin_cart_add_count, q.total_purchase_count, q.asin_purchase_count,
		       (q.total_median_click_price * 100)::bigint, (q.asin_median_click_price * 100)::bigint,
		       (q.total_median_cart_add_price * 100)::bigint, (q.asin_median_cart_add_price * 100)::bigint,
		       (q.total_median_purchase_price * 100)::bigint, (q.asin_median_purchase_price * 100)::bigint,
		       coalesce(q.currency_code, ''),
		       q.total_same_day_shipping_click_count, q.total_one_day_shipping_click_count, q.total_two_day_shipping_click_count,
		       q.total_same_day_shipping_cart_add_count, q.total_one_day_shipping_cart_add_count, q.total_two_day_shipping_cart_add_count,
		       q.total_same_day_shipping_purchase_count, q.total_one_day_shipping_purchase_count, q.total_two_day_shipping_purchase_count
		FROM sqp.asin_performance_data a
		LEFT JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
		ORDER BY a.asin, a.marketplace, a.start_date, q.search_query COLLATE "C"`
	rows, err := db.pool.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []sqp.WeeklyReport
	for rows.Next() {
		var (
			asin       string
			market     string
			start, end time.Time
			query      *string
			r          sqp.QueryRow
		)
		var counts [8]*int64
		if err := rows.Scan(&asin, &market, &start, &end, &query, &r.SearchQueryScore, &r.SearchQueryVolume,
			&counts[0], &counts[1], &counts[2], &counts[3], &counts[4], &counts[5], &counts[6], &counts[7],
			&r.TotalMedianClickPrice, &r.ASINMedianClickPrice, &r.TotalMedianCartAddPrice, &r.ASINMedianCartAddPrice,
			&r.TotalMedianPurchasePrice, &r.ASINMedianPurchasePrice, &r.CurrencyCode,
			&r.TotalSameDayShippingClicks, &r.TotalOneDayShippingClicks, &r.TotalTwoDayShippingClicks,
			&r.TotalSameDayShippingCartAdds, &r.TotalOneDayShippingCartAdds, &r.TotalTwoDayShippingCartAdds,
			&r.TotalSameDayShippingPurchases, &r.TotalOneDayShippingPurchases, &r.TotalTwoDayShippingPurchases); err != nil {
			t.Fatal(err)
		}
		if n := len(out); n == 0 || out[n-1].ASIN != asin || out[n-1].Marketplace != market || !out[n-1].WeekStart.Equal(start) {
			out = append(out, sqp.WeeklyReport{ASIN: asin, Marketplace: market, WeekStart: start, WeekEnd: end})
		}
		if query == nil {
			continue
		}
		r.SearchQuery = *query
		for i, dst := range []*int64{&r.TotalQueryImpressionCount, &r.ASINImpressionCount, &r.TotalClickCount, &r.ASINClickCount,
			&r.TotalCartAddCount, &r.ASINCartAddCount, &r.TotalPurchaseCount, &r.ASINPurchaseCount} {
			*dst = *counts[i]
		}
		out[len(out)-1].Queries = append(out[len(out)-1].Queries, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sortedReports returns reports ordered as storedReports reads them.
func sortedReports(reports ...sqp.WeeklyReport) []sqp.WeeklyReport {
	out := slices.Clone(reports)
	for i := range out {
		out[i].Queries = slices.Clone(out[i].Queries)
		slices.SortFunc(out[i].Queries, func(a, b sqp.QueryRow) int { return strings.Compare(a.SearchQuery, b.SearchQuery) })
	}
	slices.SortFunc(out, func(a, b sqp.WeeklyReport) int {
		if c := strings.Compare(a.ASIN, b.ASIN); c != 0 {
			return c
		}
		if c := strings.Compare(a.Marketplace, b.Marketplace); c != 0 {
			return c
		}
		return a.WeekStart.Compare(b.WeekStart)
	})
	return out
}

// databaseState is the row counts and a checksum of every table an import writes, and the change
// counter the triggers keep: equal states mean nothing was written.
func databaseState(t *testing.T, db *DB) string {
	t.Helper()
	const q = `
		SELECT (SELECT count(*) || ':' || coalesce(md5(string_agg(b::text, ',' ORDER BY b.id)), '') FROM public.brands b),
		       (SELECT count(*) || ':' || coalesce(md5(string_agg(m::text, ',' ORDER BY m.asin)), '') FROM public.asin_brand_mapping m),
		       (SELECT count(*) || ':' || coalesce(md5(string_agg(a::text, ',' ORDER BY a.id)), '') FROM sqp.asin_performance_data a),
		       (SELECT count(*) || ':' || coalesce(md5(string_agg(q::text, ',' ORDER BY q.id)), '') FROM sqp.search_query_performance q),
		       (SELECT change_seq::text FROM public.segment_source_state)`
	var brands, mappings, weeks, queries, seq string
	if err := db.pool.QueryRow(context.Background(), q).Scan(&brands, &mappings, &weeks, &queries, &seq); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("brands %s, mappings %s, weeks %s, queries %s, change_seq %s", brands, mappings, weeks, queries, seq)
}

func TestImportWeeklyReports(t *testing.T) {
	ctx := context.Background()
	t.Run("stores exactly the rows of the reports", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		a := importWeek("B0C1234567", "2026-01-25", "trail shoes", `shoes, "red"`, "running")
		b := importWeek("B0C7654321", "2026-01-25", "garden hose")
		b.Queries[0].SearchQueryScore, b.Queries[0].SearchQueryVolume, b.Queries[0].ASINMedianPurchasePrice = nil, nil, nil
		b.Queries[0].CurrencyCode = ""
		got, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{a, b})
		if err != nil {
			t.Fatal(err)
		}
		want := sqp.ImportCounts{ASINWeeksNew: 2, QueryRowsInserted: 4}
		if got != want {
			t.Errorf("counts %+v, want %+v", got, want)
		}
		if stored, want := storedReports(t, db), sortedReports(a, b); !reflect.DeepEqual(stored, want) {
			t.Errorf("stored:\n%s\nwant:\n%s", dump(stored), dump(want))
		}
	})

	t.Run("re-importing the same reports writes nothing", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		reports := []sqp.WeeklyReport{importWeek("B0C1234567", "2026-01-25", "a", "b"), importWeek("B0C1234567", "2026-02-01", "a")}
		if _, err := db.ImportWeeklyReports(ctx, reports); err != nil {
			t.Fatal(err)
		}
		before := databaseState(t, db)
		got, err := db.ImportWeeklyReports(ctx, reports)
		if err != nil {
			t.Fatal(err)
		}
		if want := (sqp.ImportCounts{ASINWeeksUnchanged: 2}); got != want {
			t.Errorf("counts %+v, want %+v (0 new, 0 changed)", got, want)
		}
		if after := databaseState(t, db); after != before {
			t.Errorf("database changed:\n before %s\n after  %s", before, after)
		}
	})

	t.Run("a newer report replaces the week's query set", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		first := importWeek("B0C1234567", "2026-01-25", "kept", "changed", "dropped")
		other := importWeek("B0C7654321", "2026-01-25", "untouched")
		if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{first, other}); err != nil {
			t.Fatal(err)
		}
		second := importWeek("B0C1234567", "2026-01-25", "kept", "changed", "added")
		second.Queries[1].ASINClickCount++
		second.Queries[1].TotalMedianPurchasePrice = nil
		got, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{second, other})
		if err != nil {
			t.Fatal(err)
		}
		want := sqp.ImportCounts{ASINWeeksChanged: 1, ASINWeeksUnchanged: 1, QueryRowsInserted: 1, QueryRowsUpdated: 1, QueryRowsDeleted: 1}
		if got != want {
			t.Errorf("counts %+v, want %+v", got, want)
		}
		if stored, want := storedReports(t, db), sortedReports(second, other); !reflect.DeepEqual(stored, want) {
			t.Errorf("stored:\n%s\nwant:\n%s", dump(stored), dump(want))
		}
	})

	t.Run("another marketplace's report of the same ASIN-week never touches it; its own replaces it", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		us := importWeek("B0C1234567", "2026-01-25", "shoes", "boots")
		if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{us}); err != nil {
			t.Fatal(err)
		}
		uk := importWeek("B0C1234567", "2026-01-25", "trainers")
		uk.Marketplace = "UK"
		for i := range uk.Queries {
			uk.Queries[i].CurrencyCode = "GBP"
			uk.Queries[i].ASINImpressionCount += 7
		}
		got, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{uk})
		if err != nil {
			t.Fatal(err)
		}
		if want := (sqp.ImportCounts{ASINWeeksNew: 1, QueryRowsInserted: 1}); got != want {
			t.Errorf("UK import counts %+v, want %+v (a new ASIN-week)", got, want)
		}
		if stored, want := storedReports(t, db), sortedReports(us, uk); !reflect.DeepEqual(stored, want) {
			t.Errorf("after the UK import:\n%s\nwant:\n%s", dump(stored), dump(want))
		}
		// The correction path: re-importing the UK week replaces the UK week only.
		uk2 := importWeek("B0C1234567", "2026-01-25", "trainers", "sneakers")
		uk2.Marketplace = "UK"
		if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{uk2}); err != nil {
			t.Fatal(err)
		}
		if stored, want := storedReports(t, db), sortedReports(us, uk2); !reflect.DeepEqual(stored, want) {
			t.Errorf("after re-importing the UK week:\n%s\nwant:\n%s", dump(stored), dump(want))
		}
	})

	t.Run("a report without a known marketplace is refused", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		for _, m := range []string{"", "EU", "XX"} {
			r := importWeek("B0C1234567", "2026-01-25", "shoes")
			r.Marketplace = m
			if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{r}); err == nil {
				t.Errorf("marketplace %q accepted", m)
			}
		}
		if stored := storedReports(t, db); len(stored) != 0 {
			t.Errorf("stored %s", dump(stored))
		}
	})

	t.Run("a failing import writes nothing", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{importWeek("B0C1234567", "2026-01-25", "a", "b")}); err != nil {
			t.Fatal(err)
		}
		before := databaseState(t, db)
		// The new week and the changed row come first; the negative count fails the check constraint
		// in the merge, after the week row was written.
		bad := importWeek("B0C1234567", "2026-01-25", "a", "c")
		bad.Queries[1].ASINImpressionCount = -1
		_, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{importWeek("B0C9999999", "2026-02-01", "x"), bad})
		if err == nil {
			t.Fatal("import of a negative count succeeded")
		}
		if after := databaseState(t, db); after != before {
			t.Errorf("database changed by a failed import:\n before %s\n after  %s", before, after)
		}
	})

	t.Run("concurrent imports of the same new week take turns", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		reports := []sqp.WeeklyReport{importWeek("B0C1234567", "2026-01-25", "a", "b")}
		results := make(chan sqp.ImportCounts, 4)
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				c, err := db.ImportWeeklyReports(ctx, reports)
				results <- c
				errs <- err
			}()
		}
		var total sqp.ImportCounts
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
			total = total.Add(<-results)
		}
		if want := (sqp.ImportCounts{ASINWeeksNew: 1, ASINWeeksUnchanged: 3, QueryRowsInserted: 2}); total != want {
			t.Errorf("counts over four imports %+v, want %+v", total, want)
		}
	})

	t.Run("the same ASIN-week twice is refused", func(t *testing.T) {
		db := openTestDB(t, pgtest.NewDatabase(t))
		r := importWeek("B0C1234567", "2026-01-25", "a")
		if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{r, r}); err == nil || !strings.Contains(err.Error(), "appears twice") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestImportBrandMappings(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	if _, err := db.pool.Exec(ctx, `INSERT INTO public.brands (brand_name, display_name) VALUES ('Acme', 'ACME Corp.')`); err != nil {
		t.Fatal(err)
	}
	first := []sqp.BrandMapping{
		{ASIN: "B0C1234567", Brand: "Acme", ProductTitle: "Trail shoe", Active: true},
		{ASIN: "B0C7654321", Brand: "Globex", ProductTitle: "", Active: false},
	}
	got, err := db.ImportBrandMappings(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sqp.MappingCounts{BrandsCreated: 1, MappingsNew: 2}); got != want {
		t.Errorf("first import: %+v, want %+v", got, want)
	}
	type mapping struct {
		ASIN, Brand, Display, Title string
		Active                      bool
	}
	read := func() []mapping {
		rows, _ := db.pool.Query(ctx, `
			SELECT m.asin, b.brand_name, b.display_name, coalesce(m.product_title, '<null>'), m.is_active
			FROM public.asin_brand_mapping m JOIN public.brands b ON b.id = m.brand_id ORDER BY m.asin`)
		out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[mapping])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []mapping{{"B0C1234567", "Acme", "ACME Corp.", "Trail shoe", true}, {"B0C7654321", "Globex", "Globex", "<null>", false}}
	if m := read(); !reflect.DeepEqual(m, want) {
		t.Errorf("mappings %+v, want %+v", m, want)
	}

	unmapped, err := db.UnmappedASINs(ctx, []string{"B0C7654321", "B0C0000009", "B0C1234567", "B0C0000001"})
	if err != nil || !reflect.DeepEqual(unmapped, []string{"B0C0000009", "B0C0000001"}) {
		t.Errorf("UnmappedASINs = %q, %v", unmapped, err)
	}

	before := databaseState(t, db)
	got, err = db.ImportBrandMappings(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sqp.MappingCounts{MappingsUnchanged: 2}); got != want {
		t.Errorf("re-import: %+v, want %+v", got, want)
	}
	if after := databaseState(t, db); after != before {
		t.Errorf("re-import changed the database:\n before %s\n after  %s", before, after)
	}

	second := []sqp.BrandMapping{{ASIN: "B0C7654321", Brand: "Acme", ProductTitle: "Hose", Active: true}}
	got, err = db.ImportBrandMappings(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if want := (sqp.MappingCounts{MappingsChanged: 1}); got != want {
		t.Errorf("move to another brand: %+v, want %+v", got, want)
	}
	want[1] = mapping{"B0C7654321", "Acme", "ACME Corp.", "Hose", true}
	if m := read(); !reflect.DeepEqual(m, want) {
		t.Errorf("mappings %+v, want %+v", m, want)
	}
}

// TestImportTiming imports 200,000 query rows (2,000 ASIN-weeks of 100 queries, the ASIN view's
// maximum) into an empty database (must take under 10 s), then again with every row changed (reported). It runs only when
// SQPDASH_IMPORT_TIMING=1 (docs/import.md), because its limit is a property of the machine:
//
//	SQPDASH_IMPORT_TIMING=1 go test ./internal/postgres -run TestImportTiming -v
func TestImportTiming(t *testing.T) {
	if os.Getenv("SQPDASH_IMPORT_TIMING") != "1" {
		t.Skip("set SQPDASH_IMPORT_TIMING=1 to time an import of 200,000 query rows")
	}
	ctx := context.Background()
	db := openTestDB(t, pgtest.NewDatabase(t))
	queries := make([]string, 100)
	for i := range queries {
		queries[i] = fmt.Sprintf("search query number %d", i)
	}
	var reports []sqp.WeeklyReport
	sunday := time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC)
	for a := range 200 {
		for w := range 10 {
			r := importWeek(fmt.Sprintf("B0T%07d", a), sunday.AddDate(0, 0, 7*w).Format(time.DateOnly), queries...)
			reports = append(reports, r)
		}
	}
	for _, round := range []string{"first import", "every row changed"} {
		began := time.Now()
		counts, err := db.ImportWeeklyReports(ctx, reports)
		took := time.Since(began)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: 200,000 query rows in %s: %+v", round, took.Round(time.Millisecond), counts)
		if counts.QueryRowsInserted+counts.QueryRowsUpdated != 200_000 {
			t.Errorf("%s wrote %d rows, want 200000", round, counts.QueryRowsInserted+counts.QueryRowsUpdated)
		}
		// The limit holds for new data, what a weekly import is. Rewriting every stored row (a corrected
		// re-download of the same weeks) costs an index update per row and is only reported.
		if round == "first import" && took > 10*time.Second {
			t.Errorf("%s took %s, want under 10 s", round, took)
		}
		for i := range reports {
			for j := range reports[i].Queries {
				reports[i].Queries[j].ASINClickCount++
			}
		}
	}
}

func dump(reports []sqp.WeeklyReport) string {
	var b strings.Builder
	for _, r := range reports {
		fmt.Fprintf(&b, "%s %s..%s\n", r.ASIN, r.WeekStart.Format(time.DateOnly), r.WeekEnd.Format(time.DateOnly))
		for _, q := range r.Queries {
			fmt.Fprintf(&b, "  %q score=%v vol=%v counts=%d/%d %d/%d %d/%d %d/%d prices=%v/%v/%v/%v/%v/%v %q ship=%v/%v/%v %v/%v/%v %v/%v/%v\n",
				q.SearchQuery, deref(q.SearchQueryScore), deref(q.SearchQueryVolume),
				q.TotalQueryImpressionCount, q.ASINImpressionCount, q.TotalClickCount, q.ASINClickCount,
				q.TotalCartAddCount, q.ASINCartAddCount, q.TotalPurchaseCount, q.ASINPurchaseCount,
				deref(q.TotalMedianClickPrice), deref(q.ASINMedianClickPrice), deref(q.TotalMedianCartAddPrice),
				deref(q.ASINMedianCartAddPrice), deref(q.TotalMedianPurchasePrice), deref(q.ASINMedianPurchasePrice), q.CurrencyCode,
				deref(q.TotalSameDayShippingClicks), deref(q.TotalOneDayShippingClicks), deref(q.TotalTwoDayShippingClicks),
				deref(q.TotalSameDayShippingCartAdds), deref(q.TotalOneDayShippingCartAdds), deref(q.TotalTwoDayShippingCartAdds),
				deref(q.TotalSameDayShippingPurchases), deref(q.TotalOneDayShippingPurchases), deref(q.TotalTwoDayShippingPurchases))
		}
	}
	return b.String()
}
