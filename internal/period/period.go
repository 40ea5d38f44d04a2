// Package period is sqpdash's calendar: Amazon reporting weeks run Sunday to Saturday, monthly segments
// hold the weeks that start in a calendar month, and every date range the dashboard shows is made of whole
// weeks. All dates are midnight UTC.
package period

import (
	"fmt"
	"time"
)

// Day is the length of one calendar day; dates carry no time of day.
const Day = 24 * time.Hour

// Date returns midnight UTC of the given calendar day.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Truncate drops the time of day of t (in UTC).
func Truncate(t time.Time) time.Time {
	t = t.UTC()
	return Date(t.Year(), t.Month(), t.Day())
}

// WeekStart returns the Sunday that starts the week holding t.
func WeekStart(t time.Time) time.Time {
	t = Truncate(t)
	return t.AddDate(0, 0, -int(t.Weekday()))
}

// WeekEnd returns the Saturday that ends the week holding t.
func WeekEnd(t time.Time) time.Time { return WeekStart(t).AddDate(0, 0, 6) }

// MonthStart returns the first day of t's month.
func MonthStart(t time.Time) time.Time {
	t = Truncate(t)
	return Date(t.Year(), t.Month(), 1)
}

// MonthEnd returns the last day of t's month.
func MonthEnd(t time.Time) time.Time { return MonthStart(t).AddDate(0, 1, -1) }

// Range is an inclusive range of whole weeks: From is a Sunday, To a Saturday.
type Range struct {
	From time.Time
	To   time.Time
}

// Snap widens [from, to] to whole weeks: from back to its Sunday, to forward to its Saturday.
func Snap(from, to time.Time) Range {
	return Range{From: WeekStart(from), To: WeekEnd(to)}
}

// Weeks is the number of weeks in r.
func (r Range) Weeks() int { return int(r.To.Sub(r.From)/Day+1) / 7 }

// ShiftWeeks moves r by n weeks (negative: into the past).
func (r Range) ShiftWeeks(n int) Range {
	return Range{From: r.From.AddDate(0, 0, 7*n), To: r.To.AddDate(0, 0, 7*n)}
}

// WeekStarts lists the Sundays of r in order.
func (r Range) WeekStarts() []time.Time {
	var out []time.Time
	for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 7) {
		out = append(out, d)
	}
	return out
}

// Contains reports whether the period [start, end] lies wholly inside r, the rule every segment
// query uses (period_start >= from AND period_end <= to).
func (r Range) Contains(start, end time.Time) bool {
	return !start.Before(r.From) && !end.After(r.To)
}

// String formats r as "Aug 4 – Oct 26, 2024".
func (r Range) String() string { return Label(r.From, r.To) }

// Label formats an inclusive date span the way the tables show weeks: "Aug 4 – Aug 10, 2024", with the
// first year only when the span crosses a year.
func Label(from, to time.Time) string {
	if from.Year() != to.Year() {
		return fmt.Sprintf("%s – %s", from.Format("Jan 2, 2006"), to.Format("Jan 2, 2006"))
	}
	return fmt.Sprintf("%s – %s", from.Format("Jan 2"), to.Format("Jan 2, 2006"))
}

// MonthLabel formats a month as "August 2024".
func MonthLabel(t time.Time) string { return t.Format("January 2006") }

// Preset is a named range relative to the newest week with data.
type Preset string

// Presets offered by the date picker.
const (
	Last4  Preset = "4w"
	Last13 Preset = "13w"
	Last52 Preset = "52w"
	YTD    Preset = "ytd"
	Custom Preset = "custom"
)

// Presets lists the presets in picker order.
func Presets() []Preset { return []Preset{Last4, Last13, Last52, YTD, Custom} }

// DefaultPreset is the range shown when the URL names none: the last 13 complete weeks of data.
const DefaultPreset = Last13

// PresetLabel is the picker text of a preset.
func PresetLabel(p Preset) string {
	switch p {
	case Last4:
		return "Last 4 weeks"
	case Last13:
		return "Last 13 weeks"
	case Last52:
		return "Last 52 weeks"
	case YTD:
		return "Year to date"
	}
	return "Custom"
}

// Resolve returns the range of preset p ending with the week that ends on lastWeekEnd (a Saturday: the
// newest complete week with data). Custom has no range of its own and resolves like DefaultPreset.
func (p Preset) Resolve(lastWeekEnd time.Time) Range {
	end := WeekEnd(lastWeekEnd)
	weeks := 13
	switch p {
	case Last4:
		weeks = 4
	case Last52:
		weeks = 52
	case YTD:
		// The weeks that start in the year of the newest week.
		first := Date(end.Year(), time.January, 1)
		start := WeekStart(first)
		if start.Before(first) {
			start = start.AddDate(0, 0, 7)
		}
		if start.After(end) {
			start = WeekStart(end)
		}
		return Range{From: start, To: end}
	}
	return Range{From: end.AddDate(0, 0, 1-7*weeks), To: end}
}

// Comparison says which range the numbers are compared with.
type Comparison string

// Comparison modes.
const (
	CompareOff      Comparison = "off"
	ComparePrevious Comparison = "prev"   // the equally long range right before
	CompareYearAgo  Comparison = "yoy"    // 52 weeks earlier, so weekdays line up
	CompareCustom   Comparison = "custom" // a range the user picks
)

// Comparisons lists the modes in picker order.
func Comparisons() []Comparison {
	return []Comparison{ComparePrevious, CompareYearAgo, CompareCustom, CompareOff}
}

// DefaultComparison is the comparison when the URL names none.
const DefaultComparison = ComparePrevious

// ComparisonLabel is the picker text of a mode.
func ComparisonLabel(c Comparison) string {
	switch c {
	case ComparePrevious:
		return "Previous period"
	case CompareYearAgo:
		return "Same period last year"
	case CompareCustom:
		return "Custom"
	}
	return "No comparison"
}

// Base returns the comparison range of r under mode c; custom is used for CompareCustom. ok is false
// when the comparison is off.
func (c Comparison) Base(r, custom Range) (base Range, ok bool) {
	switch c {
	case ComparePrevious:
		return r.ShiftWeeks(-r.Weeks()), true
	case CompareYearAgo:
		return r.ShiftWeeks(-52), true
	case CompareCustom:
		return custom, true
	}
	return Range{}, false
}
