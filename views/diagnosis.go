package views

import (
	"fmt"
	"math"
	"strconv"

	"github.com/sqpdash/sqpdash/internal/metrics"
)

// DiagnosisView is a funnel diagnosis (metrics.Diagnose) as shown: the label, a short visible line with
// the numbers that decided it, and every share and ratio for the title (the rule itself is in the
// glossary, metrics.DiagnosisDefinition). The colour only repeats the label.
type DiagnosisView struct {
	Leak   string // metrics.Leak, for data-leak and the CSS class
	Label  string // "Listing"
	Detail string // "click share 10.00% vs impr. share 20.00% (0.50×)"
	Title  string // every share and ratio, and the rule
	// Help links the label to the diagnosis's glossary entry where one diagnosis is shown (the product
	// page); table rows leave it out rather than repeat the same link on every row.
	Help TermLink
}

// NewDiagnosisView formats a diagnosis.
func NewDiagnosisView(d metrics.Diagnosis) DiagnosisView {
	v := DiagnosisView{Leak: string(d.Leak), Label: metrics.LeakLabel(d.Leak)}
	pct := func(k metrics.Key, x metrics.Value) string { return FormatMetric(k, x) }
	is, cs := pct(metrics.ImpressionShare, d.ImpressionShare), pct(metrics.ClickShare, d.ClickShare)
	switch d.Leak {
	case metrics.LeakListing:
		v.Detail = fmt.Sprintf("click share %s vs impr. share %s (%s)", cs, is, ratioText(d.ListingRatio))
	case metrics.LeakConversion:
		name, share := "cart-add share", pct(metrics.CartAddShare, d.CartAddShare)
		if d.ConversionStep == metrics.PurchaseShare {
			name, share = "purchase share", pct(metrics.PurchaseShare, d.PurchaseShare)
		}
		v.Detail = fmt.Sprintf("%s %s vs click share %s (%s)", name, share, cs, ratioText(d.ConversionRatio))
	case metrics.LeakVisibility:
		v.Detail = fmt.Sprintf("impr. share %s (below %s%%)", is, strconv.FormatFloat(metrics.VisibilityShare, 'f', -1, 64))
	case metrics.LeakNone:
		v.Detail = fmt.Sprintf("click/impr. %s, conversion %s", ratioText(d.ListingRatio), ratioText(d.ConversionRatio))
	default:
		v.Detail = "too few impressions or events to judge"
	}
	v.Title = fmt.Sprintf("Funnel diagnosis: %s — %s. Shares: impressions %s, clicks %s, cart adds %s, purchases %s; "+
		"click share / impression share %s, lowest of cart-add and purchase share / click share %s (a leak below %s×).",
		v.Label, v.Detail, is, cs, pct(metrics.CartAddShare, d.CartAddShare), pct(metrics.PurchaseShare, d.PurchaseShare),
		ratioText(d.ListingRatio), ratioText(d.ConversionRatio), strconv.FormatFloat(metrics.LeakRatio, 'f', 2, 64))
	return v
}

// ratioText is a ratio of shares with two decimals, "0.50×"; "—" when it was not judged.
func ratioText(r metrics.Value) string {
	if !r.OK {
		return dash
	}
	return strconv.FormatFloat(r.V, 'f', 2, 64) + "×"
}

// opportunityMetric is the data-metric and sort key of the opportunity column.
const opportunityMetric = "opportunity"

// opportunityTitle explains the opportunity where it is shown.
const opportunityTitle = metrics.OpportunityDefinition

// OpportunityLabel is the column heading of the opportunity.
const OpportunityLabel = "Opportunity"

// newOpportunityCell formats an opportunity (in purchases) as a table cell: rounded to whole purchases on
// screen, exact in data-value, "—" when undefined. It has no change: the comparison period's own best
// week would make a change of two different benchmarks.
func newOpportunityCell(v metrics.Value) Cell {
	return Cell{Metric: opportunityMetric, Text: FormatOpportunity(v), Raw: rawValue(v)}
}

// FormatOpportunity writes an opportunity rounded to whole purchases, "—" when undefined.
func FormatOpportunity(v metrics.Value) string {
	if !v.OK {
		return dash
	}
	return FormatCount(int64(math.Round(v.V)))
}
