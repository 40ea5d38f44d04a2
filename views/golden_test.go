package views

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden HTML files in testdata/")

// TestGoldenHTML pins the markup of the product row and its expansion, the fragment the browser code
// and the htmx swaps depend on. Run with -update after an intended change and review the diff.
func TestGoldenHTML(t *testing.T) {
	aug4 := period.Date(2024, time.August, 4)
	p := sqp.ProductSummary{ASIN: "B0C1234567", Title: "Kettle <1.7 l>", WeeklySegments: 1, MonthlySegments: 0, Weeks: 1,
		Counts: metrics.Counts{ASINImpressions: 12345, TotalImpressions: 100000, ASINClicks: 321, TotalClicks: 4000, ASINCartAdds: 40, TotalCartAdds: 500, ASINPurchases: 12, TotalPurchases: 300, PurchasePriceCents: 12 * 2599, PricedPurchases: 12}}
	base := sqp.PeriodCounts{Counts: metrics.Counts{ASINImpressions: 10000, TotalImpressions: 100000, ASINClicks: 400, TotalClicks: 4000}, Weeks: 1}
	seg := &SegmentData{Currency: "USD", Type: period.Weekly, Range: period.Range{From: aug4, To: aug4.AddDate(0, 0, 6)},
		Segments: []sqp.Segment{{Type: period.Weekly, Start: aug4, End: aug4.AddDate(0, 0, 6), Counts: p.Counts}},
		Top:      map[time.Time][]sqp.QueryCounts{aug4: {{Query: "kettle", Counts: metrics.Counts{ASINPurchases: 7, ASINClicks: 99}}}}}
	st := viewstate.Default().WithExpanded(p.ASIN, period.Weekly)
	for name, row := range map[string]ProductRow{
		"product_row_collapsed": NewProductRow("brand", "USD", p, &base, nil, viewstate.Default(), fakeLinks{}),
		"product_row_expanded":  NewProductRow("brand", "USD", p, nil, seg, st, fakeLinks{}),
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := ProductBody(row).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".golden.html")
			if *updateGolden {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./views -run TestGoldenHTML -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s changed:\n got: %s\nwant: %s", path, b.Bytes(), want)
			}
		})
	}
}
