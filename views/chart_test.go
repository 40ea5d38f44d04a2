package views

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

func TestTrendChartPlacesWeeksByDate(t *testing.T) {
	sunday := time.Date(2024, 8, 4, 0, 0, 0, 0, time.UTC)
	week := func(n int, impr int64) sqp.WeekCounts {
		return sqp.WeekCounts{WeekStart: sunday.AddDate(0, 0, 7*n), Counts: metrics.Counts{ASINImpressions: impr}}
	}
	// Weeks 0, 1 and 4: weeks 2 and 3 have no report.
	c := NewTrendChart(metrics.Impressions, []sqp.WeekCounts{week(0, 10), week(1, 20), week(4, 30)})
	if len(c.Points) != 3 {
		t.Fatalf("%d points, want 3", len(c.Points))
	}
	xs := make([]float64, len(c.Points))
	for i, p := range c.Points {
		x, err := strconv.ParseFloat(p.X, 64)
		if err != nil {
			t.Fatal(err)
		}
		xs[i] = x
	}
	plot := float64(c.Right - c.Left)

	t.Run("a missing week keeps its place on the time axis", func(t *testing.T) {
		if xs[0] != float64(c.Left) || xs[2] != float64(c.Right) {
			t.Fatalf("first and last at %v, %v; want %d and %d", xs[0], xs[2], c.Left, c.Right)
		}
		// Week 1 of a four-week span is a quarter of the way, not half way as the second of three points.
		if want := float64(c.Left) + plot/4; xs[1] < want-0.1 || xs[1] > want+0.1 {
			t.Errorf("week 1 at x=%v, want %v", xs[1], want)
		}
	})

	t.Run("the line is not drawn across the missing weeks", func(t *testing.T) {
		if n := strings.Count(c.Path, "M"); n != 2 {
			t.Errorf("path %q has %d segments, want 2", c.Path, n)
		}
	})
}
