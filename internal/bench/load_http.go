package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
)

// loadRequest is one URL of an HTTP load as the bytes of its request, built once before the load: what a
// browser sends (gzip, the signed-in cookies, HX-Request for the expansion partial).
type loadRequest struct {
	url   string // for errors
	bytes []byte
}

// newLoadRequests builds the requests of urls, all on one host:port, with the cookies s signed in with.
func (s *Server) newLoadRequests(urls []string) (addr string, reqs []loadRequest, err error) {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return "", nil, fmt.Errorf("load URL %q: %w", raw, err)
		}
		if u.Scheme != "http" || u.Host == "" || (addr != "" && u.Host != addr) {
			return "", nil, fmt.Errorf("load URL %q: not a plain http URL on one host", raw)
		}
		addr = u.Host
		var b strings.Builder
		fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sqpdash-bench\r\nAccept-Encoding: gzip\r\n", u.RequestURI(), u.Host)
		if s.cookies != "" {
			fmt.Fprintf(&b, "Cookie: %s\r\n", s.cookies)
		}
		if strings.Contains(raw, "/segments?") {
			b.WriteString("HX-Request: true\r\n")
		}
		b.WriteString("\r\n")
		reqs = append(reqs, loadRequest{url: raw, bytes: []byte(b.String())})
	}
	return addr, reqs, nil
}

// loadConn is one load client's keep-alive connection. A client sends its next request only after it read
// the whole answer to the last one, as a browser's connection does without pipelining, so a request is
// one write and the answer usually one read. Unlike http.Client it runs no goroutines of its own (the
// transport hands each request and answer between three), which matters because the load generator
// shares the cores with the server it measures: its own scheduling and CPU end up in the latencies.
type loadConn struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

// loadConnTimeout bounds one request on a connection, as http.Client.Timeout did: a hung server fails the
// request instead of the benchmark.
const loadConnTimeout = 30 * time.Second

// get sends req and reads the whole answer. It fails unless the answer is a 200 whose body has as many
// bytes as its Content-Length says (and at least one), and which sets no cookie. A failed connection is
// closed, and the next request dials a new one.
func (c *loadConn) get(ctx context.Context, req loadRequest) (err error) {
	if c.conn == nil {
		if err := c.dial(ctx); err != nil {
			return fmt.Errorf("GET %s: %w", req.url, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		if err := c.conn.SetDeadline(time.Now().Add(loadConnTimeout)); err != nil {
			return errors.Join(fmt.Errorf("GET %s: %w", req.url, err), c.close())
		}
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.close())
		}
	}()
	if _, err := c.conn.Write(req.bytes); err != nil {
		return fmt.Errorf("GET %s: %w", req.url, err)
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", req.url, err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return fmt.Errorf("read %s: %w", req.url, err)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: status %d", req.url, resp.StatusCode)
	case n == 0 || (resp.ContentLength >= 0 && n != resp.ContentLength):
		return fmt.Errorf("GET %s: %d bytes of body, Content-Length %d", req.url, n, resp.ContentLength)
	case len(resp.Header["Set-Cookie"]) > 0:
		return fmt.Errorf("GET %s: the server set a cookie during the load (the requests after it would be sent without it)", req.url)
	}
	if resp.Close {
		// The server ends the connection after this answer: the next request dials a new one.
		return c.close()
	}
	return nil
}

// dial opens the connection. A load's context has its end as deadline: one deadline for the connection
// then bounds each of its requests without touching the connection's timer on every request; a context
// without one gets a deadline per request (get).
func (c *loadConn) dial(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	// A buffer that holds a whole cached answer (about 16 KB of gzip and its headers): one read.
	c.conn, c.r = conn, bufio.NewReaderSize(conn, 64<<10)
	if end, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(end.Add(loadConnTimeout)); err != nil {
			return errors.Join(err, c.close())
		}
	}
	return nil
}

// dialLoadConns opens one connection per client to addr before a load starts, as signed-in browsers hold
// theirs: a load measures the pages, not 64 TCP handshakes at once in its first milliseconds (those made
// about a fifth of the slowest percent of a 64-client load). A connection that fails to open here is
// opened by its first request, which then fails if it fails again. d is the load's length: each
// connection's deadline is loadConnTimeout after the load's end, as if its request had opened it.
func dialLoadConns(ctx context.Context, addr string, clients int, d time.Duration) []loadConn {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	conns := make([]loadConn, clients)
	for i := range conns {
		conns[i].addr = addr
		_ = conns[i].dial(ctx)
	}
	return conns
}

// close closes the connection, if any.
func (c *loadConn) close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn, c.r = nil, nil
	return err
}

// loadMemoryLimit bounds the load generator's heap while its collector is off during a load (collectLess):
// a load allocates about 3 KB per request, some 120 MB in 4 s at 10,000 req/s, over a live heap of a few
// MB.
const loadMemoryLimit = 1 << 30

// collectLess turns the load generator's garbage collector off for a load, up to loadMemoryLimit (or a
// lower GOMEMLIMIT), and returns what restores it. The generator shares the cores with the server, and a
// collection stops its clients all at once: at GOGC 400 it collected every 0.7 s of a 64-client load, each
// time a burst of requests that seemed slow without the server being any slower.
func collectLess() (restore func()) {
	limit := debug.SetMemoryLimit(-1) // reads it
	debug.SetMemoryLimit(min(limit, loadMemoryLimit))
	gc := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}
