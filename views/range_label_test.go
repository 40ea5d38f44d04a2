package views

import (
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/period"
)

func TestRangeLabelCountsWeeks(t *testing.T) {
	sunday := time.Date(2024, 8, 4, 0, 0, 0, 0, time.UTC)
	for weeks, want := range map[int]string{1: "(1 week)", 2: "(2 weeks)", 13: "(13 weeks)"} {
		r := period.Snap(sunday, sunday.AddDate(0, 0, 7*weeks-1))
		if got, _ := rangeLabels(r, period.Range{}, false, period.CompareOff); !strings.HasSuffix(got, want) {
			t.Errorf("a %d-week range reads %q, want it to end in %q", weeks, got, want)
		}
	}
}
