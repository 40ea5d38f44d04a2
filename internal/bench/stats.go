package bench

import (
	"slices"
	"time"
)

// Summary is several runs of one measurement: the median is the figure, min and max show the spread.
type Summary struct {
	Runs     []float64 `json:"runs_ms"`
	MedianMs float64   `json:"median_ms"`
	MinMs    float64   `json:"min_ms"`
	MaxMs    float64   `json:"max_ms"`
	// RowsRewritten is the median number of rows a refresh deleted plus inserted, when it applies.
	RowsRewritten *int64 `json:"rows_rewritten,omitempty"`
}

// summarize folds run durations (and, for refreshes, rows rewritten per run) into a Summary.
func summarize(runs []time.Duration, rewritten []int64) Summary {
	s := Summary{}
	for _, d := range runs {
		s.Runs = append(s.Runs, ms(d))
	}
	if len(runs) == 0 {
		return s
	}
	sorted := slices.Clone(runs)
	slices.Sort(sorted)
	s.MedianMs = ms(median(sorted))
	s.MinMs = ms(sorted[0])
	s.MaxMs = ms(sorted[len(sorted)-1])
	if len(rewritten) > 0 {
		r := slices.Clone(rewritten)
		slices.Sort(r)
		m := r[len(r)/2]
		s.RowsRewritten = &m
	}
	return s
}

// median of sorted values: the middle one, or the mean of the two middle ones.
func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
