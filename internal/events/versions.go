package events

import (
	"context"
	"sync"
)

// VersionReader reads the current data version (postgres.DB.DataVersion) from one database server.
type VersionReader interface {
	DataVersion(ctx context.Context) (string, error)
}

// VersionCache answers DataVersion without a database round trip while that is safe, and reads through to
// its VersionReader otherwise. It trusts the version it read only while the listener is up and that
// version is at least the newest one notified; any other time (listener down, a notification of a newer
// version, a reader that has not caught up yet such as a lagging replica) every call reads again. Give each
// server that pages are read from its own VersionCache, fed by the one listener on the primary.
type VersionCache struct {
	src VersionReader

	mu      sync.Mutex
	up      bool
	gen     uint64 // bumped by every connection and disconnection
	newest  Version
	cached  string
	cachedV Version
	trusted bool
}

// NewVersionCache returns a cache over src that trusts nothing until the listener connects.
func NewVersionCache(src VersionReader) *VersionCache { return &VersionCache{src: src} }

// DataVersion returns the cached version when it can be trusted, and otherwise reads one (and keeps it
// when it is at least the newest notified and nothing happened while it was read).
func (c *VersionCache) DataVersion(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.trusted {
		v := c.cached
		c.mu.Unlock()
		return v, nil
	}
	gen, up := c.gen, c.up
	c.mu.Unlock()
	v, err := c.src.DataVersion(ctx)
	if err != nil || !up {
		return v, err
	}
	parsed, perr := ParseVersion(v)
	if perr != nil {
		return v, nil
	}
	c.mu.Lock()
	if c.gen == gen && c.up && parsed.AtLeast(c.newest) {
		c.cached, c.cachedV, c.trusted = v, parsed, true
	}
	c.mu.Unlock()
	return v, nil
}

// Connected implements Subscriber: the next read is kept.
func (c *VersionCache) Connected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up, c.trusted, c.newest = true, false, Version{}
	c.gen++
}

// Disconnected implements Subscriber: read per call until the listener is back.
func (c *VersionCache) Disconnected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up, c.trusted = false, false
	c.gen++
}

// Event implements Subscriber: a data event newer than the cached version makes the next call read.
func (c *VersionCache) Event(e Event) {
	if e.Kind != KindData {
		return
	}
	v, err := ParseVersion(e.Version)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	newest := c.newest.Max(v)
	if newest == c.newest {
		return
	}
	c.newest = newest
	if c.trusted && c.cachedV.AtLeast(newest) {
		return // this process read it already
	}
	c.trusted = false
}
