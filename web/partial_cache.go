package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// DataVersionStore names the current state of the data the dashboard reads (postgres.DB.DataVersion):
// two requests answered at the same version would compute the same response.
type DataVersionStore interface {
	DataVersion(ctx context.Context) (string, error)
}

// dataVersionKey is the request context's key of the data version the request was answered at.
type dataVersionKey struct{}

// withDataVersion records in ctx the data version a response is being computed at.
func withDataVersion(ctx context.Context, version string) context.Context {
	return context.WithValue(ctx, dataVersionKey{}, version)
}

// dataVersion returns the data version of the request: the one cachedResponse read, or a fresh read when
// the response is not cached. Whatever the handler caches by version then agrees with the response cache.
func (s *Server) dataVersion(ctx context.Context) (string, error) {
	if v, ok := ctx.Value(dataVersionKey{}).(string); ok {
		return v, nil
	}
	return s.versions.DataVersion(ctx)
}

// DefaultResponseCacheBytes is the default bound of the response cache (`serve --response-cache-mb`):
// the compressed responses, their keys and headers and a fixed overhead per entry. Measured at scale 25
// (docs/performance.md, "The response cache at scale 50"), gzip entries are 8 KB for an expansion,
// 25 KB for a brand page or a query view, 46 KB for a product page and 30 KB on average (up to 146 KB)
// for a query page: the 1,183 URLs `make bench` cycles over there take 26.8 MB, about 41 MB at scale 50.
// 64 MB holds that with room, where 16 MB thrashed.
const DefaultResponseCacheBytes = 64 << 20

// partialEntryOverhead is what one entry costs besides its key, headers and body (the list element, the
// map slot, the struct, the header map's buckets), counted so that many small entries cannot exceed the
// bound either.
const partialEntryOverhead = 512

// partialCache keeps recently rendered responses (the expansion partial, the brand and product pages,
// the query views), gzip-compressed, for as long as the data version they were computed at is current.
// Expanding a product row reads the view and the base tables and renders a large table; the same user
// asking for the same row or page again (back and forward, a second tab, a reload) gets the stored bytes
// for one version lookup. A new version (any change to brands, mappings or reports, or a successful
// refresh) empties it. Entries are per user, so what one user may see is never served to another; only
// signed-in users' requests reach it (partialKey), so a visitor who is not signed in cannot fill it.
//
// Eviction is least recently used, but admission is by frequency (TinyLFU): once the cache is full, a
// new response displaces the least recently used entries only if its URL was asked for more often than
// each of them (freq, a small count-min sketch that ages). A sweep over more URLs than fit (a crawler,
// someone paging through every product, a benchmark cycling over a thousand URLs) then no longer evicts
// the pages people come back to, and a cycle larger than the cache is answered from the cache for the
// share that fits instead of never (plain LRU evicts each entry just before it is asked for again).
type partialCache struct {
	mu       sync.Mutex
	version  string
	maxBytes int
	size     int
	order    *list.List // of *cachedPartial, most recently used first
	entries  map[string]*list.Element
	freq     *frequencySketch
	seed     maphash.Seed
}

// cachedPartial is one stored response: the headers its handler set and its gzip-compressed body.
type cachedPartial struct {
	key    string
	header http.Header
	gz     []byte
	// hash is the key's hash in the frequency sketch; cost what the entry counts against maxBytes.
	hash uint64
	cost int
}

func newPartialCache(maxBytes int) *partialCache {
	return &partialCache{maxBytes: maxBytes, order: list.New(), entries: map[string]*list.Element{},
		freq: newFrequencySketch(maxBytes), seed: maphash.MakeSeed()}
}

// get returns the response stored for key at version, and counts the request in the frequency sketch
// whether or not it is stored.
func (pc *partialCache) get(version, key string) (*cachedPartial, bool) {
	h := maphash.String(pc.seed, key)
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.freq.add(h)
	if version != pc.version {
		return nil, false
	}
	el, ok := pc.entries[key]
	if !ok {
		return nil, false
	}
	pc.order.MoveToFront(el)
	return el.Value.(*cachedPartial), true
}

// put stores e as computed at version, dropping everything of an older version. When e does not fit, it
// replaces the least recently used entries only if it was asked for more often than each of them;
// otherwise it is not kept (partialCache). It reports whether e was kept.
func (pc *partialCache) put(version string, e *cachedPartial) bool {
	e.hash = maphash.String(pc.seed, e.key)
	e.cost = partialEntryOverhead + len(e.key) + len(e.gz)
	for k, vs := range e.header {
		e.cost += len(k)
		for _, v := range vs {
			e.cost += len(v)
		}
	}
	if e.cost > pc.maxBytes {
		return false
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if version != pc.version {
		pc.order.Init()
		clear(pc.entries)
		pc.size = 0
		pc.version = version
	}
	if old, ok := pc.entries[e.key]; ok {
		pc.size -= old.Value.(*cachedPartial).cost
		pc.order.Remove(old)
		delete(pc.entries, e.key)
	}
	if !pc.admit(e) {
		return false
	}
	for pc.size+e.cost > pc.maxBytes {
		last := pc.order.Back()
		victim := last.Value.(*cachedPartial)
		pc.order.Remove(last)
		delete(pc.entries, victim.key)
		pc.size -= victim.cost
	}
	pc.entries[e.key] = pc.order.PushFront(e)
	pc.size += e.cost
	return true
}

// admit reports whether e may take the place of the least recently used entries it needs room from: it
// fits as it is, or it was asked for more often than every one of them. e's count includes the request
// being answered and theirs do not include their next one, so e's requests before this one are compared:
// otherwise, in a cycle over more URLs than fit, each evicted entry would come back one request ahead of
// the next least recently used one and evict it in turn, and every cycle would miss from there on. Ties
// keep what is stored, so such a cycle keeps a stable part of its URLs.
func (pc *partialCache) admit(e *cachedPartial) bool {
	need := pc.size + e.cost - pc.maxBytes
	if need <= 0 {
		return true
	}
	before := int(pc.freq.estimate(e.hash)) - 1
	for el := pc.order.Back(); el != nil && need > 0; el = el.Prev() {
		victim := el.Value.(*cachedPartial)
		if int(pc.freq.estimate(victim.hash)) >= before {
			return false
		}
		need -= victim.cost
	}
	return need <= 0
}

// partialKey identifies a response: the user with their role and brands, the URL, the htmx headers the handlers read and, for a
// response that embeds the CSRF token (a full page's layout), that token (one per session). ok is false
// when the response must not be shared: no signed-in user, or a page without a token.
func partialKey(c echo.Context, embedsCSRF bool) (string, bool) {
	u, ok := UserFrom(c.Request().Context())
	if !ok {
		return "", false
	}
	var token string
	if embedsCSRF {
		token = CSRFToken(c)
		if token == "" {
			return "", false
		}
	}
	h := c.Request().Header
	// The role and the granted brands are read with the session on every request, not versioned: a
	// change to them (the admin link, the brand switcher) must change the key.
	return strings.Join([]string{u.ID, string(u.Role), strings.Join(u.BrandIDs, ","), token, c.Request().RequestURI,
		h.Get(hxRequest), h.Get(hxCurrentURL), h.Get(hxHistoryRestore), h.Get(hxTarget)}, "\x00"), true
}

// cachedResponse answers from the cache when the same request was answered at the current data version,
// and otherwise runs build and keeps its response if it is a 200. embedsCSRF says whether the response
// can carry the CSRF token. Without a version store (tests of handlers alone) it just runs build.
func (s *Server) cachedResponse(c echo.Context, embedsCSRF bool, build echo.HandlerFunc) error {
	if s.partials == nil || s.versions == nil {
		return build(c)
	}
	key, ok := partialKey(c, embedsCSRF)
	if !ok {
		return build(c)
	}
	version, err := s.versions.DataVersion(c.Request().Context())
	if err != nil {
		return err
	}
	if e, ok := s.partials.get(version, key); ok {
		return e.write(c)
	}
	// The handler's own version lookups (the newest-week cache) use this one: a miss reads it once.
	c.SetRequest(c.Request().WithContext(withDataVersion(c.Request().Context(), version)))
	rec, err := record(c, build)
	if err != nil {
		return err
	}
	if rec.status != http.StatusOK {
		return rec.replay(c)
	}
	e, err := rec.compress(key)
	if err != nil {
		return fmt.Errorf("compress %s: %w", c.Path(), err)
	}
	s.partials.put(version, e)
	if !acceptsGzip(c.Request()) {
		// The plain body is at hand: sent as it is rather than decompressed from what was just compressed.
		c.Response().Header().Add("Vary", "Accept-Encoding")
		return rec.replay(c)
	}
	return e.write(c)
}

// record runs build against a response of its own and returns what it wrote.
func record(c echo.Context, build echo.HandlerFunc) (*recorder, error) {
	orig := c.Response()
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	c.SetResponse(echo.NewResponse(rec, c.Echo()))
	err := build(c)
	c.SetResponse(orig)
	return rec, err
}

// gzipWriters are the compressors of cache misses, reused: a new gzip.Writer allocates and clears about
// 1 MB of state, which was 8% of the server's CPU per uncached expansion (docs/performance.md, "The cold
// expansion").
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return zw
}}

// compress turns a recorded 200 into a cache entry.
func (r *recorder) compress(key string) (*cachedPartial, error) {
	var gz bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&gz)
	if _, err := zw.Write(r.body.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &cachedPartial{key: key, header: r.header, gz: bytes.Clone(gz.Bytes())}, nil
}

// replay sends a recorded response that is not cached (not a 200) as it was written.
func (r *recorder) replay(c echo.Context) error {
	h := c.Response().Header()
	for k, vs := range r.header {
		h[k] = append(h[k], vs...)
	}
	c.Response().WriteHeader(r.status)
	_, err := c.Response().Write(r.body.Bytes())
	return err
}

// write sends the stored response: compressed to a client that accepts gzip, plain otherwise.
func (e *cachedPartial) write(c echo.Context) error {
	h := c.Response().Header()
	for k, vs := range e.header {
		if k == "Content-Length" {
			continue
		}
		h[k] = append(h[k], vs...)
	}
	h.Add("Vary", "Accept-Encoding")
	if !acceptsGzip(c.Request()) {
		zr, err := gzip.NewReader(bytes.NewReader(e.gz))
		if err != nil {
			return fmt.Errorf("decompress cached %s: %w", c.Path(), err)
		}
		c.Response().WriteHeader(http.StatusOK)
		_, err = io.Copy(c.Response(), zr)
		return err
	}
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(len(e.gz)))
	c.Response().WriteHeader(http.StatusOK)
	_, err := c.Response().Write(e.gz)
	return err
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// recorder is the http.ResponseWriter a cached handler writes to.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }
