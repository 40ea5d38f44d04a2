package period

import (
	"fmt"
	"time"
)

// SegmentType is the granularity of a segment of the materialized view.
type SegmentType string

// Segment types, as stored in brand_product_segments.segment_type.
const (
	Weekly    SegmentType = "weekly"
	Monthly   SegmentType = "monthly"
	Quarterly SegmentType = "quarterly"
)

// SegmentTypes lists the segment types in the order the dashboard offers them.
func SegmentTypes() []SegmentType { return []SegmentType{Weekly, Monthly, Quarterly} }

// Previous returns the start of the segment of type t right before the one starting at start: the
// previous week, calendar month or calendar quarter. Segment rows are compared with it by date, so a
// missing week is a gap, never a shifted comparison.
func (t SegmentType) Previous(start time.Time) time.Time {
	switch t {
	case Monthly:
		return MonthStart(start).AddDate(0, -1, 0)
	case Quarterly:
		return QuarterStart(start).AddDate(0, -3, 0)
	}
	return start.AddDate(0, 0, -7)
}

// WeeksIn is the number of Amazon weeks a segment of type t starting at start is built from: 1 for a
// week, the weeks that start in the month (4 or 5) or in the quarter (12 to 14).
func (t SegmentType) WeeksIn(start time.Time) int {
	switch t {
	case Monthly:
		return WeeksStartingIn(start)
	case Quarterly:
		return WeeksStartingInQuarter(start)
	}
	return 1
}

// Noun is how the dashboard's sentences name one segment of type t: "week", "month" or "quarter".
func (t SegmentType) Noun() string {
	switch t {
	case Monthly:
		return "month"
	case Quarterly:
		return "quarter"
	}
	return "week"
}

// SegmentLabel is the label of a segment row: "Aug 4 – Aug 10, 2024", "August 2024" or "Q3 2024".
func SegmentLabel(t SegmentType, start, end time.Time) string {
	switch t {
	case Monthly:
		return MonthLabel(start)
	case Quarterly:
		return QuarterLabel(start)
	}
	return Label(start, end)
}

// QuarterStart returns the first day of t's calendar quarter (January, April, July or October 1).
func QuarterStart(t time.Time) time.Time {
	t = Truncate(t)
	return Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1)
}

// QuarterEnd returns the last day of t's calendar quarter.
func QuarterEnd(t time.Time) time.Time { return QuarterStart(t).AddDate(0, 3, -1) }

// QuarterLabel formats a calendar quarter as "Q3 2024".
func QuarterLabel(t time.Time) string {
	return fmt.Sprintf("Q%d %d", (int(t.Month())-1)/3+1, t.Year())
}

// WeeksStartingIn is the number of Amazon weeks (Sunday to Saturday) that start in the calendar month of
// t: the weeks a monthly segment is built from, 4 or 5.
func WeeksStartingIn(t time.Time) int {
	first := MonthStart(t)
	return sundaysIn(first, first.AddDate(0, 1, 0))
}

// WeeksStartingInQuarter is the number of Amazon weeks that start in the calendar quarter of t: the
// weeks a quarterly segment is built from: 13 mostly, 14 when a 92-day quarter starts on a Sunday (Q3 2018),
// 12 when a 90-day first quarter starts on a Monday (Q1 2018).
func WeeksStartingInQuarter(t time.Time) int {
	first := QuarterStart(t)
	return sundaysIn(first, first.AddDate(0, 3, 0))
}

// sundaysIn counts the Sundays in [from, next).
func sundaysIn(from, next time.Time) int {
	n := 0
	for d := from.AddDate(0, 0, (7-int(from.Weekday()))%7); d.Before(next); d = d.AddDate(0, 0, 7) {
		n++
	}
	return n
}
