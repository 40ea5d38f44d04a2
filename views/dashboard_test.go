package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// fakeLinks builds readable URLs so the test can see which state each link carries.
type fakeLinks struct{}

func (fakeLinks) Dashboard(b string, s viewstate.State) string {
	return "/d/" + b + "?" + s.Values().Encode()
}
func (fakeLinks) Product(b, a string, s viewstate.State) string {
	return "/p/" + b + "/" + a + "?" + s.Values().Encode()
}
func (fakeLinks) Segments(b, a string, t period.SegmentType, s viewstate.State) string {
	return "/s/" + a + "/" + string(t) + "?" + s.Values().Encode()
}
func (fakeLinks) ProductRow(b, a string, s viewstate.State) string {
	return "/r/" + a + "?" + s.Values().Encode()
}
func (fakeLinks) ProductsCSV(b string, s viewstate.State) string { return "/csv/" + b }
func (fakeLinks) SegmentsCSV(b, a string, t period.SegmentType, s viewstate.State) string {
	return "/scsv/" + a + "/" + string(t)
}

func parseRows(t *testing.T, html string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader("<table>" + html + "</table>"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProductBody(t *testing.T) {
	p := sqp.ProductSummary{ASIN: "B0C1234567", Title: "Kettle", WeeklySegments: 2, MonthlySegments: 0,
		Counts: metrics.Counts{ASINImpressions: 2000, TotalImpressions: 10000, ASINClicks: 50}}
	base := metrics.Counts{ASINImpressions: 1000, TotalImpressions: 10000, ASINClicks: 50}
	st := viewstate.Default()
	w1, w2 := period.Date(2024, time.August, 4), period.Date(2024, time.August, 11)

	t.Run("collapsed row offers the weekly expansion", func(t *testing.T) {
		var b strings.Builder
		if err := ProductBody(NewProductRow("brand", "USD", p, &base, nil, st, fakeLinks{})).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		d := parseRows(t, b.String())
		btn := d.Find("button[data-testid=toggle]")
		if btn.AttrOr("aria-expanded", "") != "false" || btn.AttrOr("hx-get", "") != "/s/B0C1234567/weekly?" || btn.AttrOr("hx-target", "") != "#p-B0C1234567" {
			t.Errorf("toggle %v", btn.Nodes[0].Attr)
		}
		if got := d.Find(`td[data-metric=impressions] .value`).Text(); got != "2,000" {
			t.Errorf("impressions %q", got)
		}
		if got := d.Find(`td[data-metric=impressions] [data-testid=delta]`).AttrOr("data-dir", ""); got != "up" {
			t.Errorf("impressions change %q", got)
		}
		if got := d.Find(`td[data-metric=cvr] .value`).Text(); got != "0.00%" {
			t.Errorf("CVR %q", got)
		}
		if d.Find("tr[data-testid=segment-row]").Length() != 0 {
			t.Error("collapsed row has segment rows")
		}
	})

	t.Run("expanded row lists its segments and collapses through the row URL", func(t *testing.T) {
		seg := &SegmentData{Type: period.Weekly, Range: period.Range{From: w2, To: w2.AddDate(0, 0, 6)}, Segments: []sqp.Segment{
			{Type: period.Weekly, Start: w1, End: w1.AddDate(0, 0, 6), Counts: metrics.Counts{ASINImpressions: 100}},
			{Type: period.Weekly, Start: w2, End: w2.AddDate(0, 0, 6), Counts: metrics.Counts{ASINImpressions: 150}},
		}}
		open := st.WithExpanded(p.ASIN, period.Weekly)
		var b strings.Builder
		if err := ProductBody(NewProductRow("brand", "USD", p, nil, seg, open, fakeLinks{})).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		d := parseRows(t, b.String())
		if got := d.Find("button[data-testid=toggle]").AttrOr("hx-get", ""); !strings.HasPrefix(got, "/r/B0C1234567?") {
			t.Errorf("collapse URL %q", got)
		}
		rows := d.Find("tr[data-testid=segment-row]")
		if rows.Length() != 1 {
			t.Fatalf("%d segment rows: the week before the range is only a comparison", rows.Length())
		}
		if got := rows.Find("[data-testid=segment-label]").Text(); got != "Aug 11 – Aug 17, 2024" {
			t.Errorf("label %q", got)
		}
		if got := strings.TrimSpace(rows.Find(`td[data-metric=impressions] [data-testid=delta] span[aria-hidden]`).Last().Text()); got != "+50.0%" {
			t.Errorf("change against the previous week %q", got)
		}
		if d.Find("[data-testid=seg-weekly]").AttrOr("aria-pressed", "") != "true" {
			t.Error("weekly switch not pressed")
		}
	})
}
