package replyconn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the writes of the connections it accepts (what reaches the socket).
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, writes: &l.writes}, nil
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func (c *countingConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// serve runs an http.Server with net/http's own timeouts (so it sets deadlines as in production) over a
// replyconn.Listener over a counting listener.
func serve(t *testing.T, h http.Handler) (*countingListener, string) {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingListener{Listener: tcp}
	srv := &http.Server{Handler: h, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(Listener{Listener: counted})
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return counted, tcp.Addr().String()
}

// body is n bytes that say where they are, so that a reordered or cut answer is seen.
func body(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08d,", i)
	}
	return b.Bytes()[:n]
}

func TestConnIsNoReaderFrom(t *testing.T) {
	// net/http sends a body read from a file with the connection's ReadFrom (sendfile) after flushing the
	// headers to it: the body would overtake the held headers.
	if _, ok := any(&Conn{}).(io.ReaderFrom); ok {
		t.Fatal("Conn implements io.ReaderFrom")
	}
}

func TestEachResponseIsOneWrite(t *testing.T) {
	want := body(20 << 10) // more than net/http's 4 KB buffer: two writes without this package
	l, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(want)))
		_, _ = w.Write(want)
	}))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	r := bufio.NewReader(conn)
	for i := range 3 {
		if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("response %d: %d bytes, %v; want the %d bytes written", i, len(got), err, len(want))
		}
		// The server is done with the response once the client has it whole: one write each so far.
		if n := l.writes.Load(); n != int64(i+1) {
			t.Fatalf("after %d responses: %d writes", i+1, n)
		}
	}
}

func TestLongResponsesAndClosing(t *testing.T) {
	long := body(3*MaxPending + 123)
	_, addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/long": // written in pieces of every size, streamed past MaxPending
			for rest := long; len(rest) > 0; {
				n := min(len(rest), 1+len(rest)%7000)
				_, _ = w.Write(rest[:n])
				rest = rest[n:]
			}
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = w.Write(long[:5000])
		case "/upload": // the client waits for 100 Continue before it sends the body
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			_, _ = fmt.Fprintf(w, "%d", len(b))
		}
	}))
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	get := func(path string) []byte {
		t.Helper()
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return b
	}
	for range 2 {
		if got := get("/long"); !bytes.Equal(got, long) {
			t.Fatalf("/long: %d bytes, want %d", len(got), len(long))
		}
		if got := get("/close"); !bytes.Equal(got, long[:5000]) {
			t.Fatalf("/close: %d bytes, want 5000", len(got))
		}
	}
	// The client sends the body only after the 100 Continue, which net/http writes when the handler reads
	// the body: the connection must send it then, not hold it back.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil { // a failure, not a hang
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	if _, err := fmt.Fprintf(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(long)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("before the body: %v, %v; want 100 Continue", resp, err)
	}
	if _, err := conn.Write(long); err != nil {
		t.Fatal(err)
	}
	if resp, err = http.ReadResponse(r, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != fmt.Sprint(len(long)) {
		t.Fatalf("upload: server read %s bytes, want %d", b, len(long))
	}
}

// TestDeadlineSetWhenSendingFails: a deadline is set even when sending the held bytes fails first, as
// net/http needs to wake its background read at the end of a request.
func TestDeadlineSetWhenSendingFails(t *testing.T) {
	server, client := net.Pipe()
	defer func() { _ = client.Close() }()
	c := &Conn{Conn: server}
	defer func() { _ = c.Close() }()
	if _, err := c.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Second)
	if err := server.SetWriteDeadline(past); err != nil { // the held bytes cannot be sent now
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(past); err == nil {
		t.Fatal("SetReadDeadline: no error from the failed send")
	}
	read := make(chan error, 1)
	go func() {
		_, err := c.Conn.Read(make([]byte, 1))
		read <- err
	}()
	select {
	case err := <-read:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read after the deadline: %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second): // a failure deadline: the read returns at once when the deadline is set
		t.Fatal("the read deadline was not set")
	}
}

// TestCloseEndsABlockedWrite: Close does not wait behind a write the peer does not read; it closes the
// connection, which ends that write.
func TestCloseEndsABlockedWrite(t *testing.T) {
	server, client := net.Pipe() // unbuffered: a write blocks until the peer reads
	defer func() { _ = client.Close() }()
	c := &Conn{Conn: server}
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, MaxPending+1)) // more than is held: written at once, and blocked
		wrote <- err
	}()
	// Wait until the write holds the connection's lock: net.Pipe's write has then started.
	for c.mu.TryLock() {
		c.mu.Unlock()
		runtime.Gosched()
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second): // a failure deadline
		t.Fatal("Close waited behind the blocked write")
	}
	select {
	case err := <-wrote:
		if err == nil {
			t.Fatal("the blocked write succeeded after Close")
		}
	case <-time.After(10 * time.Second): // a failure deadline
		t.Fatal("the blocked write did not end when the connection closed")
	}
}
