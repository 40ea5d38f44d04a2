package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// metricLabel is a metric's column label; a price names its currency, "Avg. median purchase price (GBP)".
func metricLabel(k metrics.Key, currency string) string {
	if metrics.KindOf(k) == metrics.Money && currency != "" {
		return metrics.Label(k) + " (" + currency + ")"
	}
	return metrics.Label(k)
}

// dash stands for a value that does not exist: a ratio with a zero denominator, a change from zero.
const dash = "—"

// FormatCount writes n with thousands separators: 1234567 -> "1,234,567".
func FormatCount(n int64) string {
	var buf [32]byte
	return string(appendCount(buf[:0], n))
}

// appendCount appends n with thousands separators to dst. The formatting functions append to one
// buffer: an expansion formats about 700 figures, and building each through strings and fmt was most of
// the Go work of a cold expansion (docs/performance.md, "The cold expansion").
func appendCount(dst []byte, n int64) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	if d[0] == '-' {
		dst = append(dst, '-')
		d = d[1:]
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, c)
	}
	return dst
}

// Plural counts a noun in English: "1 warning", "0 warnings", "1,204 warnings". noun is the singular and
// takes a plain "s" in the plural (every noun sqpdash counts does).
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return FormatCount(n) + " " + noun + "s"
}

// FormatMetric formats the metric k as the tables show it.
func FormatMetric(k metrics.Key, v metrics.Value) string {
	var buf [32]byte
	return string(appendMetric(buf[:0], k, v))
}

// appendMetric appends the metric k as FormatMetric formats it.
func appendMetric(dst []byte, k metrics.Key, v metrics.Value) []byte {
	if !v.OK {
		return append(dst, dash...)
	}
	switch metrics.KindOf(k) {
	case metrics.Count:
		return appendCount(dst, int64(math.Round(v.V)))
	case metrics.Money:
		return appendDecimal(dst, v.V)
	}
	return append(appendDecimal(dst, v.V), '%')
}

// formatDecimal writes x with two decimals and thousands separators.
func formatDecimal(x float64) string {
	var buf [32]byte
	return string(appendDecimal(buf[:0], x))
}

// appendDecimal appends x with two decimals and thousands separators.
func appendDecimal(dst []byte, x float64) []byte {
	cents := int64(math.Round(math.Abs(x) * 100))
	if x < 0 && cents != 0 {
		dst = append(dst, '-')
	}
	dst = appendCount(dst, cents/100)
	return append(dst, '.', byte('0'+cents%100/10), byte('0'+cents%10))
}

// DeltaView is a change as shown beside a number: text, direction class and words for screen readers.
type DeltaView struct {
	Text  string // "+12.3%", "−0.4 pp", "—"
	Dir   string // "up", "down", "flat" or "none" (no base)
	Arrow string
	Label string // "up 12.3% from 1,000"
	// PP is the signed number of a change in percentage points ("+0.4"), shown before an <abbr> that
	// spells out "pp"; "" for other changes, which show Text.
	PP string
}

// NewDeltaView formats a change with one rule everywhere: the sign and arrow follow the direction, up is
// green, down is red, flat is neutral, and a change without a base is "—".
func NewDeltaView(d metrics.Delta) DeltaView {
	if !d.OK {
		return DeltaView{Text: dash, Dir: "none", Label: "no comparison value"}
	}
	unit := "%"
	if d.Unit == metrics.Points {
		unit = " pp"
	}
	abs := oneDecimal(d.V)
	var v DeltaView
	switch d.Dir {
	case metrics.Up:
		v = DeltaView{Text: "+" + abs + unit, Dir: "up", Arrow: "▲", Label: "up " + abs + unit}
	case metrics.Down:
		v = DeltaView{Text: "−" + abs + unit, Dir: "down", Arrow: "▼", Label: "down " + abs + unit}
	default:
		v = DeltaView{Text: "0.0" + unit, Dir: "flat", Arrow: "▬", Label: "unchanged"}
	}
	if d.Unit == metrics.Points {
		v.PP = strings.TrimSuffix(v.Text, unit)
	}
	return v
}

// ppTitle spells out "pp" where a change shows it.
const ppTitle = "percentage points: the difference of two percentages"

// notLikeForLike marks a change against a period with fewer weeks of data: its number is kept, but it is
// neither coloured nor given an arrow as good or bad, and says why to screen readers.
func notLikeForLike(d DeltaView) DeltaView {
	if d.Dir == "none" {
		return d
	}
	d.Dir, d.Arrow = "unfair", ""
	d.Label = "not like-for-like (fewer weeks of data in the comparison period): " + d.Text
	return d
}

// noComparisonText is what a change says when the comparison period has no data.
const noComparisonText = "No data in the comparison period."

// noComparisonData replaces the bare "—" of a change whose comparison period has no data with a short
// visible "no data (comparison)"; screen readers hear the whole sentence.
func noComparisonData(d DeltaView) DeltaView {
	if d.Dir != "none" {
		return d
	}
	return DeltaView{Text: "no data (comparison)", Dir: "none", Label: "no data in the comparison period"}
}

// comparison is how sqp.LikeForLike judges a period against its comparison period.
type comparison int

const (
	fairComparison   comparison = iota
	noComparison                // the comparison period has no data
	unfairComparison            // it has fewer weeks of data: the changes are shown but not coloured
)

// compare judges a period with weeks weeks of data against a comparison period with baseWeeks.
func compare(weeks, baseWeeks int) comparison {
	switch {
	case baseWeeks == 0:
		return noComparison
	case !sqp.LikeForLike(weeks, baseWeeks):
		return unfairComparison
	}
	return fairComparison
}

// markComparison applies sqp.LikeForLike to the changes of a period with weeks weeks of data against a
// comparison period with baseWeeks: without data there, the changes say so instead of "—"; with fewer
// weeks, they are shown but not coloured (notLikeForLike). It returns the note to show on screen, "" when
// the comparison is fair.
func markComparison(weeks, baseWeeks int, deltas []*DeltaView) string {
	switch compare(weeks, baseWeeks) {
	case noComparison:
		for _, d := range deltas {
			*d = noComparisonData(*d)
		}
		return noComparisonText
	case unfairComparison:
		for _, d := range deltas {
			*d = notLikeForLike(*d)
		}
		return fmt.Sprintf("Not like-for-like: the comparison period has %s of data, this range %s; the changes are not coloured.",
			weeksText(baseWeeks), weeksText(weeks))
	}
	return ""
}

// oneDecimal formats |v| with one decimal, rounding half away from zero on v's hundredths. A change is a
// two-decimal value (the JSON and the CSV show it so); strconv's exact binary rounding would show 2.25 as
// "2.2" and -2.05 (stored as -2.0499...) as "2.0", unlike the same number in the export.
func oneDecimal(v float64) string {
	var buf [32]byte
	return string(appendOneDecimal(buf[:0], v))
}

// appendOneDecimal appends oneDecimal(v). The tenths are an integer: below 10^15 they are written as
// one (the decimal the float would print), beyond that by strconv.
func appendOneDecimal(dst []byte, v float64) []byte {
	tenths := math.Round(math.Round(math.Abs(v)*100) / 10)
	if tenths >= 1e15 || math.IsNaN(tenths) {
		return strconv.AppendFloat(dst, tenths/10, 'f', 1, 64)
	}
	t := int64(tenths)
	return append(strconv.AppendInt(dst, t/10, 10), '.', byte('0'+t%10))
}

// Cell is one numeric table cell: the formatted value, its raw value for machines (data-value) and,
// when a comparison is on, its change.
type Cell struct {
	Metric   string
	Text     string
	Raw      string
	HasDelta bool
	Delta    DeltaView
}

// newCells formats every metric of cur; base, when given, adds the changes. Prices carry currency, the
// ISO code of the marketplace's currency.
func newCells(cur metrics.Counts, base *metrics.Counts, currency string) []Cell {
	cells := make([]Cell, len(metrics.All()))
	for i, k := range metrics.All() {
		v := cur.Get(k)
		c := Cell{Metric: string(k), Text: FormatMetric(k, v), Raw: rawValue(v)}
		if metrics.KindOf(k) == metrics.Money && v.OK && currency != "" {
			c.Text += " " + currency
		}
		if base != nil {
			c.HasDelta = true
			c.Delta = NewDeltaView(metrics.Change(k, cur, *base))
		}
		cells[i] = c
	}
	return cells
}

// rawValue is the machine-readable value of a metric: exact, without separators; empty when undefined.
func rawValue(v metrics.Value) string {
	if !v.OK {
		return ""
	}
	return strconv.FormatFloat(v.V, 'f', -1, 64)
}

// SegmentCell is one figure of a segment row as its light markup shows it (views/dashboard.templ,
// segmentRow): the value and its change. Unlike Cell it has no raw value and no words for screen
// readers: the rows do not show them (the JSON and the CSV have the raw values; the change's text carries
// its direction), and a year of weeks formats about 600 cells.
type SegmentCell struct {
	Text   string // "20,687", "7.50%", "23.99 USD", "—"
	Change string // "+86.7%", "−0.4 pp", "0.0%", "—", "no data (comparison)"
	Dir    string // the change's class: "up", "down", "flat", "unfair" or "none"
}

// newSegmentCells formats every metric of cur and its change against prev, marked as cmp says (the
// rule of markComparison); the texts are NewDeltaView's and FormatMetric's. All the row's texts are
// appended to one buffer and become one string, of which each cell's texts are slices.
func newSegmentCells(cur, prev metrics.Counts, cmp comparison, currency string) []SegmentCell {
	keys := metrics.All()
	cells := make([]SegmentCell, len(keys))
	ends := make([]int, 0, 2*len(keys))
	var buf [512]byte
	b := buf[:0]
	for i, k := range keys {
		v := cur.Get(k)
		b = appendMetric(b, k, v)
		if metrics.KindOf(k) == metrics.Money && v.OK && currency != "" {
			b = append(append(b, ' '), currency...)
		}
		ends = append(ends, len(b))
		b, cells[i].Dir = appendChange(b, metrics.Change(k, cur, prev), cmp)
		ends = append(ends, len(b))
	}
	texts := string(b)
	from := 0
	for i := range cells {
		cells[i].Text, cells[i].Change = texts[from:ends[2*i]], texts[ends[2*i]:ends[2*i+1]]
		from = ends[2*i+1]
	}
	return cells
}

// appendChange appends the text of a change as NewDeltaView words it, marked as cmp says, and returns
// its class.
func appendChange(dst []byte, d metrics.Delta, cmp comparison) ([]byte, string) {
	if !d.OK {
		if cmp == noComparison {
			return append(dst, "no data (comparison)"...), "none"
		}
		return append(dst, dash...), "none"
	}
	unit := "%"
	if d.Unit == metrics.Points {
		unit = " pp"
	}
	var dir string
	switch d.Dir {
	case metrics.Up:
		dst, dir = appendOneDecimal(append(dst, '+'), d.V), "up"
	case metrics.Down:
		dst, dir = appendOneDecimal(append(dst, "−"...), d.V), "down"
	default:
		dst, dir = append(dst, "0.0"...), "flat"
	}
	if cmp == unfairComparison {
		dir = "unfair"
	}
	return append(dst, unit...), dir
}
