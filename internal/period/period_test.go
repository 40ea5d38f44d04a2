package period

import (
	"testing"
	"time"
)

func TestWeeksRunSundayToSaturday(t *testing.T) {
	for _, tc := range []struct{ day, start, end time.Time }{
		{Date(2024, 8, 4), Date(2024, 8, 4), Date(2024, 8, 10)},  // a Sunday starts its own week
		{Date(2024, 8, 10), Date(2024, 8, 4), Date(2024, 8, 10)}, // a Saturday ends it
		{Date(2024, 8, 5), Date(2024, 8, 4), Date(2024, 8, 10)},  // Monday belongs to the Sunday before
		{Date(2025, 1, 1), Date(2024, 12, 29), Date(2025, 1, 4)}, // across a year
	} {
		if s, e := WeekStart(tc.day), WeekEnd(tc.day); !s.Equal(tc.start) || !e.Equal(tc.end) {
			t.Errorf("week of %s = %s..%s, want %s..%s", tc.day.Format(time.DateOnly), s, e, tc.start, tc.end)
		}
	}
}

func TestPresetsEndWithTheNewestWeek(t *testing.T) {
	last := Date(2024, 10, 26) // a Saturday
	for _, tc := range []struct {
		p     Preset
		weeks int
		from  time.Time
	}{
		{Last4, 4, Date(2024, 9, 29)},
		{Last13, 13, Date(2024, 7, 28)},
		{Last52, 52, Date(2023, 10, 29)},
		{YTD, 42, Date(2024, 1, 7)}, // the first week that starts in 2024
	} {
		r := tc.p.Resolve(last)
		if !r.To.Equal(last) || !r.From.Equal(tc.from) || r.Weeks() != tc.weeks {
			t.Errorf("%s = %s..%s (%d weeks), want from %s, %d weeks", tc.p, r.From, r.To, r.Weeks(), tc.from, tc.weeks)
		}
		if r.From.Weekday() != time.Sunday || r.To.Weekday() != time.Saturday {
			t.Errorf("%s is not whole weeks: %s", tc.p, r)
		}
	}
}

func TestComparisonRanges(t *testing.T) {
	r := Range{From: Date(2024, 7, 28), To: Date(2024, 10, 26)} // 13 weeks
	prev, ok := ComparePrevious.Base(r, Range{})
	if !ok || !prev.To.Equal(Date(2024, 7, 27)) || prev.Weeks() != 13 {
		t.Errorf("previous period = %s", prev)
	}
	yoy, ok := CompareYearAgo.Base(r, Range{})
	if !ok || !yoy.From.Equal(Date(2023, 7, 30)) || yoy.From.Weekday() != time.Sunday {
		t.Errorf("a year earlier = %s, want 52 weeks back", yoy)
	}
	custom := Range{From: Date(2024, 1, 7), To: Date(2024, 1, 13)}
	if got, ok := CompareCustom.Base(r, custom); !ok || got != custom {
		t.Errorf("custom = %s", got)
	}
	if _, ok := CompareOff.Base(r, Range{}); ok {
		t.Error("off has a comparison")
	}
}

func TestSegmentsAndLabels(t *testing.T) {
	if got := Weekly.Previous(Date(2024, 8, 4)); !got.Equal(Date(2024, 7, 28)) {
		t.Errorf("week before Aug 4 = %s", got)
	}
	if got := Monthly.Previous(Date(2024, 3, 1)); !got.Equal(Date(2024, 2, 1)) {
		t.Errorf("month before March = %s", got)
	}
	if got := SegmentLabel(Weekly, Date(2024, 8, 4), Date(2024, 8, 10)); got != "Aug 4 – Aug 10, 2024" {
		t.Errorf("weekly label %q", got)
	}
	if got := SegmentLabel(Weekly, Date(2024, 12, 29), Date(2025, 1, 4)); got != "Dec 29, 2024 – Jan 4, 2025" {
		t.Errorf("weekly label across years %q", got)
	}
	if got := SegmentLabel(Monthly, Date(2024, 8, 1), Date(2024, 8, 31)); got != "August 2024" {
		t.Errorf("monthly label %q", got)
	}
}

func TestWeeksStartingIn(t *testing.T) {
	for _, tc := range []struct {
		month time.Time
		want  int
	}{
		{Date(2026, 11, 15), 5}, // Sundays 1, 8, 15, 22, 29
		{Date(2026, 12, 1), 4},  // Sundays 6, 13, 20, 27
		{Date(2026, 2, 1), 4},   // Sundays 1, 8, 15, 22
		{Date(2025, 8, 31), 5},  // Sundays 3, 10, 17, 24, 31
	} {
		if got := WeeksStartingIn(tc.month); got != tc.want {
			t.Errorf("%s: %d weeks, want %d", tc.month.Format("2006-01"), got, tc.want)
		}
	}
}

func TestQuarters(t *testing.T) {
	if got := Quarterly.Previous(Date(2026, 1, 1)); !got.Equal(Date(2025, 10, 1)) {
		t.Errorf("quarter before Q1 2026 = %s", got)
	}
	if got := Quarterly.Previous(Date(2026, 8, 16)); !got.Equal(Date(2026, 4, 1)) {
		t.Errorf("quarter before the one holding Aug 16 = %s", got)
	}
	if got, end := QuarterStart(Date(2026, 12, 31)), QuarterEnd(Date(2026, 10, 1)); !got.Equal(Date(2026, 10, 1)) || !end.Equal(Date(2026, 12, 31)) {
		t.Errorf("Q4 2026 = %s..%s", got, end)
	}
	if got := SegmentLabel(Quarterly, Date(2026, 7, 1), Date(2026, 9, 30)); got != "Q3 2026" {
		t.Errorf("quarterly label %q", got)
	}
	for _, tc := range []struct {
		day  time.Time
		want int
	}{
		{Date(2026, 11, 15), 13}, // Oct 4 .. Dec 27
		{Date(2018, 2, 1), 12},   // 90 days from Monday Jan 1: Jan 7 .. Mar 25
		{Date(2018, 7, 1), 14},   // 92 days from Sunday Jul 1: Jul 1 .. Sep 30
		{Date(2024, 1, 1), 13},   // leap year, Monday Jan 1: Jan 7 .. Mar 31
	} {
		if got := WeeksStartingInQuarter(tc.day); got != tc.want {
			t.Errorf("%s: %d weeks, want %d", tc.day.Format("2006-01-02"), got, tc.want)
		}
		if got := Quarterly.WeeksIn(QuarterStart(tc.day)); got != tc.want {
			t.Errorf("Quarterly.WeeksIn(%s) = %d, want %d", tc.day.Format("2006-01-02"), got, tc.want)
		}
	}
	// Every quarter of 2000..2040 holds exactly the weeks of its three months, and every week starts in one.
	for y := 2000; y <= 2040; y++ {
		total := 0
		for q := 0; q < 4; q++ {
			first := Date(y, time.Month(3*q+1), 1)
			sum := WeeksStartingIn(first) + WeeksStartingIn(first.AddDate(0, 1, 0)) + WeeksStartingIn(first.AddDate(0, 2, 0))
			if got := WeeksStartingInQuarter(first); got != sum {
				t.Fatalf("%s: %d weeks, its months hold %d", QuarterLabel(first), got, sum)
			}
			total += sum
		}
		sundays := 0
		for d := Date(y, 1, 1); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Sunday {
				sundays++
			}
		}
		if total != sundays {
			t.Fatalf("%d: quarters hold %d weeks, the year has %d Sundays", y, total, sundays)
		}
	}
}
