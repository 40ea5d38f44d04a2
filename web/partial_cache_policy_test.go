package web

import (
	"fmt"
	"net/http"
	"testing"
)

// policyEntrySize is the body of the entries of the policy tests: with the fixed overhead, a cache of
// policyCacheBytes holds exactly policyCapacity of them.
const (
	policyEntrySize  = 4096
	policyCapacity   = 100
	policyCacheBytes = policyCapacity * (policyEntrySize + partialEntryOverhead + 8) // keys are 8 bytes
)

// request asks pc for key at version as cachedResponse does: answered from the cache, or computed and
// offered to it. It reports whether it was a hit.
func request(pc *partialCache, version, key string) bool {
	if _, ok := pc.get(version, key); ok {
		return true
	}
	pc.put(version, &cachedPartial{key: key, header: http.Header{}, gz: make([]byte, policyEntrySize)})
	return false
}

// policyKey is the n-th key, 8 bytes like every key of these tests.
func policyKey(n int) string { return fmt.Sprintf("k%07d", n) }

// checkBound fails when pc holds more than its bound or its size disagrees with its entries.
func checkBound(t *testing.T, pc *partialCache) {
	t.Helper()
	sum := 0
	for _, el := range pc.entries {
		sum += el.Value.(*cachedPartial).cost
	}
	if sum != pc.size || pc.size > pc.maxBytes || len(pc.entries) != pc.order.Len() {
		t.Fatalf("size %d, entries' cost %d, bound %d, %d entries, %d in the list", pc.size, sum, pc.maxBytes, len(pc.entries), pc.order.Len())
	}
}

func TestPartialCachePolicy(t *testing.T) {
	t.Run("what fits is kept and answered at its version only", func(t *testing.T) {
		pc := newPartialCache(policyCacheBytes)
		for n := range policyCapacity {
			if request(pc, "v1", policyKey(n)) {
				t.Fatalf("%s: a hit before it was stored", policyKey(n))
			}
		}
		checkBound(t, pc)
		if len(pc.entries) != policyCapacity {
			t.Fatalf("%d entries kept of %d that fit", len(pc.entries), policyCapacity)
		}
		for n := range policyCapacity {
			if !request(pc, "v1", policyKey(n)) {
				t.Errorf("%s: a miss although it fits", policyKey(n))
			}
		}
		if request(pc, "v2", policyKey(0)) {
			t.Error("answered at a new data version from the old one")
		}
		if len(pc.entries) != 1 {
			t.Errorf("a new version kept %d entries of the old one", len(pc.entries)-1)
		}
		checkBound(t, pc)
	})

	t.Run("a response larger than the bound is not kept", func(t *testing.T) {
		pc := newPartialCache(policyCacheBytes)
		if pc.put("v1", &cachedPartial{key: "big", gz: make([]byte, policyCacheBytes)}) {
			t.Error("kept")
		}
		checkBound(t, pc)
	})

	t.Run("a sweep of URLs asked for once does not evict the pages asked for again", func(t *testing.T) {
		pc := newPartialCache(policyCacheBytes)
		hot := policyCapacity * 8 / 10
		for range 3 {
			for n := range hot {
				request(pc, "v1", policyKey(n))
			}
		}
		// A crawler asks for each of many URLs once while people keep coming back to the hot pages: two
		// crawled URLs between each of their requests, more distinct URLs between two requests of a hot
		// page than fit, so plain LRU would evict every one of them.
		for n := range 20 * policyCapacity {
			request(pc, "v1", policyKey(1_000_000+n))
			if n%2 == 1 {
				if !request(pc, "v1", policyKey(n/2%hot)) && n > 2*hot {
					t.Fatalf("after %d crawled URLs: %s, asked for again and again, is not cached", n, policyKey(n/2%hot))
				}
			}
			checkBound(t, pc)
		}
		for n := range hot {
			if !request(pc, "v1", policyKey(n)) {
				t.Errorf("%s: the sweep evicted a page asked for 3 times", policyKey(n))
			}
		}
	})

	t.Run("a cycle over more URLs than fit is answered from the cache for the part that fits", func(t *testing.T) {
		// Plain LRU answers none of it: each entry is evicted just before it is asked for again.
		pc := newPartialCache(policyCacheBytes)
		urls := 3 * policyCapacity
		for n := range urls {
			request(pc, "v1", policyKey(n))
		}
		for cycle := range 5 {
			hits := 0
			for n := range urls {
				if request(pc, "v1", policyKey(n)) {
					hits++
				}
			}
			checkBound(t, pc)
			if hits < policyCapacity*9/10 {
				t.Errorf("cycle %d: %d hits of %d URLs, %d fit", cycle, hits, urls, policyCapacity)
			}
		}
	})

	t.Run("a page asked for more often than the least recently used entry takes its place", func(t *testing.T) {
		pc := newPartialCache(policyCacheBytes)
		for n := range policyCapacity {
			request(pc, "v1", policyKey(n))
		}
		newcomer := policyKey(1_000_000)
		request(pc, "v1", newcomer) // asked once, like every entry: not kept
		if _, ok := pc.entries[newcomer]; ok {
			t.Fatal("a newcomer asked for once displaced an entry asked for once")
		}
		request(pc, "v1", newcomer) // asked twice: once before this request, as the others
		if _, ok := pc.entries[newcomer]; ok {
			t.Fatal("a newcomer asked for once before displaced an entry asked for once")
		}
		request(pc, "v1", newcomer) // asked twice before: more than the least recently used entry
		if _, ok := pc.entries[newcomer]; !ok {
			t.Fatal("a newcomer asked for 3 times was not kept")
		}
		if _, ok := pc.entries[policyKey(0)]; ok {
			t.Error("the least recently used entry is still there")
		}
		if _, ok := pc.entries[policyKey(1)]; !ok {
			t.Error("more was evicted than the newcomer needed")
		}
		checkBound(t, pc)
	})
}

func TestFrequencySketch(t *testing.T) {
	t.Run("estimates are never below the count, up to the cap", func(t *testing.T) {
		s := newFrequencySketch(DefaultResponseCacheBytes) // fewer requests below than its aging period
		counts := map[uint64]int{}
		for n := range 500 {
			h := uint64(n)*0x2545f4914f6cdd1d + 7
			for range n%(sketchMaxCount+3) + 1 {
				s.add(h)
				counts[h]++
			}
		}
		total := 0
		for _, c := range counts {
			total += c
		}
		if s.added != total {
			t.Fatalf("aged during the test (%d of %d requests counted): it checks counting only", s.added, total)
		}
		for h, c := range counts {
			if got := s.estimate(h); int(got) < min(c, sketchMaxCount) {
				t.Errorf("hash %x: estimate %d, counted %d", h, got, c)
			}
		}
	})

	t.Run("counts are halved once enough requests were counted", func(t *testing.T) {
		s := newFrequencySketch(0)
		for range 8 {
			s.add(42)
		}
		if got := s.estimate(42); got != 8 {
			t.Fatalf("estimate %d, want 8", got)
		}
		for s.added < s.reset-1 { // another key's requests, up to one before the aging
			s.add(7)
		}
		if got := s.estimate(42); got != 8 {
			t.Fatalf("aged early: estimate %d", got)
		}
		s.add(7)
		if got := s.estimate(42); got != 4 {
			t.Errorf("after aging: estimate %d, want 4", got)
		}
	})

	t.Run("its size is bounded whatever the cache's bound", func(t *testing.T) {
		for _, maxBytes := range []int{0, 1 << 20, 64 << 20, 1 << 40} {
			s := newFrequencySketch(maxBytes)
			w := len(s.rows[0])
			if w < sketchMinWidth || w > sketchMaxWidth || w&(w-1) != 0 {
				t.Errorf("cache of %d bytes: %d counters per row", maxBytes, w)
			}
		}
	})
}
