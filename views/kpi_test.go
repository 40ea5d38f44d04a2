package views

import (
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

func TestKPIsOfARangeWithoutReports(t *testing.T) {
	base := metrics.Counts{ASINImpressions: 1000, TotalImpressions: 20000, ASINClicks: 30, TotalClicks: 600, ASINPurchases: 3, TotalPurchases: 60}
	t.Run("no week in the range shows dashes, not zero and down 100%", func(t *testing.T) {
		kpis, _ := newKPIs(nil, base, true)
		for _, k := range kpis {
			if k.Value != dash || k.Delta.Text != dash || k.Delta.Dir != "none" {
				t.Errorf("%s: value %q, change %q (%s)", k.Metric, k.Value, k.Delta.Text, k.Delta.Dir)
			}
		}
	})
	t.Run("a week of zeros is still zero", func(t *testing.T) {
		week := sqp.WeekCounts{WeekStart: time.Date(2024, 8, 4, 0, 0, 0, 0, time.UTC)}
		kpis, _ := newKPIs([]sqp.WeekCounts{week}, base, true)
		for _, k := range kpis {
			if k.Metric == string(metrics.Impressions) && (k.Value != "0" || k.Delta.Dir != "down") {
				t.Errorf("impressions: value %q, change %q (%s)", k.Value, k.Delta.Text, k.Delta.Dir)
			}
		}
	})
}
