package postgres

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// TestBestWeeklyPurchaseShareSkipsTinyWeeks checks every SQL reading of the best weekly purchase share
// (product rows, one product's summary, a product's query table, the query view and the query page's
// weeks) against one product with a tiny week: 4 August, 1 market purchase won by the brand (a 100% share
// but 1 < 10 market purchases, skipped); 11 August, 10 of 100 (0.10, counts). Best share 0.10, so the
// opportunity is 0.10 x 101 - 11 = -0.9 -> 0, not 1 x 101 - 11 = 90.
func TestBestWeeklyPurchaseShareSkipsTinyWeeks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: "B0TINY0001", Brand: "tiny", ProductTitle: "Tiny", Active: true}}); err != nil {
		t.Fatal(err)
	}
	row := func(brandPurchases, marketPurchases int64) sqp.QueryRow {
		return sqp.QueryRow{SearchQuery: "tiny", TotalQueryImpressionCount: 1000, ASINImpressionCount: 100,
			TotalClickCount: 200, ASINClickCount: 20, TotalPurchaseCount: marketPurchases, ASINPurchaseCount: brandPurchases}
	}
	week := func(sunday time.Time, q sqp.QueryRow) sqp.WeeklyReport {
		return sqp.WeeklyReport{ASIN: "B0TINY0001", Marketplace: "US", WeekStart: sunday, WeekEnd: sunday.AddDate(0, 0, 6), Queries: []sqp.QueryRow{q}}
	}
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{
		week(period.Date(2024, 8, 4), row(1, 1)),
		week(period.Date(2024, 8, 11), row(10, 100)),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
		t.Fatal(err)
	}
	brands, err := db.ActiveBrands(ctx)
	if err != nil || len(brands) != 1 {
		t.Fatal(brands, err)
	}
	brandID := brands[0].ID
	r := period.Range{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 17)}
	check := func(where string, best metrics.Value, market, brand int64) {
		t.Helper()
		if !best.OK || math.Abs(best.V-0.1) > 1e-12 {
			t.Errorf("%s: best share %+v, want 0.10 (10/100; the 1-of-1 week is below 10)", where, best)
		}
		if market != 101 || brand != 11 {
			t.Errorf("%s: %d of %d purchases, want 11 of 101 (the tiny week still counts in the sums)", where, brand, market)
		}
		if o := metrics.OpportunityFrom(best, market, brand); !o.OK || o.V != 0 {
			t.Errorf("%s: opportunity %+v, want 0", where, o)
		}
	}

	page, err := db.Products(ctx, sqp.ProductFilter{BrandID: brandID, Marketplace: "US", Range: r, Sort: sqp.SortOpportunity})
	if err != nil || len(page.Products) != 1 {
		t.Fatal(page, err)
	}
	p := page.Products[0]
	check("product row", p.BestPurchaseShare, p.Counts.TotalPurchases, p.Counts.ASINPurchases)
	s, err := db.ProductSummary(ctx, brandID, "US", "B0TINY0001", r)
	if err != nil {
		t.Fatal(err)
	}
	check("product summary", s.BestPurchaseShare, s.Counts.TotalPurchases, s.Counts.ASINPurchases)
	qs, err := db.Queries(ctx, sqp.QueryFilter{Marketplace: "US", ASIN: "B0TINY0001", Range: r, Sort: sqp.SortOpportunity})
	if err != nil || len(qs.Queries) != 1 {
		t.Fatal(qs, err)
	}
	q := qs.Queries[0]
	check("product query row", q.BestPurchaseShare, q.Counts.TotalPurchases, q.Counts.ASINPurchases)
	bq, err := db.BrandQueries(ctx, sqp.BrandQueryFilter{BrandID: brandID, Marketplace: "US", Range: r, Sort: sqp.BrandQuerySortOpportunity})
	if err != nil || len(bq.Queries) != 1 {
		t.Fatal(bq, err)
	}
	v := bq.Queries[0]
	check("query view row", v.BestPurchaseShare, v.Counts.TotalPurchases, v.Counts.ASINPurchases)
	// The query page's weeks, one by one: 4 August alone has no best share (1 < 10), 11 August's is 0.10.
	weeks, err := db.BrandQueryWeeks(ctx, brandID, "US", "tiny", r)
	if err != nil || len(weeks) != 2 {
		t.Fatal(weeks, err)
	}
	if weeks[0].BestPurchaseShare.OK || !weeks[1].BestPurchaseShare.OK || math.Abs(weeks[1].BestPurchaseShare.V-0.1) > 1e-12 {
		t.Errorf("weekly best shares %+v, %+v; want undefined, 0.10", weeks[0].BestPurchaseShare, weeks[1].BestPurchaseShare)
	}
}
