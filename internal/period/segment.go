package period

import "time"

// SegmentType is the granularity of a segment of the materialized view.
type SegmentType string

// Segment types, as stored in brand_product_segments.segment_type.
const (
	Weekly  SegmentType = "weekly"
	Monthly SegmentType = "monthly"
)

// Previous returns the start of the segment of type t right before the one starting at start: the
// previous week, or the previous calendar month. Segment rows are compared with it by date, so a missing
// week is a gap, never a shifted comparison.
func (t SegmentType) Previous(start time.Time) time.Time {
	if t == Monthly {
		return MonthStart(start).AddDate(0, -1, 0)
	}
	return start.AddDate(0, 0, -7)
}

// SegmentLabel is the label of a segment row: "Aug 4 – Aug 10, 2024" or "August 2024".
func SegmentLabel(t SegmentType, start, end time.Time) string {
	if t == Monthly {
		return MonthLabel(start)
	}
	return Label(start, end)
}

// WeeksStartingIn is the number of Amazon weeks (Sunday to Saturday) that start in the calendar month of
// t: the weeks a monthly segment is built from, 4 or 5.
func WeeksStartingIn(t time.Time) int {
	first := MonthStart(t)
	next := first.AddDate(0, 1, 0)
	sunday := first.AddDate(0, 0, (7-int(first.Weekday()))%7)
	n := 0
	for d := sunday; d.Before(next); d = d.AddDate(0, 0, 7) {
		n++
	}
	return n
}
