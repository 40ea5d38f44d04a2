package views

import (
	"context"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/metrics"
)

func TestDiagnosisViewSaysWhichNumbersDecided(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      metrics.Counts
		label  string
		detail string
	}{
		{
			// IS 20000/100000 = 20%, CS 100/1000 = 10%: 0.50x.
			name: "listing compares click and impression share",
			c: metrics.Counts{ASINImpressions: 20000, TotalImpressions: 100000, ASINClicks: 100, TotalClicks: 1000,
				ASINCartAdds: 50, TotalCartAdds: 400, ASINPurchases: 20, TotalPurchases: 160},
			label: "Listing", detail: "click share 10.00% vs impr. share 20.00% (0.50×)",
		},
		{
			// CS 200/1000 = 20%, PS 10/160 = 6.25%: 6.25 / 20 = 0.3125 -> "0.31×".
			name: "conversion names the step that fell",
			c: metrics.Counts{ASINImpressions: 20000, TotalImpressions: 100000, ASINClicks: 200, TotalClicks: 1000,
				ASINCartAdds: 80, TotalCartAdds: 400, ASINPurchases: 10, TotalPurchases: 160},
			label: "Conversion", detail: "purchase share 6.25% vs click share 20.00% (0.31×)",
		},
		{
			// IS 5000/100000 = 5%.
			name: "visibility gives the impression share and the threshold",
			c: metrics.Counts{ASINImpressions: 5000, TotalImpressions: 100000, ASINClicks: 45, TotalClicks: 1000,
				ASINCartAdds: 18, TotalCartAdds: 400, ASINPurchases: 8, TotalPurchases: 160},
			label: "Visibility", detail: "impr. share 5.00% (below 10%)",
		},
		{
			// Listing 18/20 = 0.90, conversion min(20/18, 18.75/18) = 1.0417 -> "1.04×".
			name: "no leak gives both ratios",
			c: metrics.Counts{ASINImpressions: 20000, TotalImpressions: 100000, ASINClicks: 180, TotalClicks: 1000,
				ASINCartAdds: 80, TotalCartAdds: 400, ASINPurchases: 30, TotalPurchases: 160},
			label: "No leak", detail: "click/impr. 0.90×, conversion 1.04×",
		},
		{
			name:  "too little data says so",
			c:     metrics.Counts{ASINImpressions: 10, TotalImpressions: 999},
			label: "Too little data", detail: "too few impressions or events to judge",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewDiagnosisView(metrics.Diagnose(tc.c))
			if v.Label != tc.label || v.Detail != tc.detail {
				t.Fatalf("got %q %q, want %q %q", v.Label, v.Detail, tc.label, tc.detail)
			}
			var b strings.Builder
			if err := diagnosisBadge(v).Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			d := parseRows(t, b.String())
			badge := d.Find("[data-testid=diagnosis]")
			if badge.Find(".leak-label").Text() != tc.label || badge.Find(".leak-detail").Text() != tc.detail {
				t.Errorf("badge shows %q", badge.Text())
			}
			if !strings.Contains(badge.AttrOr("title", ""), tc.detail) {
				t.Errorf("title %q lacks the numbers", badge.AttrOr("title", ""))
			}
		})
	}
}

func TestFormatOpportunity(t *testing.T) {
	for v, want := range map[metrics.Value]string{
		metrics.Known(15):      "15",
		metrics.Known(0.3333):  "0",
		metrics.Known(1234.5):  "1,235",
		{}:                     dash,
		metrics.Known(0):       "0",
		metrics.Known(33.4999): "33",
	} {
		if got := FormatOpportunity(v); got != want {
			t.Errorf("FormatOpportunity(%+v) = %q, want %q", v, got, want)
		}
	}
}
