package sqp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// TestPairSegments: the segments in the range, newest first, each with the one before it when segs has
// it, whatever the order segs come in (the storage's, oldest first, or any other).
func TestPairSegments(t *testing.T) {
	var weeks []sqp.Segment
	for i := range 5 {
		start := period.Date(2024, 7, 7).AddDate(0, 0, 7*i)
		weeks = append(weeks, sqp.Segment{Type: period.Weekly, Start: start, End: start.AddDate(0, 0, 6),
			DataPoints: 1, Counts: metrics.Counts{ASINPurchases: int64(10 * (i + 1))}})
	}
	// The range leaves out the first week, which is only the second one's comparison.
	r := period.Range{From: period.Date(2024, 7, 14), To: period.Date(2024, 8, 10)}
	describe := func(pairs []sqp.SegmentPair) string {
		var b strings.Builder
		for _, p := range pairs {
			fmt.Fprintf(&b, "%s %d vs %d (%t); ", p.Segment.Start.Format("01-02"), p.Segment.Counts.ASINPurchases, p.Previous.ASINPurchases, p.HasPrevious)
		}
		return b.String()
	}
	const want = "08-04 50 vs 40 (true); 07-28 40 vs 30 (true); 07-21 30 vs 20 (true); 07-14 20 vs 10 (true); "
	shuffled := []sqp.Segment{weeks[3], weeks[0], weeks[4], weeks[2], weeks[1]}
	newestFirst := slices.Clone(weeks)
	slices.Reverse(newestFirst)
	for name, segs := range map[string][]sqp.Segment{"oldest first": weeks, "shuffled": shuffled, "newest first": newestFirst} {
		if got := describe(sqp.PairSegments(segs, r)); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if got := sqp.PairSegments(weeks[:1], r); got != nil {
		t.Errorf("no segment in the range: %+v, want none", got)
	}
	// Without the week before the range, the oldest row has no comparison.
	if got := describe(sqp.PairSegments(weeks[1:3], r)); got != "07-21 30 vs 20 (true); 07-14 20 vs 0 (false); " {
		t.Errorf("without the week before: %s", got)
	}
}
