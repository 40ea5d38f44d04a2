package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// LineChart is a server-rendered SVG line over weeks: coordinates are computed here, the template only
// draws them. Undefined weeks break the line rather than drawing a fake zero.
type LineChart struct {
	Title         string
	Metric        string
	Width, Height int
	// The plot area inside the axes.
	Left, Right, Top, Bottom int
	Path                     string
	Points                   []ChartPoint
	YTop, YBottom            string // axis labels: the largest value and the smallest
	XStart, XEnd             string // axis labels: the first week and the last
	Summary                  string // a sentence for screen readers
	Empty                    bool
}

// ChartPoint is one week of a chart; Title is shown on hover.
type ChartPoint struct {
	X, Y  string
	Title string
}

// chartSize is the geometry of a chart: its box and the margins the axis labels need.
type chartSize struct {
	width, height, left, right, top, bottom int
}

// The two chart geometries: the KPI sparkline and the product page's trend chart.
func sparkSize() chartSize {
	return chartSize{width: 120, height: 32, left: 1, right: 119, top: 3, bottom: 29}
}

func trendSize() chartSize {
	return chartSize{width: 320, height: 160, left: 64, right: 312, top: 12, bottom: 132}
}

// newSparkline is the small trend line of a KPI card.
func newSparkline(k metrics.Key, weeks []sqp.WeekCounts) LineChart {
	return newLineChart(k, weeks, sparkSize())
}

// NewTrendChart is the weekly trend chart of one metric on the product page, with labelled axes.
func NewTrendChart(k metrics.Key, weeks []sqp.WeekCounts) LineChart {
	return newLineChart(k, weeks, trendSize())
}

func newLineChart(k metrics.Key, weeks []sqp.WeekCounts, sz chartSize) LineChart {
	c := LineChart{
		Title: metrics.Label(k), Metric: string(k),
		Width: sz.width, Height: sz.height,
		Left: sz.left, Right: sz.right, Top: sz.top, Bottom: sz.bottom,
	}
	lo, hi, seen := 0.0, 0.0, false
	for _, w := range weeks {
		if v := w.Counts.Get(k); v.OK {
			if !seen || v.V > hi {
				hi = v.V
			}
			if !seen || v.V < lo {
				lo = v.V
			}
			seen = true
		}
	}
	if !seen {
		c.Empty = true
		c.Summary = c.Title + ": no data in this range"
		return c
	}
	if lo > 0 {
		lo = 0 // counts and shares start at zero so the slope is not exaggerated
	}
	if hi == lo {
		hi = lo + 1
	}
	// x places a week by its date, not its index: a product's missing weeks leave a gap in the line
	// instead of pulling the weeks after them closer.
	first := weeks[0].WeekStart
	span := weeks[len(weeks)-1].WeekStart.Sub(first)
	x := func(w time.Time) float64 {
		if span <= 0 {
			return float64(sz.left+sz.right) / 2
		}
		return float64(sz.left) + float64(w.Sub(first))/float64(span)*float64(sz.right-sz.left)
	}
	y := func(v float64) float64 {
		return float64(sz.bottom) - (v-lo)/(hi-lo)*float64(sz.bottom-sz.top)
	}
	var path strings.Builder
	pen := "M"
	for i, w := range weeks {
		v := w.Counts.Get(k)
		if !v.OK || i > 0 && !w.WeekStart.Equal(weeks[i-1].WeekStart.AddDate(0, 0, 7)) {
			pen = "M" // no line across a week without a value
		}
		if !v.OK {
			continue
		}
		px, py := coord(x(w.WeekStart)), coord(y(v.V))
		fmt.Fprintf(&path, "%s%s %s ", pen, px, py)
		pen = "L"
		end := w.WeekStart.AddDate(0, 0, 6)
		c.Points = append(c.Points, ChartPoint{X: px, Y: py, Title: fmt.Sprintf("%s: %s %s", period.Label(w.WeekStart, end), FormatMetric(k, v), strings.ToLower(c.Title))})
	}
	c.Path = strings.TrimSpace(path.String())
	c.YTop, c.YBottom = FormatMetric(k, metrics.Known(hi)), FormatMetric(k, metrics.Known(lo))
	c.XStart, c.XEnd = shortDate(weeks[0].WeekStart), shortDate(weeks[len(weeks)-1].WeekStart)
	c.Summary = fmt.Sprintf("%s per week from %s to %s, between %s and %s", c.Title, c.XStart, c.XEnd, c.YBottom, c.YTop)
	return c
}

func coord(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func shortDate(t time.Time) string { return t.Format("Jan 2, 2006") }
