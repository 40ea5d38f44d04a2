package postgres

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// TestProductExpansionEqualsTheSeparateReads: the one statement of an expanded row answers exactly what
// the separate reads answer (ProductSummary, ProductCounts, Segments over the range and the segment before
// it, TopQueries, BrandMarketplaces), for every product, segment type and with the comparison on and off;
// and the weekly top queries it and TopQueries take from sqp.report_totals are the ones ranked live from
// the query rows.
func TestProductExpansionEqualsTheSeparateReads(t *testing.T) {
	ctx := context.Background()
	db, brandID := dashboardDB(t)
	august := period.Range{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 31)}
	july := period.Range{From: period.Date(2024, 7, 7), To: period.Date(2024, 8, 3)}
	markets, err := db.BrandMarketplaces(ctx, brandID)
	if err != nil || len(markets) != 1 || markets[0].Marketplace.Code != "US" || !markets[0].LastWeekEnd.Equal(period.Date(2024, 8, 31)) {
		t.Fatalf("BrandMarketplaces = %+v, %v", markets, err)
	}
	for _, asin := range []string{"B0DASH0001", "B0DASH0002"} {
		for _, typ := range []period.SegmentType{"", period.Weekly, period.Monthly, period.Quarterly} {
			for _, hasBase := range []bool{false, true} {
				q := sqp.ExpansionQuery{BrandID: brandID, ASIN: asin, Marketplace: "US", Range: august, Base: july, HasBase: hasBase, Type: typ, TopQueries: 3}
				got, err := db.ProductExpansion(ctx, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				want := sqp.ProductExpansion{Top: map[time.Time][]sqp.QueryCounts{}, Markets: markets}
				if want.Product, err = db.ProductSummary(ctx, brandID, "US", asin, august); err != nil {
					t.Fatal(err)
				}
				if hasBase {
					base, err := db.ProductCounts(ctx, brandID, "US", july, []string{asin})
					if err != nil {
						t.Fatal(err)
					}
					want.Base = base[asin]
				}
				if typ != "" {
					ext := august
					ext.From = typ.Previous(august.From)
					if want.Segments, err = db.Segments(ctx, brandID, "US", asin, typ, ext); err != nil {
						t.Fatal(err)
					}
					if want.Top, err = db.TopQueries(ctx, "US", asin, typ, august, 3); err != nil {
						t.Fatal(err)
					}
				}
				if len(want.Segments) == 0 {
					want.Segments = nil
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %q base %t:\n got %+v\nwant %+v", asin, typ, hasBase, got, want)
				}
			}
		}
		// Weekly top queries: report_totals against the ranking of the query rows.
		top, err := db.TopQueries(ctx, "US", asin, period.Weekly, august, 3)
		if err != nil {
			t.Fatal(err)
		}
		live := liveTopQueries(t, db, "US", asin, august)
		if len(top) == 0 || !reflect.DeepEqual(top, live) {
			t.Errorf("%s weekly top queries %+v, ranked live %+v", asin, top, live)
		}
	}

	t.Run("an unknown product or brand is not found, worded as Product and Brand word it", func(t *testing.T) {
		_, err := db.ProductExpansion(ctx, sqp.ExpansionQuery{BrandID: brandID, ASIN: "B0NONE0000", Marketplace: "US", Range: august, Type: period.Weekly, TopQueries: 3})
		if apperr.CodeOf(err) != apperr.ENOTFOUND || err.Error() != "no product B0NONE0000 in this brand" {
			t.Errorf("unknown product: %v", err)
		}
		gone := "00000000-0000-4000-8000-000000000000"
		_, err = db.ProductExpansion(ctx, sqp.ExpansionQuery{BrandID: gone, ASIN: "B0DASH0001", Marketplace: "US", Range: august, Type: period.Weekly, TopQueries: 3})
		if _, brandErr := db.Brand(ctx, gone); apperr.CodeOf(err) != apperr.ENOTFOUND || err.Error() != brandErr.Error() {
			t.Errorf("unknown brand: %v, Brand says %v", err, brandErr)
		}
	})
}

// liveTopQueries ranks asin's weekly top 3 queries in market from the query rows (liveTopQueriesSQL), as
// TopQueries did before it read sqp.report_totals: the reference the precomputed ones are checked against.
func liveTopQueries(t *testing.T, db *DB, market, asin string, r period.Range) map[time.Time][]sqp.QueryCounts {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), `SELECT segment_start, query, asin_purchases, asin_clicks FROM (`+
		liveTopQueriesSQL("$1", "$4", "$2", "$3", "'weekly'")+`) top WHERE rank <= 3 ORDER BY segment_start, rank`, asin, r.From, r.To, market)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		SegmentStart  time.Time `db:"segment_start"`
		Query         string    `db:"query"`
		ASINPurchases int64     `db:"asin_purchases"`
		ASINClicks    int64     `db:"asin_clicks"`
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		t.Fatal(err)
	}
	out := map[time.Time][]sqp.QueryCounts{}
	for _, f := range found {
		out[f.SegmentStart.UTC()] = append(out[f.SegmentStart.UTC()], sqp.QueryCounts{Query: f.Query, Counts: metrics.Counts{ASINPurchases: f.ASINPurchases, ASINClicks: f.ASINClicks}})
	}
	return out
}
