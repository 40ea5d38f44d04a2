package auth

import (
	"container/list"
	"sync"
	"time"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/events"
)

// Defaults of NewSessionCache.
const (
	// DefaultSessionCacheTTL is how long a session read from the database is reused. Revocation does not
	// wait for it: every process drops a revoked session when the notification arrives (milliseconds),
	// and stops using the cache at all while it cannot hear notifications. The TTL only bounds how long
	// an entry lives if that machinery failed silently.
	DefaultSessionCacheTTL = 5 * time.Second
	// DefaultSessionCacheSize bounds the sessions kept; beyond it the least recently used go.
	DefaultSessionCacheSize = 10_000
)

// SessionCache keeps recently authenticated sessions in the process, so a signed-in request costs no
// database round trip. It holds only sessions that were valid when read, with their active user: a
// stranger's made-up tokens always go to the database and never grow it. It is trusted only while the
// event listener is up (events.Subscriber): a disconnection empties it and turns it off until the
// listener is back; a session or user event drops that user's sessions.
type SessionCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	up      bool
	gen     uint64 // bumped by every drop, so a read that raced one is not kept
	order   *list.List
	entries map[[32]byte]*list.Element
}

// cachedSession is one entry: the session and its user as read at time read.
type cachedSession struct {
	key     [32]byte
	session account.Session
	user    account.User
	read    time.Time
}

// NewSessionCache returns an empty cache keeping sessions for ttl, at most size of them; zero values take
// the defaults. It is off until its listener connects.
func NewSessionCache(ttl time.Duration, size int) *SessionCache {
	if ttl <= 0 {
		ttl = DefaultSessionCacheTTL
	}
	if size <= 0 {
		size = DefaultSessionCacheSize
	}
	return &SessionCache{ttl: ttl, max: size, order: list.New(), entries: map[[32]byte]*list.Element{}}
}

// get returns the session with this token hash and its user when they were read less than ttl ago and
// the cache is on.
func (c *SessionCache) get(hash []byte, now time.Time) (account.Session, account.User, bool) {
	key := [32]byte(hash)
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok || !c.up {
		return account.Session{}, account.User{}, false
	}
	e := el.Value.(*cachedSession)
	if now.Sub(e.read) >= c.ttl || now.Before(e.read) {
		c.drop(el)
		return account.Session{}, account.User{}, false
	}
	c.order.MoveToFront(el)
	return e.session, e.user, true
}

// generation is read before a session is read from the database and handed to put.
func (c *SessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps a valid session read at now, unless the cache is off or anything was dropped since gen was
// read (the session may be one a notification has just revoked).
func (c *SessionCache) put(gen uint64, s account.Session, u account.User, now time.Time) {
	if len(s.TokenHash) != 32 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up || c.gen != gen {
		return
	}
	key := [32]byte(s.TokenHash)
	if old, ok := c.entries[key]; ok {
		c.order.Remove(old)
	}
	c.entries[key] = c.order.PushFront(&cachedSession{key: key, session: s, user: u, read: now})
	for c.order.Len() > c.max {
		c.drop(c.order.Back())
	}
}

// claimTouch reports whether this request is the one to write the session's LastSeenAt at now: the
// first to find it due records it in the entry, so concurrent requests do not all write.
func (c *SessionCache) claimTouch(hash []byte, now time.Time, p SessionPolicy) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[[32]byte(hash)]
	if !ok {
		return true
	}
	e := el.Value.(*cachedSession)
	if !p.NeedsTouch(e.session, now) {
		return false
	}
	e.session.LastSeenAt = now
	return true
}

// remove drops one session (logout, expiry).
func (c *SessionCache) remove(hash []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if el, ok := c.entries[[32]byte(hash)]; ok {
		c.drop(el)
	}
}

// Len returns the number of sessions kept.
func (c *SessionCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Connected implements events.Subscriber: start empty and keep what is read from now on.
func (c *SessionCache) Connected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	c.up = true
}

// Disconnected implements events.Subscriber: empty and off, so every request reads its session.
func (c *SessionCache) Disconnected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	c.up = false
}

// Event implements events.Subscriber: a session or user event drops that user's sessions (every
// session when it names no user).
func (c *SessionCache) Event(e events.Event) {
	if e.Kind != events.KindSession && e.Kind != events.KindUser {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.User == "" {
		c.clear()
		return
	}
	c.gen++
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*cachedSession).user.ID == e.User {
			c.drop(el)
		}
		el = next
	}
}

// clear drops everything; c.mu is held.
func (c *SessionCache) clear() {
	c.gen++
	c.order.Init()
	clear(c.entries)
}

// drop removes one entry; c.mu is held.
func (c *SessionCache) drop(el *list.Element) {
	c.order.Remove(el)
	delete(c.entries, el.Value.(*cachedSession).key)
}
