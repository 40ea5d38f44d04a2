package views

import (
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// The query chart's table lists its weeks newest first, like every list of weekly rows, while the chart
// itself runs left (oldest) to right (newest).
func TestQueryChartRowsNewestFirst(t *testing.T) {
	r := period.Range{From: period.Date(2026, 10, 4), To: period.Date(2026, 10, 24)}
	var weeks []sqp.BrandQueryWeek
	for i, vol := range []int64{100, 200, 300} {
		w := sqp.BrandQueryWeek{WeekStart: r.From.AddDate(0, 0, 7*i)}
		w.Volume = vol
		weeks = append(weeks, w)
	}
	c := NewQueryChart(r, weeks)
	var got []string
	for _, row := range c.Rows {
		got = append(got, row.Week+" "+row.Values[0])
	}
	want := []string{"Oct 18 – Oct 24, 2026 300", "Oct 11 – Oct 17, 2026 200", "Oct 4 – Oct 10, 2026 100"}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rows %v, want %v", got, want)
			break
		}
	}
	// The bars still run oldest to newest, left to right.
	if len(c.Bars) != 3 || !strings.HasPrefix(c.Bars[0].Title, "Oct 4 ") || !strings.HasPrefix(c.Bars[2].Title, "Oct 18 ") {
		t.Errorf("bars %+v: the oldest week must be leftmost", c.Bars)
	}
}
