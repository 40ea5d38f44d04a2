package metrics

// The funnel diagnosis names the step of impressions -> clicks -> cart adds -> purchases where the brand
// (or one product) loses most against the market of the same search queries. It compares the brand's four
// shares, which all have the market as denominator: the ratio of two consecutive shares is the brand's rate
// at that step divided by the market's (click share / impression share = brand CTR / market CTR), so a
// ratio below 1 means the brand passes fewer of its own shoppers on than the market does.
//
// The rule, in this order:
//
//  1. Too little data: the market had fewer than MinMarketImpressions impressions.
//  2. A step is judged only when, at the market's rate, the brand would have reached at least
//     MinExpectedCount events of that step: for the listing step clicks = impression share x market clicks,
//     for the conversion step cart adds = click share x market cart adds (purchases = click share x market
//     purchases for the purchase ratio). Fewer expected events say nothing about a rate.
//  3. listing ratio = click share / impression share; conversion ratio = the lower of cart-add share /
//     click share and purchase share / click share (those that can be judged). The lower of the two
//     ratios, if below LeakRatio, is the leak: Listing (listing, price, badge: shoppers see the brand but
//     click others) or Conversion (offer, price, delivery: shoppers click but buy elsewhere). On a tie the
//     earlier step wins. A leak after the impression is named first because whatever visibility the brand
//     buys leaks there too.
//  4. Otherwise, when the impression share is below VisibilityShare: Visibility (the brand converts about
//     as well as the market once seen, or is seen too rarely for its rates to be judged at all).
//  5. Otherwise, when neither step can be judged: too little data.
//  6. Otherwise None: no step is well below the market.

// Diagnosis thresholds. They are deliberately round, documented numbers (docs/diagnosis.md) rather than
// fitted ones: a label must be explainable from the numbers shown beside it.
const (
	// MinMarketImpressions is the least number of market impressions a diagnosis needs.
	MinMarketImpressions = 1000
	// MinExpectedCount is the least number of events the brand would have had at a step at the market's
	// rate for the step to be judged.
	MinExpectedCount = 10
	// LeakRatio is the ratio of consecutive shares below which a step is "well below" the previous one:
	// the brand's rate at that step is less than 80% of the market's.
	LeakRatio = 0.8
	// VisibilityShare is the impression share (in %) below which a brand without a listing or conversion
	// leak is diagnosed as not visible enough.
	VisibilityShare = 10.0
)

// Leak is the label of a funnel diagnosis.
type Leak string

// Funnel diagnosis labels.
const (
	LeakNone       Leak = "none"
	LeakVisibility Leak = "visibility"
	LeakListing    Leak = "listing"
	LeakConversion Leak = "conversion"
	// LeakUnknown means too little data for a label.
	LeakUnknown Leak = "insufficient"
)

// LeakLabel is the short on-screen name of a diagnosis label.
func LeakLabel(l Leak) string {
	switch l {
	case LeakNone:
		return "No leak"
	case LeakVisibility:
		return "Visibility"
	case LeakListing:
		return "Listing"
	case LeakConversion:
		return "Conversion"
	}
	return "Too little data"
}

// DiagnosisDefinition is the one-line definition of the diagnosis, for the glossary and header titles.
const DiagnosisDefinition = "Funnel diagnosis: the step where the brand loses most against the market. " +
	"Listing = click share below 80% of impression share; Conversion = cart-add or purchase share below 80% of click share " +
	"(the lower ratio wins); otherwise Visibility = impression share below 10%. " +
	"Needs at least 1,000 market impressions; a step is judged only if the brand would have had 10 clicks (cart adds, purchases) at the market's rate."

// Diagnosis is the outcome of Diagnose with the numbers that led to it.
type Diagnosis struct {
	Leak Leak
	// The brand's four shares in %, as Counts.Get gives them.
	ImpressionShare, ClickShare, CartAddShare, PurchaseShare Value
	// ListingRatio is click share / impression share; undefined when the step cannot be judged.
	ListingRatio Value
	// ConversionRatio is the lower of cart-add share / click share and purchase share / click share;
	// ConversionStep says which (CartAddShare or PurchaseShare). Undefined when neither can be judged.
	ConversionRatio Value
	ConversionStep  Key
}

// Diagnose applies the funnel diagnosis to c: a brand's (or product's) counts with the market totals of
// the same query-weeks.
func Diagnose(c Counts) Diagnosis {
	d := Diagnosis{
		Leak:            LeakUnknown,
		ImpressionShare: c.Get(ImpressionShare),
		ClickShare:      c.Get(ClickShare),
		CartAddShare:    c.Get(CartAddShare),
		PurchaseShare:   c.Get(PurchaseShare),
	}
	if c.TotalImpressions < MinMarketImpressions {
		return d
	}
	// Ratios of shares are computed as one division of products of counts, (b1 x m0) / (b0 x m1), so a
	// ratio that is exactly 0.8 on paper is 0.8 here too and the thresholds cut where the docs say.
	f := func(n int64) float64 { return float64(n) }
	bi, mi, bc, mc := f(c.ASINImpressions), f(c.TotalImpressions), f(c.ASINClicks), f(c.TotalClicks)
	// Expected events at the market's rate: the previous share times the market count of the step,
	// compared without dividing: (b0 / m0) x m1 >= MinExpectedCount.
	if bi*mc >= MinExpectedCount*mi && mc > 0 {
		d.ListingRatio = Known(bc * mi / (bi * mc))
	}
	if mc > 0 {
		for _, s := range []struct {
			k          Key
			brand, mkt int64
		}{{CartAddShare, c.ASINCartAdds, c.TotalCartAdds}, {PurchaseShare, c.ASINPurchases, c.TotalPurchases}} {
			b1, m1 := f(s.brand), f(s.mkt)
			if bc*m1 < MinExpectedCount*mc || m1 == 0 {
				continue
			}
			r := b1 * mc / (bc * m1)
			if !d.ConversionRatio.OK || r < d.ConversionRatio.V {
				d.ConversionRatio, d.ConversionStep = Known(r), s.k
			}
		}
	}
	switch {
	case d.ListingRatio.OK && d.ListingRatio.V < LeakRatio && (!d.ConversionRatio.OK || d.ListingRatio.V <= d.ConversionRatio.V):
		d.Leak = LeakListing
	case d.ConversionRatio.OK && d.ConversionRatio.V < LeakRatio:
		d.Leak = LeakConversion
	case bi*100 < VisibilityShare*mi:
		d.Leak = LeakVisibility
	case !d.ListingRatio.OK && !d.ConversionRatio.OK:
		// LeakUnknown
	default:
		d.Leak = LeakNone
	}
	return d
}
