// Package demo generates the deterministic synthetic dataset behind `sqpdash demo`: brands, products
// mapped to them, and a year of weekly Search Query Performance reports that look like Amazon's.
//
// The same Options always give the same data, so a demo, a test and a benchmark can be rebuilt
// anywhere. Every report is derived from its own pseudo-random stream (seed, product, week), which lets
// the reports be generated one at a time as a stream: scale 10 (about 2 million query rows) never has to
// be held in memory.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// WeeksPerDataset is how many Sunday–Saturday weeks the dataset covers: one year, what the dashboard's
// longest preset (last 52 weeks) and its year-ago comparison need to have something to show.
const WeeksPerDataset = 52

// productsPerScale calibrates Scale: products per unit of scale such that scale 1 yields about 204,000
// query rows, the dataset size the spec was written for (about 47 reported weeks per product, 10
// queries per week on average).
const productsPerScale = 430

// MaxScale bounds Scale so that a typo cannot fill a disk: scale 100 is about 20 million query rows.
const MaxScale = 100

// Options choose the dataset. The zero Seed is a valid seed.
type Options struct {
	// Scale multiplies the dataset size: 1 is about 204,000 query rows, 10 about 2 million.
	Scale float64
	// Seed selects one of many equally realistic datasets.
	Seed uint64
	// Reference is "today": the data ends with the last full Sunday–Saturday week before this date.
	Reference time.Time
}

// Brand is a brand of the dataset, as stored in public.brands.
type Brand struct {
	Name        string // brand_name: a stable key, lower case
	DisplayName string
	Active      bool
}

// Counts say how big a dataset is, known before any report is generated (progress needs the total).
type Counts struct {
	Brands    int
	Products  int
	Weeks     int
	ASINWeeks int // weekly reports, rows of sqp.asin_performance_data
	QueryRows int // rows of sqp.search_query_performance
}

// Dataset is a planned dataset: brands, products and which weeks each product reports, with the
// reports themselves generated on demand by Reports.
type Dataset struct {
	opts      Options
	weeks     []time.Time // week starts (Sundays), oldest first
	brands    []brandPlan
	products  []productPlan
	asinWeeks int
	queryRows int
}

type brandPlan struct {
	Brand
	category int
}

// productPlan is everything about a product that stays the same from week to week.
type productPlan struct {
	index    int
	asin     string
	title    string
	brand    int
	active   bool
	cents    int64 // list price
	weeks    []plannedWeek
	queries  []queryPlan
	launchAt int // index of the first reported week
}

// plannedWeek is one reported week of a product: which week, how many queries, whether on promotion.
type plannedWeek struct {
	week    int
	queries int
	promo   bool
}

// queryPlan is one search query a product can show up for, with its typical size and the product's
// typical share of it.
type queryPlan struct {
	text   string
	volume float64 // typical weekly search volume
	share  float64 // typical share of impressions, 0..maxShare
	weight float64 // how often the query is among the product's reported ones
}

// Bounds of the generated funnel: every market count is this fraction of the stage before it, and every
// ASIN count at most maxShare of the market's count.
const (
	minCTR, maxCTR           = 0.01, 0.05
	minCartRate, maxCartRate = 0.10, 0.40
	minBuyRate, maxBuyRate   = 0.20, 0.60
	maxShare                 = 0.30
	minQueries, maxQueries   = 6, 14
)

// New plans the dataset for opts: brands, products, weeks and the number of rows, without generating
// any report yet.
func New(opts Options) (*Dataset, error) {
	if !(opts.Scale > 0) || opts.Scale > MaxScale || math.IsInf(opts.Scale, 0) {
		return nil, fmt.Errorf("demo scale %v: want a number above 0 and at most %d", opts.Scale, MaxScale)
	}
	if opts.Reference.IsZero() {
		return nil, fmt.Errorf("demo reference date: not set")
	}
	d := &Dataset{opts: opts, weeks: weekStarts(opts.Reference, WeeksPerDataset)}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x62726164))
	d.planBrands(rng)
	if err := d.planProducts(rng); err != nil {
		return nil, err
	}
	for i := range d.products {
		d.asinWeeks += len(d.products[i].weeks)
		for _, w := range d.products[i].weeks {
			d.queryRows += w.queries
		}
	}
	return d, nil
}

// weekStarts returns the Sundays of the n weeks that end with the last full week before ref: a week is
// full once its Saturday is over, so on a Saturday the current week does not count yet.
func weekStarts(ref time.Time, n int) []time.Time {
	day := time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, time.UTC)
	lastEnd := day.AddDate(0, 0, -(int(day.Weekday()) + 1))
	first := lastEnd.AddDate(0, 0, -6-7*(n-1))
	weeks := make([]time.Time, n)
	for i := range weeks {
		weeks[i] = first.AddDate(0, 0, 7*i)
	}
	return weeks
}

// planBrands chooses the brands: the hand-written ones first, then composed names for larger scales.
// The last brand is inactive, so that the dashboard's "active brands only" rule has something to hide.
func (d *Dataset) planBrands(rng *rand.Rand) {
	n := int(math.Round(8 * math.Sqrt(d.opts.Scale)))
	n = max(6, min(n, len(brandSeeds)+len(brandPrefixes)*len(brandSuffixes)))
	for i := range n {
		var b brandPlan
		if i < len(brandSeeds) {
			s := brandSeeds[i]
			b = brandPlan{Brand: Brand{Name: s.name, DisplayName: s.displayName}, category: s.category}
		} else {
			j := i - len(brandSeeds)
			display := brandPrefixes[j%len(brandPrefixes)] + " " + brandSuffixes[j/len(brandPrefixes)]
			b = brandPlan{Brand: Brand{Name: slug(display), DisplayName: display}, category: rng.IntN(len(categories))}
		}
		b.Active = i != n-1
		d.brands = append(d.brands, b)
	}
}

// planProducts creates the products: each brand gets at least three, the rest are spread unevenly (real
// catalogues are), a few launch late, a few miss weeks, and a few mappings are inactive.
func (d *Dataset) planProducts(rng *rand.Rand) error {
	n := max(int(math.Round(d.opts.Scale*productsPerScale)), 3*len(d.brands))
	weights := make([]float64, len(d.brands))
	var total float64
	for i := range weights {
		weights[i] = 1 + float64((i*7)%5)
		total += weights[i]
	}
	seen := make(map[string]bool, n)
	for i := range n {
		brand := i % len(d.brands)
		if i >= 3*len(d.brands) {
			brand = pickWeighted(rng, weights, total)
		}
		asin := newASIN(rng)
		for seen[asin] {
			asin = newASIN(rng)
		}
		seen[asin] = true
		d.products = append(d.products, d.planProduct(i, asin, brand))
	}
	// A few inactive mappings, among products of active brands: 3%, and at least two.
	inactive := max(2, n*3/100)
	for _, i := range rng.Perm(n) {
		if inactive == 0 {
			break
		}
		if d.brands[d.products[i].brand].Active {
			d.products[i].active = false
			inactive--
		}
	}
	if inactive > 0 {
		return fmt.Errorf("demo plan: too few products (%d) for the inactive mappings", n)
	}
	return nil
}

// planProduct fixes one product's title, price, query pool and reported weeks. It draws from its own
// stream so that a product does not change when products before it do.
func (d *Dataset) planProduct(index int, asin string, brand int) productPlan {
	rng := d.stream(uint64(index), 0)
	b := d.brands[brand]
	cat := categories[b.category]
	noun := cat.nouns[rng.IntN(len(cat.nouns))]
	attr := cat.attributes[rng.IntN(len(cat.attributes))]
	p := productPlan{
		index:  index,
		asin:   asin,
		brand:  brand,
		active: true,
		title: fmt.Sprintf("%s %s %s, %s, %s", b.DisplayName, titleCase(attr), titleCase(noun),
			cat.features[rng.IntN(len(cat.features))], titleVariants[rng.IntN(len(titleVariants))]),
		cents: priceCents(rng, cat),
	}
	p.queries = planQueries(rng, cat, noun, attr, strings.ToLower(b.DisplayName))

	// 15% launch during the year; 5% have a gap of 2-6 weeks; any week is missing with 3% chance.
	if rng.Float64() < 0.15 {
		p.launchAt = 4 + rng.IntN(WeeksPerDataset-12)
	}
	gapFrom, gapLen := -1, 0
	if rng.Float64() < 0.05 {
		gapFrom, gapLen = p.launchAt+rng.IntN(WeeksPerDataset-p.launchAt), 2+rng.IntN(5)
	}
	for w := p.launchAt; w < WeeksPerDataset; w++ {
		missing := rng.Float64() < 0.03 || (w >= gapFrom && w < gapFrom+gapLen)
		queries := minQueries + rng.IntN(maxQueries-minQueries+1)
		promo := rng.Float64() < 0.1
		if !missing {
			p.weeks = append(p.weeks, plannedWeek{week: w, queries: queries, promo: promo})
		}
	}
	return p
}

// planQueries builds the searches a product is found by: generic category searches (big, low share),
// specific ones (smaller, higher share), searches for neighbouring products and the brand's own name
// (small, high share).
func planQueries(rng *rand.Rand, cat category, noun, attr, brand string) []queryPlan {
	type kind struct {
		logVolume, minShare, maxShare, weight float64
	}
	var (
		generic  = kind{8.5, 0.00, 0.06, 3}
		specific = kind{7.0, 0.02, 0.15, 1.5}
		branded  = kind{5.5, 0.15, maxShare, 2}
		neighbor = kind{8.0, 0.00, 0.03, 0.7}
	)
	pick := func(words []string) string { return words[rng.IntN(len(words))] }
	var pool []queryPlan
	seen := map[string]bool{}
	add := func(text string, k kind) {
		if seen[text] {
			return
		}
		seen[text] = true
		vol := math.Exp(k.logVolume + 1.1*rng.NormFloat64())
		pool = append(pool, queryPlan{
			text:   text,
			volume: min(max(vol, 30), 600000),
			share:  k.minShare + rng.Float64()*(k.maxShare-k.minShare),
			weight: k.weight,
		})
	}
	add(noun, generic)
	add("best "+noun, generic)
	add(attr+" "+noun, specific)
	add(brand+" "+noun, branded)
	add(brand, branded)
	for len(pool) < 18 {
		switch rng.IntN(5) {
		case 0:
			add(pick(cat.attributes)+" "+noun, specific)
		case 1:
			add(noun+" "+pick(cat.qualifiers), specific)
		case 2:
			add(pick(cat.attributes)+" "+noun+" "+pick(cat.qualifiers), specific)
		case 3:
			add(pick(cat.nouns), neighbor)
		default:
			add(pick(cat.attributes)+" "+pick(cat.nouns), neighbor)
		}
	}
	return pool
}

// Counts returns the size of the dataset.
func (d *Dataset) Counts() Counts {
	return Counts{
		Brands:    len(d.brands),
		Products:  len(d.products),
		Weeks:     len(d.weeks),
		ASINWeeks: d.asinWeeks,
		QueryRows: d.queryRows,
	}
}

// Weeks returns the Sundays the dataset covers, oldest first.
func (d *Dataset) Weeks() []time.Time { return append([]time.Time(nil), d.weeks...) }

// Brands returns every brand, the inactive one included.
func (d *Dataset) Brands() []Brand {
	out := make([]Brand, len(d.brands))
	for i, b := range d.brands {
		out[i] = b.Brand
	}
	return out
}

// Mappings returns one brand mapping per product, as a brand-mapping CSV import would give them.
func (d *Dataset) Mappings() []sqp.BrandMapping {
	out := make([]sqp.BrandMapping, len(d.products))
	for i, p := range d.products {
		out[i] = sqp.BrandMapping{ASIN: p.asin, Brand: d.brands[p.brand].Name, ProductTitle: p.title, Active: p.active}
	}
	return out
}

// stream returns the pseudo-random stream of one product (week 0) or of one product's week (week+1).
func (d *Dataset) stream(product, week uint64) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix(d.opts.Seed^splitmix(product+1)), splitmix(week+0x9e37)))
}

// splitmix scrambles a counter into a well-spread 64-bit seed (SplitMix64's finaliser).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func pickWeighted(rng *rand.Rand, weights []float64, total float64) int {
	r := rng.Float64() * total
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// newASIN returns an ASIN in Amazon's shape for non-book products: "B0" and eight letters or digits.
func newASIN(rng *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := []byte("B0________")
	for i := 2; i < len(b); i++ {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// priceCents draws a list price in the category's band, log-uniformly, ending in .99 as shop prices do.
func priceCents(rng *rand.Rand, cat category) int64 {
	lo, hi := math.Log(float64(cat.minCents)), math.Log(float64(cat.maxCents))
	dollars := int64(math.Exp(lo+rng.Float64()*(hi-lo))) / 100
	return max(dollars, 1)*100 - 1
}

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('_')
		}
	}
	return b.String()
}
