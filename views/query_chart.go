package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// QueryChart is the query page's weekly trend: Search Query Volume as bars on the left axis and the
// brand's four shares as lines on the right axis, a server-rendered SVG whose coordinates are computed
// here. Rows are the same numbers as a table, the chart's text alternative.
type QueryChart struct {
	Width, Height            int
	Left, Right, Top, Bottom int
	Bars                     []ChartBar
	Lines                    []ChartLine
	VolumeTop, VolumeZero    string // left axis labels
	ShareTop, ShareZero      string // right axis labels
	XStart, XEnd             string
	Summary                  string // the chart in one sentence, for screen readers
	Empty                    bool
	Columns                  []string // the headers of the table of Rows
	Rows                     []QueryChartRow
}

// ChartBar is one week's bar.
type ChartBar struct {
	X, Y, W, H string
	Title      string
}

// ChartLine is one share's line: a colour and a dash pattern, so the lines differ without colour too.
type ChartLine struct {
	Metric string
	Label  string
	Path   string
	Color  string
	Dash   string // stroke-dasharray; "" for a solid line
	Points []ChartPoint
}

// QueryChartRow is one week of the chart's table: its label, the volume and the four shares.
type QueryChartRow struct {
	Week   string
	Values []string
}

// queryChartShares are the lines of the chart, with their colours and dash patterns.
func queryChartShares() []ChartLine {
	return []ChartLine{
		{Metric: string(metrics.ImpressionShare), Color: "#1f5fbf"},
		{Metric: string(metrics.ClickShare), Color: "#a34f00", Dash: "6 3"},
		{Metric: string(metrics.CartAddShare), Color: "#137333", Dash: "2 3"},
		{Metric: string(metrics.PurchaseShare), Color: "#8e24aa", Dash: "9 3 2 3"},
	}
}

// The chart's geometry, in SVG user units: about the size it is drawn at on a phone, so its labels stay
// readable there; wider screens scale it up.
const (
	qcWidth, qcHeight = 360, 210
	qcLeft, qcRight   = 46, 314
	qcTop, qcBottom   = 10, 180
)

// NewQueryChart builds the trend chart of a query's weeks over r. Each week of r has a slot, so a week
// without a report is a gap (no bar, a break in the lines), never a zero.
func NewQueryChart(r period.Range, weeks []sqp.BrandQueryWeek) QueryChart {
	c := QueryChart{Width: qcWidth, Height: qcHeight, Left: qcLeft, Right: qcRight, Top: qcTop, Bottom: qcBottom}
	c.Lines = queryChartShares()
	c.Columns = []string{"Week", "Search Query Volume"}
	for i := range c.Lines {
		c.Lines[i].Label = metrics.Label(metrics.Key(c.Lines[i].Metric))
		c.Columns = append(c.Columns, c.Lines[i].Label)
	}
	if len(weeks) == 0 {
		c.Empty = true
		c.Summary = "Weekly trend: no data in this range"
		return c
	}
	slots := max(r.Weeks(), 1)
	slot := float64(qcRight-qcLeft) / float64(slots)
	index := func(w time.Time) int { return int(w.Sub(r.From).Hours()/24) / 7 }
	var maxVol int64
	maxShare := 0.0
	for _, w := range weeks {
		maxVol = max(maxVol, w.Volume)
		for _, l := range c.Lines {
			if v := w.Counts.Get(metrics.Key(l.Metric)); v.OK {
				maxShare = max(maxShare, v.V)
			}
		}
	}
	shareTop := niceCeil(maxShare)
	volTop := max(maxVol, 1)
	plotH := float64(qcBottom - qcTop)
	pens := make([]string, len(c.Lines))
	paths := make([]strings.Builder, len(c.Lines))
	prev := -2
	for _, w := range weeks {
		i := index(w.WeekStart)
		label := period.Label(w.WeekStart, w.WeekStart.AddDate(0, 0, 6))
		row := QueryChartRow{Week: label, Values: []string{FormatCount(w.Volume)}}
		if w.Volume > 0 {
			h := float64(w.Volume) / float64(volTop) * plotH
			c.Bars = append(c.Bars, ChartBar{
				X: coord(float64(qcLeft) + float64(i)*slot + slot*0.15), W: coord(slot * 0.7),
				Y: coord(float64(qcBottom) - h), H: coord(h),
				Title: fmt.Sprintf("%s: Search Query Volume %s", label, FormatCount(w.Volume)),
			})
		}
		x := coord(float64(qcLeft) + (float64(i)+0.5)*slot)
		for j := range c.Lines {
			l := &c.Lines[j]
			v := w.Counts.Get(metrics.Key(l.Metric))
			row.Values = append(row.Values, FormatMetric(metrics.Key(l.Metric), v))
			if !v.OK || i != prev+1 {
				pens[j] = "M" // no line across a week without a value
			}
			if !v.OK {
				continue
			}
			if pens[j] == "" {
				pens[j] = "M"
			}
			y := coord(float64(qcBottom) - v.V/shareTop*plotH)
			fmt.Fprintf(&paths[j], "%s%s %s ", pens[j], x, y)
			pens[j] = "L"
			l.Points = append(l.Points, ChartPoint{X: x, Y: y, Title: fmt.Sprintf("%s: %s %s", label, l.Label, FormatMetric(metrics.Key(l.Metric), v))})
		}
		prev = i
		c.Rows = append(c.Rows, row)
	}
	for j := range c.Lines {
		c.Lines[j].Path = strings.TrimSpace(paths[j].String())
	}
	// The chart runs left to right in time; its table lists the newest week first, as every list of weekly
	// rows does.
	slices.Reverse(c.Rows)
	c.VolumeTop, c.VolumeZero = FormatCount(volTop), "0"
	c.ShareTop, c.ShareZero = FormatMetric(metrics.ImpressionShare, metrics.Known(shareTop)), "0%"
	c.XStart, c.XEnd = shortDate(r.From), shortDate(period.WeekStart(r.To))
	c.Summary = fmt.Sprintf("Weekly trend from %s to %s: Search Query Volume as bars (up to %s) and the brand's impression, click, cart-add and purchase shares as lines (up to %s); %d of %d weeks have data. The table below the chart lists every week, newest first.",
		c.XStart, c.XEnd, c.VolumeTop, c.ShareTop, len(weeks), slots)
	return c
}

// niceCeil rounds a share up to a readable axis top: 1, 2, 5, 10, 20, 25, 50 or 100 %.
func niceCeil(v float64) float64 {
	for _, top := range []float64{1, 2, 5, 10, 20, 25, 50} {
		if v <= top {
			return top
		}
	}
	return 100
}
