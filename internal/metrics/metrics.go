// Package metrics holds the one definition of every number sqpdash shows. The materialized view, the
// product table, the KPI cards, the CSV export and the JSON API all derive their shares, rates and prices
// from summed counts through this package, so a share is never averaged and never divided by 100 twice.
package metrics

import "math"

// Counts are the sums a metric is computed from: the ASIN's own counts, the market totals used only as
// share denominators, and the priced purchases behind the average median purchase price. Counts add up,
// so any range of weeks is re-aggregated exactly by adding its weeks.
type Counts struct {
	ASINImpressions  int64 `json:"asin_impressions"`
	TotalImpressions int64 `json:"total_impressions"`
	ASINClicks       int64 `json:"asin_clicks"`
	TotalClicks      int64 `json:"total_clicks"`
	ASINCartAdds     int64 `json:"asin_cart_adds"`
	TotalCartAdds    int64 `json:"total_cart_adds"`
	ASINPurchases    int64 `json:"asin_purchases"`
	TotalPurchases   int64 `json:"total_purchases"`
	// PurchasePriceCents is the sum of asin_median_purchase_price x asin_purchase_count over the query
	// rows that have a price, in cents; PricedPurchases is the sum of asin_purchase_count over those rows.
	PurchasePriceCents int64 `json:"-"`
	PricedPurchases    int64 `json:"-"`
}

// Add returns the sum of two sets of counts.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		ASINImpressions:    c.ASINImpressions + o.ASINImpressions,
		TotalImpressions:   c.TotalImpressions + o.TotalImpressions,
		ASINClicks:         c.ASINClicks + o.ASINClicks,
		TotalClicks:        c.TotalClicks + o.TotalClicks,
		ASINCartAdds:       c.ASINCartAdds + o.ASINCartAdds,
		TotalCartAdds:      c.TotalCartAdds + o.TotalCartAdds,
		ASINPurchases:      c.ASINPurchases + o.ASINPurchases,
		TotalPurchases:     c.TotalPurchases + o.TotalPurchases,
		PurchasePriceCents: c.PurchasePriceCents + o.PurchasePriceCents,
		PricedPurchases:    c.PricedPurchases + o.PricedPurchases,
	}
}

// Value is a metric that may be undefined: a ratio whose denominator is zero, or a price without a
// priced purchase. Undefined is shown as "—", never as 0.
type Value struct {
	V  float64
	OK bool
}

// Known returns a defined value.
func Known(v float64) Value { return Value{V: v, OK: true} }

// Key names a metric. Keys are the column names of the tables, the sort keys of the URL and the field
// names of the JSON API.
type Key string

// The metrics shown in every table, in table order.
const (
	Impressions     Key = "impressions"
	Clicks          Key = "clicks"
	CartAdds        Key = "cart_adds"
	Purchases       Key = "purchases"
	CTR             Key = "ctr"
	CVR             Key = "cvr"
	ImpressionShare Key = "impression_share"
	ClickShare      Key = "click_share"
	CartAddShare    Key = "cart_add_share"
	PurchaseShare   Key = "purchase_share"
	AvgPrice        Key = "avg_purchase_price"
	// CartAddRate (cart adds per click) is shown only in the product page's funnel.
	CartAddRate Key = "cart_add_rate"
)

// All lists every metric in the order tables show them.
func All() []Key {
	return []Key{Impressions, Clicks, CartAdds, Purchases, CTR, CVR, ImpressionShare, ClickShare, CartAddShare, PurchaseShare, AvgPrice}
}

// Kind says how a metric is formatted and how its change is expressed.
type Kind int

// Kinds of metrics.
const (
	Count   Kind = iota // a count: change in %
	Percent             // a rate or share in %: change in percentage points
	Money               // an amount: change in %
)

// KindOf returns the kind of a metric.
func KindOf(k Key) Kind {
	switch k {
	case Impressions, Clicks, CartAdds, Purchases:
		return Count
	case AvgPrice:
		return Money
	default:
		return Percent
	}
}

// Label is the column heading of a metric.
func Label(k Key) string {
	switch k {
	case Impressions:
		return "Impressions"
	case Clicks:
		return "Clicks"
	case CartAdds:
		return "Cart adds"
	case Purchases:
		return "Purchases"
	case CTR:
		return "CTR"
	case CVR:
		return "CVR"
	case ImpressionShare:
		return "Impr. share"
	case ClickShare:
		return "Click share"
	case CartAddShare:
		return "Cart-add share"
	case PurchaseShare:
		return "Purchase share"
	case AvgPrice:
		return "Avg. median purchase price"
	case CartAddRate:
		return "Cart-add rate"
	}
	return string(k)
}

// Get returns the metric k of c as shown and exported: rates, shares and the price rounded to 2 decimals,
// the precision of the materialized view's columns, so the page and the view agree to the last digit.
func (c Counts) Get(k Key) Value {
	v := c.exact(k)
	if v.OK && k != Impressions && k != Clicks && k != CartAdds && k != Purchases {
		v.V = round2(v.V)
	}
	return v
}

// exact returns the metric k of c without rounding. Changes are computed from exact values and rounded
// once, so a change does not carry the rounding of both sides (3.456% vs 2.504% is +0.95 pp, not the
// +0.96 pp that the rounded 3.46 and 2.50 would give).
func (c Counts) exact(k Key) Value {
	switch k {
	case Impressions:
		return Known(float64(c.ASINImpressions))
	case Clicks:
		return Known(float64(c.ASINClicks))
	case CartAdds:
		return Known(float64(c.ASINCartAdds))
	case Purchases:
		return Known(float64(c.ASINPurchases))
	case CTR:
		return percent(c.ASINClicks, c.ASINImpressions)
	case CVR:
		return percent(c.ASINPurchases, c.ASINClicks)
	case CartAddRate:
		return percent(c.ASINCartAdds, c.ASINClicks)
	case ImpressionShare:
		return percent(c.ASINImpressions, c.TotalImpressions)
	case ClickShare:
		return percent(c.ASINClicks, c.TotalClicks)
	case CartAddShare:
		return percent(c.ASINCartAdds, c.TotalCartAdds)
	case PurchaseShare:
		return percent(c.ASINPurchases, c.TotalPurchases)
	case AvgPrice:
		if c.PricedPurchases == 0 {
			return Value{}
		}
		return Known(float64(c.PurchasePriceCents) / float64(c.PricedPurchases) / 100)
	}
	return Value{}
}

// percent is num/den x 100; undefined when den is 0.
func percent(num, den int64) Value {
	if den == 0 {
		return Value{}
	}
	return Known(float64(num) / float64(den) * 100)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Direction is the sign of a change, with one meaning everywhere: up is green, down is red, flat neutral.
type Direction int

// Directions of a change.
const (
	Flat Direction = iota
	Up
	Down
)

// Unit says how a change is expressed.
type Unit int

// Units of a change.
const (
	PercentChange Unit = iota // (cur - base) / base x 100, for counts and money
	Points                    // cur - base in percentage points, for rates and shares
)

// Delta is the change of a metric against its comparison. OK is false when the base is zero or either
// side is undefined: such a change is shown as "—".
type Delta struct {
	V    float64
	Unit Unit
	Dir  Direction
	OK   bool
}

// flatBelow is the smallest change shown as up or down: below it the change rounds to 0.0 on screen.
const flatBelow = 0.05

// Change returns the change of metric k from base to cur.
func Change(k Key, cur, base Counts) Delta {
	c, b := cur.exact(k), base.exact(k)
	if !c.OK || !b.OK {
		return Delta{Unit: unitOf(k)}
	}
	var d Delta
	if KindOf(k) == Percent {
		d = Delta{V: round2(c.V - b.V), Unit: Points, OK: true}
	} else {
		if b.V == 0 {
			return Delta{Unit: PercentChange}
		}
		d = Delta{V: math.Round((c.V-b.V)/b.V*1000) / 10, Unit: PercentChange, OK: true}
	}
	switch {
	case d.V >= flatBelow:
		d.Dir = Up
	case d.V <= -flatBelow:
		d.Dir = Down
	}
	return d
}

func unitOf(k Key) Unit {
	if KindOf(k) == Percent {
		return Points
	}
	return PercentChange
}
