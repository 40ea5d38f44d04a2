package views

import (
	"context"
	"net/url"
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
func (fakeLinks) Query(b, q string, s viewstate.State) string {
	return "/query/" + q + "?" + s.Values().Encode()
}
func (fakeLinks) Queries(b string, s viewstate.State) string {
	return "/q/" + b + "?" + s.Values().Encode()
}
func (fakeLinks) QueriesCSV(b string, s viewstate.State) string {
	return "/qcsv/" + b + "?" + s.Values().Encode()
}
func (fakeLinks) APIQueries(b string, s viewstate.State) string {
	return "/api/q/" + b + "?" + s.Values().Encode()
}
func (fakeLinks) QueryASINs(b, q string, s viewstate.State) string {
	return "/qa/" + b + "?query=" + url.QueryEscape(q) + "&" + s.Values().Encode()
}
func (fakeLinks) QueryRow(b, q string, s viewstate.State) string {
	return "/qr/" + b + "?query=" + url.QueryEscape(q) + "&" + s.Values().Encode()
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
	p := sqp.ProductSummary{ASIN: "B0C1234567", Title: "Kettle", WeeklySegments: 2, MonthlySegments: 0, Weeks: 2,
		Counts: metrics.Counts{ASINImpressions: 2000, TotalImpressions: 10000, ASINClicks: 50}}
	base := sqp.PeriodCounts{Counts: metrics.Counts{ASINImpressions: 1000, TotalImpressions: 10000, ASINClicks: 50}, Weeks: 2}
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
		if d.Find("tr.segment-row").Length() != 0 {
			t.Error("collapsed row has segment rows")
		}
	})

	t.Run("monthly rows say their weeks of data and mark unfair or missing comparisons on screen", func(t *testing.T) {
		oct, nov, jan := period.Date(2026, 10, 1), period.Date(2026, 11, 1), period.Date(2027, 1, 1)
		seg := &SegmentData{Type: period.Monthly, Range: period.Range{From: period.Date(2026, 11, 1), To: period.Date(2027, 2, 6)}, Segments: []sqp.Segment{
			{Type: period.Monthly, Start: oct, End: period.Date(2026, 10, 31), Counts: metrics.Counts{ASINImpressions: 100}, DataPoints: 1},
			{Type: period.Monthly, Start: nov, End: period.Date(2026, 11, 30), Counts: metrics.Counts{ASINImpressions: 400}, DataPoints: 4},
			{Type: period.Monthly, Start: jan, End: period.Date(2027, 1, 31), Counts: metrics.Counts{ASINImpressions: 300}, DataPoints: 4},
		}}
		var b strings.Builder
		if err := ProductBody(NewProductRow("brand", "USD", p, nil, seg, st.WithExpanded(p.ASIN, period.Monthly), fakeLinks{})).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		rows := parseRows(t, b.String()).Find("tr.segment-row")
		if rows.Length() != 2 {
			t.Fatalf("%d segment rows, want November and January", rows.Length())
		}
		// Newest first.
		janRow, novRow := rows.Eq(0), rows.Eq(1)
		// November 2026 has five weeks that start in it (Sundays 1 to 29); four have data.
		if got := novRow.Find("[data-testid=segment-coverage]").Text(); got != "4 of 5 weeks (partial)" {
			t.Errorf("November coverage %q", got)
		}
		if got := novRow.Find("[data-testid=segment-compare-note]").Text(); got != "Not like-for-like: the previous month has 1 week of data, this one 4 weeks." {
			t.Errorf("November note %q", got)
		}
		d := segmentDeltaOf(novRow, metrics.Impressions)
		if d.AttrOr("class", "") != "unfair" || d.Text() != "+300.0%" {
			t.Errorf("November change: class %q, text %q; want the number, not coloured or arrowed as up", d.AttrOr("class", ""), d.Text())
		}
		if got := janRow.Find("[data-testid=segment-coverage]").Text(); got != "4 of 5 weeks (partial)" {
			t.Errorf("January 2027 coverage %q (Sundays 3 to 31)", got)
		}
		if got := janRow.Find("[data-testid=segment-compare-note]").Text(); got != "No data in the comparison period." {
			t.Errorf("January note %q: December has no segment", got)
		}
		// Each change of January says so on screen, not a bare "—" (the wording of the product rows).
		for _, k := range metrics.All() {
			if d := segmentDeltaOf(janRow, k); d.Text() != "no data (comparison)" || d.AttrOr("class", "") != "none" {
				t.Errorf("January change of %s: %q (class %q), want \"no data (comparison)\"", k, d.Text(), d.AttrOr("class", ""))
			}
		}
	})

	t.Run("quarterly rows, newest first, say their weeks of data out of the quarter's real week count", func(t *testing.T) {
		q3, q4, q1 := period.Date(2026, 7, 1), period.Date(2026, 10, 1), period.Date(2027, 1, 1)
		r := period.Range{From: period.Date(2026, 7, 5), To: period.Date(2027, 2, 6)}
		seg := &SegmentData{Type: period.Quarterly, Range: r, Segments: []sqp.Segment{
			// Weeks of 2 August to 27 September (9 of the 13 Sundays of Q3 2026: 5 July .. 27 September).
			{Type: period.Quarterly, Start: q3, End: period.Date(2026, 9, 30), DataStart: period.Date(2026, 8, 2), DataEnd: period.Date(2026, 10, 3),
				Counts: metrics.Counts{ASINImpressions: 900}, DataPoints: 9},
			// All 13 weeks of Q4 2026 (4 October .. 27 December; the last ends on 2 January).
			{Type: period.Quarterly, Start: q4, End: period.Date(2026, 12, 31), DataStart: period.Date(2026, 10, 4), DataEnd: period.Date(2027, 1, 2),
				Counts: metrics.Counts{ASINImpressions: 1300}, DataPoints: 13},
			// The first 5 weeks of Q1 2027 (3 .. 31 January): the newest quarter shows before its calendar end.
			{Type: period.Quarterly, Start: q1, End: period.Date(2027, 3, 31), DataStart: period.Date(2027, 1, 3), DataEnd: period.Date(2027, 2, 6),
				Counts: metrics.Counts{ASINImpressions: 500}, DataPoints: 5},
		}}
		var b strings.Builder
		if err := ProductBody(NewProductRow("brand", "USD", p, nil, seg, st.WithExpanded(p.ASIN, period.Quarterly), fakeLinks{})).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		d := parseRows(t, b.String())
		if d.Find("[data-testid=seg-quarterly]").AttrOr("aria-pressed", "") != "true" || d.Find("[data-testid=seg-monthly]").AttrOr("aria-pressed", "") != "false" {
			t.Error("quarterly switch not pressed alone")
		}
		if got := d.Find("[data-testid=seg-quarterly]").AttrOr("hx-get", ""); !strings.HasPrefix(got, "/s/B0C1234567/quarterly?") {
			t.Errorf("quarterly switch URL %q", got)
		}
		var got []string
		d.Find("tr.segment-row").Each(func(_ int, r *goquery.Selection) {
			got = append(got, r.Find("th > span").Text()+" | "+r.Find("[data-testid=segment-coverage]").Text()+" | "+
				r.Find("[data-testid=segment-compare-note]").Text()+" | "+segmentDeltaOf(r, metrics.Impressions).AttrOr("class", ""))
		})
		want := []string{
			"Q1 2027 | 5 of 13 weeks (partial) |  | down",
			"Q4 2026 | 13 of 13 weeks | Not like-for-like: the previous quarter has 9 weeks of data, this one 13 weeks. | unfair",
			"Q3 2026 | 9 of 13 weeks (partial) | No data in the comparison period. | none",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("quarterly rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
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
		rows := d.Find("tr.segment-row")
		if rows.Length() != 1 {
			t.Fatalf("%d segment rows: the week before the range is only a comparison", rows.Length())
		}
		if got := rows.Find("th > span").Text(); got != "Aug 11 – Aug 17, 2024" {
			t.Errorf("label %q", got)
		}
		if got := segmentDeltaOf(rows, metrics.Impressions).Text(); got != "+50.0%" {
			t.Errorf("change against the previous week %q", got)
		}
		if d.Find("[data-testid=seg-weekly]").AttrOr("aria-pressed", "") != "true" {
			t.Error("weekly switch not pressed")
		}
	})
}

// TestDashboardComparisonNotes: KPI changes against a comparison period with fewer weeks of data are
// marked not like-for-like (not coloured), and a comparison period without data says so on screen.
func TestDashboardComparisonNotes(t *testing.T) {
	w := func(n int, impr int64) sqp.WeekCounts {
		return sqp.WeekCounts{WeekStart: period.Date(2026, 11, 1).AddDate(0, 0, 7*n), Counts: metrics.Counts{ASINImpressions: impr, TotalImpressions: 10 * impr}}
	}
	base := DashboardData{Brand: sqp.Brand{ID: "b", DisplayName: "Acme"}, State: viewstate.Default(), HasData: true, HasBase: true,
		Range: period.Range{From: period.Date(2026, 11, 1), To: period.Date(2026, 11, 28)},
		Base:  period.Range{From: period.Date(2026, 10, 4), To: period.Date(2026, 10, 31)},
		Weeks: []sqp.WeekCounts{w(0, 100), w(1, 100), w(2, 100), w(3, 100)}}
	for _, tc := range []struct {
		name      string
		baseWeeks int
		note      string
		dir       string
	}{
		{"fewer weeks of data", 1, "Not like-for-like: the comparison period has 1 week of data, this range 4 weeks; the changes are not coloured.", "unfair"},
		{"as many weeks", 4, "", "up"},
		{"no data", 0, "No data in the comparison period.", "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			d.BaseWeeks = tc.baseWeeks
			if tc.baseWeeks > 0 {
				d.BaseSum = metrics.Counts{ASINImpressions: 100, TotalImpressions: 1000}
			}
			v := NewDashboard(Shell{}, d, fakeLinks{})
			if v.CompareNote != tc.note {
				t.Errorf("note %q, want %q", v.CompareNote, tc.note)
			}
			if got := v.KPIs[0].Delta.Dir; got != tc.dir {
				t.Errorf("impressions change dir %q, want %q", got, tc.dir)
			}
		})
	}
}

// TestProductComparisonMarks: a product row's changes and the product page's KPI changes follow the rule
// of the segment rows and the brand KPIs (sqp.LikeForLike on weeks of data): against fewer weeks they are
// shown but not coloured, with a note on screen; against a period without data of the product each
// change says so instead of a bare "—".
func TestProductComparisonMarks(t *testing.T) {
	cur := metrics.Counts{ASINImpressions: 400, TotalImpressions: 4000, ASINClicks: 40, TotalClicks: 400}
	prev := metrics.Counts{ASINImpressions: 100, TotalImpressions: 1000, ASINClicks: 10, TotalClicks: 100}
	for _, tc := range []struct {
		name             string
		weeks, baseWeeks int
		note             string
		dir              string // of the impressions change
		text             string // visible text of the impressions change
	}{
		{"fewer weeks of data", 4, 1, "Not like-for-like: the comparison period has 1 week of data, this range 4 weeks; the changes are not coloured.", "unfair", "+300.0%"},
		{"as many weeks", 4, 4, "", "up", "+300.0%"},
		{"more weeks in the comparison", 2, 4, "", "up", "+300.0%"},
		{"no data", 4, 0, "No data in the comparison period.", "none", "no data (comparison)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := sqp.PeriodCounts{Weeks: tc.baseWeeks}
			if tc.baseWeeks > 0 {
				base.Counts = prev
			}
			p := sqp.ProductSummary{ASIN: "B0C1234567", Title: "Kettle", WeeklySegments: tc.weeks, Weeks: tc.weeks, Counts: cur}
			row := NewProductRow("brand", "USD", p, &base, nil, viewstate.Default(), fakeLinks{})
			if row.CompareNote != tc.note {
				t.Errorf("row note %q, want %q", row.CompareNote, tc.note)
			}
			var b strings.Builder
			if err := ProductBody(row).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			doc := parseRows(t, b.String())
			if got := doc.Find("[data-testid=product-compare-note]").Text(); got != tc.note {
				t.Errorf("row note on screen %q, want %q", got, tc.note)
			}
			d := doc.Find(`td[data-metric=impressions] [data-testid=delta]`)
			if d.AttrOr("data-dir", "") != tc.dir || !strings.Contains(d.Text(), tc.text) {
				t.Errorf("row impressions change: dir %q, text %q; want %q with %q", d.AttrOr("data-dir", ""), d.Text(), tc.dir, tc.text)
			}
			if d.HasClass("delta-up") && tc.dir != "up" || strings.Contains(d.Text(), "▲") && tc.dir != "up" {
				t.Errorf("row impressions change coloured or arrowed as good: %q", d.Text())
			}

			var weeks []sqp.WeekCounts
			for i := range tc.weeks {
				weeks = append(weeks, sqp.WeekCounts{WeekStart: period.Date(2026, 11, 1).AddDate(0, 0, 7*i), Counts: metrics.Counts{
					ASINImpressions: cur.ASINImpressions / int64(tc.weeks), TotalImpressions: cur.TotalImpressions / int64(tc.weeks),
					ASINClicks: cur.ASINClicks / int64(tc.weeks), TotalClicks: cur.TotalClicks / int64(tc.weeks)}})
			}
			pd := ProductPageData{Brand: sqp.Brand{ID: "b"}, Product: sqp.Product{ASIN: p.ASIN}, State: viewstate.Default(), HasData: true, HasBase: true,
				Range: period.Range{From: period.Date(2026, 11, 1), To: period.Date(2026, 11, 28)},
				Base:  period.Range{From: period.Date(2026, 10, 4), To: period.Date(2026, 10, 31)},
				Weeks: weeks, BaseSum: base.Counts, BaseWeeks: tc.baseWeeks}
			v := NewProductPage(Shell{}, pd, fakeLinks{})
			if v.CompareNote != tc.note {
				t.Errorf("product page note %q, want %q", v.CompareNote, tc.note)
			}
			if k := v.KPIs[0]; k.Delta.Dir != tc.dir || k.Delta.Text != tc.text {
				t.Errorf("product page impressions change %+v, want dir %q text %q", k.Delta, tc.dir, tc.text)
			}
		})
	}
}

// segmentDeltaOf is the change of metric k in a segment row: the span of its cell, found by column (the
// header's order, metrics.All) after the toggle column and the row header.
func segmentDeltaOf(row *goquery.Selection, k metrics.Key) *goquery.Selection {
	for i, m := range metrics.All() {
		if m == k {
			return row.Children().Eq(2 + i).Children().Filter("span")
		}
	}
	return row.Children().Eq(-1).Eq(1)
}
