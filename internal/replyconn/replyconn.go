// Package replyconn wraps a listener so that what an HTTP/1.1 server writes for one request leaves in one
// write system call.
//
// net/http writes a response through a 4 KB buffer: the headers and the start of a larger body go out in
// one write, the rest of the body in a second. On loopback or a fast network each write is a TCP send
// that wakes the client, which then reads a partial answer, sleeps and is woken again. A connection of
// this package keeps what the server writes until the server next touches the connection for anything
// else (a read, a deadline, a close): net/http does so right after each response (it clears its
// deadlines and waits for the next request), so a whole response (up to MaxPending bytes) is one send.
//
// It is for servers that answer and then read, as net/http's HTTP/1.1 server does; a hijacked connection
// (a websocket), a streamed response (http.Flusher: server-sent events) or TLS with HTTP/2 layered over it
// would have their writes held back until the next read. sqpdash serves none of those: add such a
// handler only on a listener without this wrapper. Conn has no ReadFrom, so net/http never sends a body
// past held headers with sendfile.
package replyconn

import (
	"errors"
	"net"
	"sync"
	"time"
)

// MaxPending is the most a connection holds back: a longer response goes out as it is written, in
// writes of at least this size (one writev of the held bytes and the new ones).
const MaxPending = 64 << 10

// Listener returns the connections of the listener it wraps as *Conn.
type Listener struct {
	net.Listener
}

// Accept waits for the next connection and wraps it.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c}, nil
}

// pendingPool holds the buffers of written bytes not yet sent, so that an idle keep-alive connection
// keeps none.
var pendingPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// Conn holds back what is written to it until it is read from, given a deadline, closed or half-closed,
// or until more than MaxPending bytes are held. A write error of held bytes is returned by the call that
// sent them.
//
// net/http reads from a connection (its background read) while the handler writes to it, so every
// method may run concurrently with the others, as net.Conn's may.
type Conn struct {
	net.Conn
	mu      sync.Mutex
	pending *[]byte // nil when nothing is held
}

// Write holds p back, or sends what is held and p in one writev when that would be more than MaxPending.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	held := 0
	if c.pending != nil {
		held = len(*c.pending)
	}
	if held+len(p) <= MaxPending {
		if c.pending == nil {
			c.pending = pendingPool.Get().(*[]byte)
		}
		*c.pending = append(*c.pending, p...)
		return len(p), nil
	}
	if held == 0 {
		return c.Conn.Write(p)
	}
	bufs := net.Buffers{*c.pending, p}
	n, err := bufs.WriteTo(c.Conn)
	c.release()
	written := int(n) - held
	if written < 0 {
		written = 0
	}
	return written, err
}

// flush sends what is held, if anything.
func (c *Conn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flushLocked()
}

// flushLocked is flush with c.mu held.
func (c *Conn) flushLocked() error {
	if c.pending == nil {
		return nil
	}
	_, err := c.Conn.Write(*c.pending)
	c.release()
	return err
}

// release returns the held buffer to the pool; c.mu is held.
func (c *Conn) release() {
	*c.pending = (*c.pending)[:0]
	pendingPool.Put(c.pending)
	c.pending = nil
}

// Read sends what is held, then reads: a server reads again once it has answered.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// SetDeadline sends what is held, then sets the deadline (the held bytes go out under the old one). The
// deadline is set even when sending failed: net/http sets a read deadline in the past to wake its
// background read, and waits for that read.
func (c *Conn) SetDeadline(t time.Time) error {
	return errors.Join(c.flush(), c.Conn.SetDeadline(t))
}

// SetReadDeadline sends what is held, then sets the read deadline, as SetDeadline.
func (c *Conn) SetReadDeadline(t time.Time) error {
	return errors.Join(c.flush(), c.Conn.SetReadDeadline(t))
}

// SetWriteDeadline sends what is held, then sets the write deadline, as SetDeadline.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	return errors.Join(c.flush(), c.Conn.SetWriteDeadline(t))
}

// Close sends what is held, then closes the connection. When a write is under way (a long response to a
// client that does not read), it closes at once, which ends that write, instead of waiting behind it.
func (c *Conn) Close() error {
	var err error
	if c.mu.TryLock() {
		err = c.flushLocked()
		c.mu.Unlock()
	}
	return errors.Join(err, c.Conn.Close())
}

// CloseWrite sends what is held, then shuts down the writing side when the connection can (TCP): net/http
// half-closes a connection it ends so that the client reads the whole last response.
func (c *Conn) CloseWrite() error {
	if err := c.flush(); err != nil {
		return err
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
