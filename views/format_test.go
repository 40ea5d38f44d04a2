package views

import (
	"testing"

	"github.com/sqpdash/sqpdash/internal/metrics"
)

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
	for _, tc := range []struct {
		k    metrics.Key
		v    metrics.Value
		want string
	}{
		{metrics.Impressions, metrics.Known(12345), "12,345"},
		{metrics.CTR, metrics.Known(7.5), "7.50%"},
		{metrics.CTR, metrics.Value{}, "—"},
		{metrics.AvgPrice, metrics.Known(1234.5), "1,234.50"},
	} {
		if got := FormatMetric(tc.k, tc.v); got != tc.want {
			t.Errorf("FormatMetric(%s, %v) = %q, want %q", tc.k, tc.v, got, tc.want)
		}
	}
}

func TestDeltaRule(t *testing.T) {
	for _, tc := range []struct {
		d    metrics.Delta
		text string
		dir  string
	}{
		{metrics.Delta{V: 12.34, Unit: metrics.PercentChange, Dir: metrics.Up, OK: true}, "+12.3%", "up"},
		{metrics.Delta{V: -0.42, Unit: metrics.Points, Dir: metrics.Down, OK: true}, "−0.4 pp", "down"},
		{metrics.Delta{V: 0.01, Unit: metrics.Points, Dir: metrics.Flat, OK: true}, "0.0 pp", "flat"},
		// Two-decimal changes ending in 5 round away from zero, as their JSON/CSV value reads (2.25 is exact in
		// binary and -2.05 is stored as -2.0499...: plain %.1f shows "2.2" and "2.0").
		{metrics.Delta{V: 2.25, Unit: metrics.Points, Dir: metrics.Up, OK: true}, "+2.3 pp", "up"},
		{metrics.Delta{V: -2.05, Unit: metrics.Points, Dir: metrics.Down, OK: true}, "−2.1 pp", "down"},
		{metrics.Delta{V: 1.85, Unit: metrics.Points, Dir: metrics.Up, OK: true}, "+1.9 pp", "up"},
		{metrics.Delta{Unit: metrics.PercentChange}, "—", "none"},
	} {
		got := NewDeltaView(tc.d)
		if got.Text != tc.text || got.Dir != tc.dir || got.Label == "" {
			t.Errorf("NewDeltaView(%+v) = %+v, want %q %s", tc.d, got, tc.text, tc.dir)
		}
	}
}
