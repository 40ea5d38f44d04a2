package metrics

// Part is a count and the whole it is a part of.
type Part struct {
	N, Of int64
}

// Add returns the sum of two parts.
func (p Part) Add(o Part) Part { return Part{N: p.N + o.N, Of: p.Of + o.Of} }

// Share is N / Of in %, rounded to 2 decimals like every share; undefined when Of is 0.
func (p Part) Share() Value {
	v := percent(p.N, p.Of)
	if v.OK {
		v.V = round2(v.V)
	}
	return v
}

// Speeds are the market's counts of one funnel step by delivery speed. Each Part's whole is the step's
// market count over the rows (query-weeks) that report that speed: Amazon leaves the speeds out of some
// reports, and a row without them must not count as "no fast delivery".
type Speeds struct {
	SameDay, OneDay, TwoDay Part
}

// Add returns the sum of two sets of speed counts.
func (s Speeds) Add(o Speeds) Speeds {
	return Speeds{SameDay: s.SameDay.Add(o.SameDay), OneDay: s.OneDay.Add(o.OneDay), TwoDay: s.TwoDay.Add(o.TwoDay)}
}

// Shipping is the market's delivery speeds at the clicks, cart adds and purchases steps: the
// shipping-speed share is, e.g., the market's same-day clicks / the market's clicks, in %.
type Shipping struct {
	Clicks, CartAdds, Purchases Speeds
}

// Add returns the sum of two shipping figures.
func (s Shipping) Add(o Shipping) Shipping {
	return Shipping{Clicks: s.Clicks.Add(o.Clicks), CartAdds: s.CartAdds.Add(o.CartAdds), Purchases: s.Purchases.Add(o.Purchases)}
}
