package web

import "math/bits"

// Bounds of the frequency sketch the response cache admits by (partialCache).
const (
	// sketchBytesPerCounter sizes the sketch from the cache's bound: one counter per row for every 2 KB
	// of cache, several times the entries it can hold (a typical entry is 5-25 KB), so that collisions
	// rarely inflate an estimate.
	sketchBytesPerCounter = 2 << 10
	// sketchMinWidth and sketchMaxWidth bound the counters per row: 4 rows of 1 byte each, so at most
	// 4 MB whatever the cache's size.
	sketchMinWidth = 1 << 10
	sketchMaxWidth = 1 << 20
	// sketchMaxCount caps each counter: only the order of small counts matters for admission, and a
	// low cap lets the aging forget a page that was popular long ago in a few periods.
	sketchMaxCount = 15
	// sketchAgingFactor sets how many requests are counted (per counter of a row) before every count
	// is halved, so that the sketch follows what is asked for now: about 10 requests per entry the
	// cache can hold, and on average 2 per counter, so that collisions rarely decide an admission.
	sketchAgingFactor = 2
)

// frequencySketch estimates how often each key was asked for recently: a count-min sketch (4 rows of
// counters, the estimate is the smallest of a key's 4 counters, never below the true count) whose counts
// are halved every sketchAgingFactor × width additions. Its size is fixed when it is made, so no
// sequence of requests can grow it. It is not safe for concurrent use: partialCache holds its lock.
type frequencySketch struct {
	rows  [4][]uint8
	shift uint // 64 - log2(width): index keeps a product's top bits
	added int
	reset int
}

// newFrequencySketch returns a sketch sized for a cache of maxBytes.
func newFrequencySketch(maxBytes int) *frequencySketch {
	// The next power of two at or above one counter per sketchBytesPerCounter, within the bounds; shift
	// keeps log2(width) top bits.
	width, shift := sketchMinWidth, uint(64-bits.TrailingZeros64(sketchMinWidth))
	for width < maxBytes/sketchBytesPerCounter && width < sketchMaxWidth {
		width, shift = width*2, shift-1
	}
	s := &frequencySketch{shift: shift, reset: sketchAgingFactor * width}
	for i := range s.rows {
		s.rows[i] = make([]uint8, width)
	}
	return s
}

// sketchSalts make the 4 rows' indexes of one hash independent of each other.
var sketchSalts = [4]uint64{0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb, 0xd6e8feb86659fd93}

// index returns the counter of hash h in row i: the top bits of h mixed with the row's salt
// (multiplicative hashing).
func (s *frequencySketch) index(h uint64, i int) uint64 {
	return ((h ^ sketchSalts[i]) * 0x9e3779b97f4a7c15) >> s.shift
}

// add counts one request of the key hashed to h.
func (s *frequencySketch) add(h uint64) {
	for i := range s.rows {
		if c := &s.rows[i][s.index(h, i)]; *c < sketchMaxCount {
			*c++
		}
	}
	s.added++
	if s.added >= s.reset {
		s.age()
	}
}

// estimate returns how often the key hashed to h was asked for (aged), never less than the truth.
func (s *frequencySketch) estimate(h uint64) uint8 {
	est := uint8(sketchMaxCount)
	for i := range s.rows {
		est = min(est, s.rows[i][s.index(h, i)])
	}
	return est
}

// age halves every count.
func (s *frequencySketch) age() {
	for i := range s.rows {
		for j := range s.rows[i] {
			s.rows[i][j] /= 2
		}
	}
	s.added /= 2
}
