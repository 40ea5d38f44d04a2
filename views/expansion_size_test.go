package views

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// expansionBudget is the most HTML (uncompressed) an expansion of a year of weeks may send: the cold
// path's target (docs/performance.md, "Expansion"). The old markup sent 3.8 KB per week.
const expansionBudget = 60 << 10

// TestExpansionOf52WeeksFitsItsBudget renders the expansion partial of a product with 52 weekly
// segments, each with a comparison, three top queries and large figures in every cell (wider than the
// demo data's), and fails when it exceeds expansionBudget. It also checks that nothing was dropped to
// fit: every row keeps its label, its three queries with their figures and a value and a change per
// metric.
func TestExpansionOf52WeeksFitsItsBudget(t *testing.T) {
	p, base, seg, st := yearOfWeeks()
	var b strings.Builder
	if err := ProductBody(NewProductRow(yearBrandID, "USD", p, &base, &seg, st, fakeLinks{})).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if len(html) > expansionBudget {
		t.Errorf("the expansion of 52 weeks is %d bytes (%d per week), over the budget of %d", len(html), len(html)/52, expansionBudget)
	}
	rows := parseRows(t, html).Find("tr.segment-row")
	if rows.Length() != 52 {
		t.Fatalf("%d rows, want 52", rows.Length())
	}
	rows.Each(func(i int, row *goquery.Selection) {
		if row.Find("th > span").Text() == "" || row.Find("th > ol > li").Length() != 3 || !strings.Contains(row.Find("th > ol > li").First().Text(), "1,234 purch. · 12,345 clicks") {
			t.Errorf("row %d: label %q, queries %q", i, row.Find("th > span").Text(), row.Find("th > ol").Text())
		}
		for _, k := range metrics.All() {
			cell := row.Children().Eq(2 + slices.Index(metrics.All(), k))
			if strings.TrimSpace(cell.Contents().First().Text()) == "" || cell.Children().Filter("span").Text() == "" {
				t.Errorf("row %d %s: %q", i, k, cell.Text())
			}
		}
	})
	t.Logf("%d bytes for 52 weeks (%d per week)", len(html), len(html)/52)
}

// yearBrandID is the brand of yearOfWeeks' product.
const yearBrandID = "0b9a5c1e-8d2f-4b7a-9c3e-1f2a3b4c5d6e"

// yearOfWeeks is a product expanded into 52 weekly segments, each with a comparison, three top queries
// and large figures in every cell (wider than the demo data's).
func yearOfWeeks() (sqp.ProductSummary, sqp.PeriodCounts, SegmentData, viewstate.State) {
	first := period.Date(2025, 11, 30)
	r := period.Range{From: first, To: first.AddDate(0, 0, 7*52-1)}
	seg := SegmentData{Type: period.Weekly, Range: r, Currency: "USD", Top: map[time.Time][]sqp.QueryCounts{}}
	queries := []string{"insulated stainless steel water bottle 32 oz", "water bottle with straw lid for hiking", "leakproof kids water bottle dishwasher safe"}
	for w := -1; w < 52; w++ {
		start := first.AddDate(0, 0, 7*w)
		n := int64(w + 2)
		seg.Segments = append(seg.Segments, sqp.Segment{Type: period.Weekly, Start: start, End: start.AddDate(0, 0, 6), DataStart: start,
			DataEnd: start.AddDate(0, 0, 6), DataPoints: 1, Counts: metrics.Counts{
				ASINImpressions: 1234567 + 1000*n, TotalImpressions: 98765432, ASINClicks: 123456 - 100*n, TotalClicks: 8765432,
				ASINCartAdds: 12345 + 10*n, TotalCartAdds: 876543, ASINPurchases: 4321 - n, TotalPurchases: 98765,
				PurchasePriceCents: (4321 - n) * 123456, PricedPurchases: 4321 - n,
			}})
		for i, q := range queries {
			seg.Top[start] = append(seg.Top[start], sqp.QueryCounts{Query: q, Counts: metrics.Counts{ASINPurchases: 1234 - int64(i), ASINClicks: 12345}})
		}
	}
	p := sqp.ProductSummary{ASIN: "B0C1234567", Title: strings.Repeat("Insulated Water Bottle, ", 8), WeeklySegments: 52, Weeks: 52,
		Counts: metrics.Counts{ASINImpressions: 64197484, TotalImpressions: 5135794464, ASINClicks: 6419748, TotalClicks: 455802464}}
	base := sqp.PeriodCounts{Counts: p.Counts, Weeks: 52}
	st := viewstate.Default().WithExpanded(p.ASIN, period.Weekly)
	return p, base, seg, st
}

// BenchmarkExpansionOf52Weeks is the Go work of a cold expansion besides the database: building the
// view model of a year of weeks and rendering it (docs/performance.md, "The cold expansion").
func BenchmarkExpansionOf52Weeks(b *testing.B) {
	p, base, seg, st := yearOfWeeks()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := ProductBody(NewProductRow(yearBrandID, "USD", p, &base, &seg, st, fakeLinks{})).Render(context.Background(), &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
