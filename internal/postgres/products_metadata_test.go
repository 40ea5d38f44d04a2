package postgres

import (
	"context"
	"testing"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Products computes the segment counts of get_product_segment_metadata inline (for speed); they must
// stay the function's, for the whole table and for one product, over ranges that cut months and weeks.
func TestProductsSegmentCountsAreTheMetadataFunctions(t *testing.T) {
	ctx := context.Background()
	db, brandID := dashboardDB(t)
	ranges := []period.Range{
		{From: period.Date(2024, 7, 28), To: period.Date(2024, 8, 31)}, // August and its weeks
		{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 17)},  // two weeks, no whole month
		{From: period.Date(2024, 8, 11), To: period.Date(2024, 9, 30)}, // a gap week, no whole month
		{From: period.Date(2024, 1, 1), To: period.Date(2024, 12, 31)},
		{From: period.Date(2024, 6, 30), To: period.Date(2024, 9, 28)}, // the weeks that start in Q3 2024
	}
	for _, r := range ranges {
		want := map[string][3]int{}
		rows, err := db.pool.Query(ctx, `SELECT asin, weekly_count, monthly_count, quarterly_count
			FROM public.get_product_segment_metadata($1::uuid, $2::date, $3::date)`, brandID, r.From, r.To)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var asin string
			var w, m, q int32
			if err := rows.Scan(&asin, &w, &m, &q); err != nil {
				t.Fatal(err)
			}
			want[asin] = [3]int{int(w), int(m), int(q)}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		page, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: r, Sort: sqp.SortASIN})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Products) == 0 {
			t.Fatalf("%s: no products", r)
		}
		for _, p := range page.Products {
			got := [3]int{p.WeeklySegments, p.MonthlySegments, p.QuarterlySegments}
			if got != want[p.ASIN] {
				t.Errorf("%s %s: weekly, monthly, quarterly = %v, get_product_segment_metadata says %v", r, p.ASIN, got, want[p.ASIN])
			}
			one, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: r, ASIN: p.ASIN, Sort: sqp.SortASIN, Limit: 1})
			if err != nil || len(one.Products) != 1 {
				t.Fatalf("%s one product %s: %+v %v", r, p.ASIN, one, err)
			}
			if g := [3]int{one.Products[0].WeeklySegments, one.Products[0].MonthlySegments, one.Products[0].QuarterlySegments}; g != want[p.ASIN] {
				t.Errorf("%s %s alone: weekly, monthly, quarterly = %v, want %v", r, p.ASIN, g, want[p.ASIN])
			}
		}
	}
}
