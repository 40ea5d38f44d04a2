package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// dashboardDB is a database with two products of one brand over three weeks (Aug 4, 11 and 25, 2024:
// Aug 18 is missing), and an inactive mapping of another brand, refreshed.
func dashboardDB(t *testing.T) (*DB, string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.ImportBrandMappings(ctx, []sqp.BrandMapping{
		{ASIN: "B0DASH0001", Brand: "dash", ProductTitle: "Teapot", Active: true},
		{ASIN: "B0DASH0002", Brand: "dash", ProductTitle: "Kettle 100% steel", Active: true},
		{ASIN: "B0GONE0003", Brand: "gone", ProductTitle: "Hidden", Active: false},
	}); err != nil {
		t.Fatal(err)
	}
	week := func(asin string, sunday time.Time, qs ...sqp.QueryRow) sqp.WeeklyReport {
		return sqp.WeeklyReport{ASIN: asin, Marketplace: "US", WeekStart: sunday, WeekEnd: sunday.AddDate(0, 0, 6), Queries: qs}
	}
	price := sqp.Cents(1999)
	q := func(name string, impr, clicks, purch int64) sqp.QueryRow {
		return sqp.QueryRow{SearchQuery: name, TotalQueryImpressionCount: 10 * impr, ASINImpressionCount: impr,
			TotalClickCount: 10 * clicks, ASINClickCount: clicks, TotalPurchaseCount: 10 * purch, ASINPurchaseCount: purch, ASINMedianPurchasePrice: &price}
	}
	aug4, aug11, aug25 := period.Date(2024, 8, 4), period.Date(2024, 8, 11), period.Date(2024, 8, 25)
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{
		week("B0DASH0001", aug4, q("teapot", 100, 10, 2), q("tea", 50, 5, 2), q("pot", 40, 9, 1), q("cup", 10, 1, 0)),
		week("B0DASH0001", aug11, q("teapot", 200, 20, 4)),
		week("B0DASH0001", aug25, q("teapot", 300, 0, 0)),
		week("B0DASH0002", aug4, q("kettle", 1000, 0, 0)),
		week("B0GONE0003", aug4, q("hidden", 5, 1, 1)),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
		t.Fatal(err)
	}
	brands, err := db.ActiveBrands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range brands {
		if b.Name == "dash" {
			return db, b.ID
		}
	}
	t.Fatalf("no brand dash in %+v", brands)
	return nil, ""
}

func TestDashboardReads(t *testing.T) {
	ctx := context.Background()
	db, brandID := dashboardDB(t)
	// Whole weeks around August, so that the monthly segment of August lies inside.
	august := period.Range{From: period.Date(2024, 7, 28), To: period.Date(2024, 8, 31)}

	t.Run("unknown brands and products are not found", func(t *testing.T) {
		if _, err := db.Brand(ctx, "00000000-0000-4000-8000-000000000000"); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("Brand = %v", err)
		}
		if _, err := db.Product(ctx, brandID, "B0GONE0003"); apperr.CodeOf(err) != apperr.ENOTFOUND {
			t.Errorf("another brand's product = %v", err)
		}
		if p, err := db.Product(ctx, brandID, "B0DASH0002"); err != nil || p.Title != "Kettle 100% steel" {
			t.Errorf("Product = %+v, %v", p, err)
		}
	})

	t.Run("newest week", func(t *testing.T) {
		end, ok, err := db.LastWeekEnd(ctx, brandID, "US")
		if err != nil || !ok || !end.Equal(period.Date(2024, 8, 31)) {
			t.Errorf("LastWeekEnd = %s %t %v", end, ok, err)
		}
	})

	t.Run("products sum their weeks and carry the segment metadata", func(t *testing.T) {
		page, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, Sort: "impressions", Desc: true, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 2 || len(page.Products) != 1 {
			t.Fatalf("page %+v", page)
		}
		p := page.Products[0]
		if p.ASIN != "B0DASH0002" || p.Counts.ASINImpressions != 1000 || p.WeeklySegments != 1 || p.MonthlySegments != 1 {
			t.Errorf("first product %+v", p)
		}
		page, err = db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, Sort: "impressions", Desc: true, Limit: 1, Offset: 1})
		if err != nil || len(page.Products) != 1 {
			t.Fatal(page, err)
		}
		tp := page.Products[0]
		if tp.Counts.ASINImpressions != 100+50+40+10+200+300 || tp.Counts.PricedPurchases != 9 || tp.Counts.PurchasePriceCents != 9*1999 || tp.WeeklySegments != 3 {
			t.Errorf("teapot %+v", tp)
		}
	})

	t.Run("one product's summary is its row of the product table", func(t *testing.T) {
		for _, asin := range []string{"B0DASH0001", "B0DASH0002"} {
			page, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, ASIN: asin, Sort: "asin", Limit: 1})
			if err != nil || len(page.Products) != 1 {
				t.Fatalf("Products(%s) = %+v, %v", asin, page, err)
			}
			got, err := db.ProductSummary(ctx, brandID, "US", asin, august)
			if err != nil || got != page.Products[0] {
				t.Errorf("ProductSummary(%s) = %+v, %v; want %+v", asin, got, err, page.Products[0])
			}
		}
		june := period.Range{From: period.Date(2024, 6, 2), To: period.Date(2024, 6, 29)}
		got, err := db.ProductSummary(ctx, brandID, "US", "B0DASH0001", june)
		if want := (sqp.ProductSummary{ASIN: "B0DASH0001", Title: "Teapot"}); err != nil || got != want {
			t.Errorf("a range without data: %+v, %v; want %+v", got, err, want)
		}
		for _, asin := range []string{"B0GONE0003", "B0NONE0000"} {
			if _, err := db.ProductSummary(ctx, brandID, "US", asin, august); apperr.CodeOf(err) != apperr.ENOTFOUND {
				t.Errorf("ProductSummary(%s) = %v, want not found", asin, err)
			}
		}
	})

	t.Run("search escapes wildcards, sorts put undefined ratios last", func(t *testing.T) {
		page, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, Search: "100%", Sort: "asin"})
		if err != nil || page.Total != 1 || page.Products[0].ASIN != "B0DASH0002" {
			t.Errorf("search 100%%: %+v, %v", page, err)
		}
		page, err = db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, Search: "_", Sort: "asin"})
		if err != nil || page.Total != 0 {
			t.Errorf("search _ matched %+v, %v", page, err)
		}
		for _, desc := range []bool{true, false} {
			page, err = db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, Sort: "cvr", Desc: desc})
			if err != nil || page.Products[1].ASIN != "B0DASH0002" {
				t.Errorf("CVR desc=%t: %+v, %v", desc, page.Products, err)
			}
		}
		if _, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: august, Sort: "1; drop table x"}); apperr.CodeOf(err) != apperr.EINVALID {
			t.Errorf("unknown sort key: %v", err)
		}
	})

	t.Run("segments lie inside the range; a missing week is a gap", func(t *testing.T) {
		segs, err := db.Segments(ctx, brandID, "US", "B0DASH0001", period.Weekly, august)
		if err != nil || len(segs) != 3 {
			t.Fatalf("segments %+v, %v", segs, err)
		}
		// Newest first: Aug 25 (its previous week, Aug 18, has no data), Aug 11, Aug 4.
		pairs := sqp.PairSegments(segs, august)
		if !pairs[0].Segment.Start.Equal(period.Date(2024, 8, 25)) || !pairs[2].Segment.Start.Equal(period.Date(2024, 8, 4)) {
			t.Errorf("pairs not newest first: %s, %s, %s", pairs[0].Segment.Start, pairs[1].Segment.Start, pairs[2].Segment.Start)
		}
		if !pairs[1].HasPrevious || pairs[1].Previous.ASINImpressions != 200 || pairs[0].HasPrevious {
			t.Errorf("pairs: Aug 11 with %+v (%t), Aug 25 with previous %t", pairs[1].Previous, pairs[1].HasPrevious, pairs[0].HasPrevious)
		}
		months, err := db.Segments(ctx, brandID, "US", "B0DASH0001", period.Monthly, august)
		if err != nil || len(months) != 1 || months[0].Counts.ASINImpressions != 700 {
			t.Errorf("monthly %+v, %v", months, err)
		}
		// All of B0DASH0001's weeks start in August, so its third quarter is August's numbers.
		quarters, err := db.Segments(ctx, brandID, "US", "B0DASH0001", period.Quarterly, august)
		if err != nil || len(quarters) != 1 || !quarters[0].Start.Equal(period.Date(2024, 7, 1)) || !quarters[0].End.Equal(period.Date(2024, 9, 30)) ||
			quarters[0].Counts.ASINImpressions != 700 || quarters[0].DataPoints != 3 {
			t.Errorf("quarterly %+v, %v", quarters, err)
		}
	})

	t.Run("top queries by purchases then clicks per segment", func(t *testing.T) {
		top, err := db.TopQueries(ctx, "US", "B0DASH0001", period.Weekly, august, 3)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, q := range top[period.Date(2024, 8, 4)] {
			names = append(names, q.Query)
		}
		if len(names) != 3 || names[0] != "teapot" || names[1] != "tea" || names[2] != "pot" {
			t.Errorf("Aug 4 top %v", names)
		}
		monthly, err := db.TopQueries(ctx, "US", "B0DASH0001", period.Monthly, august, 1)
		if err != nil || len(monthly[period.Date(2024, 8, 1)]) != 1 || monthly[period.Date(2024, 8, 1)][0].Counts.ASINPurchases != 6 {
			t.Errorf("August top %+v, %v", monthly, err)
		}
		quarterly, err := db.TopQueries(ctx, "US", "B0DASH0001", period.Quarterly, august, 1)
		if err != nil || len(quarterly) != 1 || len(quarterly[period.Date(2024, 7, 1)]) != 1 || quarterly[period.Date(2024, 7, 1)][0].Query != "teapot" {
			t.Errorf("Q3 top %+v, %v", quarterly, err)
		}
	})

	t.Run("search queries of a product, paged, with comparison sums", func(t *testing.T) {
		page, err := db.Queries(ctx, sqp.QueryFilter{Marketplace: "US", ASIN: "B0DASH0001", Range: august, Sort: "impressions", Desc: true, Limit: 2})
		if err != nil || page.Total != 4 || len(page.Queries) != 2 || page.Queries[0].Query != "teapot" || page.Queries[0].Counts.ASINImpressions != 600 {
			t.Fatalf("queries %+v, %v", page, err)
		}
		sums, err := db.QueryCounts(ctx, "US", "B0DASH0001", period.Range{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 10)}, []string{"teapot", "cup"})
		if err != nil || sums["teapot"].ASINImpressions != 100 || sums["cup"].ASINImpressions != 10 {
			t.Errorf("query counts %+v, %v", sums, err)
		}
		weeks, err := db.BrandWeeks(ctx, brandID, "US", august)
		if err != nil || len(weeks) != 3 || weeks[0].Counts.ASINImpressions != 1200 {
			t.Errorf("brand weeks %+v, %v", weeks, err)
		}
	})
}
