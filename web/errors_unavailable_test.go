package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// socketProxy stands between the server and the test's PostgreSQL on a unix socket of its own, so that a
// test can take "the database" away (close the socket and every connection through it) and bring it
// back without stopping the package's cluster, which other tests share.
type socketProxy struct {
	t        *testing.T
	target   string // the real server's socket
	listenAt string // the proxy's socket
	mu       sync.Mutex
	ln       net.Listener
	conns    []net.Conn
}

// newSocketProxy returns a proxy for the database at databaseURL (a unix-socket URL of the private
// cluster) and the URL that connects through it.
func newSocketProxy(t *testing.T, databaseURL string) (*socketProxy, string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	host, port := q.Get("host"), q.Get("port")
	if !strings.HasPrefix(host, "/") {
		t.Skip("the database is not on a unix socket: the proxy cannot stand in front of it")
	}
	if port == "" {
		port = "5432"
	}
	dir, err := os.MkdirTemp("", "sqpdash-proxy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("leaving %s behind: %v", dir, err)
		}
	})
	p := &socketProxy{t: t, target: filepath.Join(host, ".s.PGSQL."+port), listenAt: filepath.Join(dir, ".s.PGSQL."+port)}
	p.Start()
	t.Cleanup(p.Stop)
	q.Set("host", dir)
	u.RawQuery = q.Encode()
	return p, u.String()
}

// Start opens the proxy's socket and forwards every connection to the real server.
func (p *socketProxy) Start() {
	p.t.Helper()
	ln, err := net.Listen("unix", p.listenAt)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("unix", p.target)
			if err != nil {
				_ = c.Close() // the client sees the database gone, which is what a test of this proxy wants
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			// Each copy ends when one side closes (Stop cuts both on purpose): the error says only that.
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
}

// Stop closes the socket (new connections are refused) and cuts every open connection.
func (p *socketProxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Cutting connections is the point: one that is already closed is just as cut.
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func TestDatabaseDownAnswers503(t *testing.T) {
	ctx := context.Background()
	proxy, proxied := newSocketProxy(t, pgtest.NewDatabase(t))
	db, err := postgres.Open(ctx, proxied)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	sessions := newTestSessions(t, db)
	srv := newTestServer(t, db, sessions)
	admin := sessions.Cookie(account.RoleAdmin)
	brandID := "00000000-0000-4000-8000-000000000001"
	send := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.testHandler().ServeHTTP(rec, req)
		return rec
	}
	get := func(path string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(admin)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return send(req)
	}
	if rec := get("/admin", nil); rec.Code != http.StatusOK {
		t.Fatalf("with the database up, /admin = %d, want 200", rec.Code)
	}

	proxy.Stop()
	wantUnavailable := func(t *testing.T, rec *httptest.ResponseRecorder) {
		t.Helper()
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503\n%s", rec.Code, rec.Body.String())
		}
		if rec.Header().Get("Retry-After") == "" {
			t.Error("no Retry-After header")
		}
	}
	t.Run("a page says the data store is unavailable", func(t *testing.T) {
		for _, path := range []string{"/admin", "/brands/" + brandID} {
			rec := get(path, nil)
			wantUnavailable(t, rec)
			if !strings.Contains(rec.Body.String(), "data store is unavailable") || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: %s %q, want an HTML page saying the data store is unavailable", path, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		}
	})
	t.Run("the API answers JSON with code unavailable", func(t *testing.T) {
		rec := get("/api/brands/"+brandID+"/products", nil)
		wantUnavailable(t, rec)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != codeUnavailable {
			t.Errorf("body %q (%v), want a JSON error with code %q", rec.Body.String(), err, codeUnavailable)
		}
	})
	t.Run("an htmx partial answers a fragment", func(t *testing.T) {
		rec := get("/brands/"+brandID+"/products/B0TESTAAA1/segments", map[string]string{"HX-Request": "true"})
		wantUnavailable(t, rec)
		if body := rec.Body.String(); strings.Contains(body, "<html") || !strings.Contains(body, "data store is unavailable") {
			t.Errorf("body %q, want a fragment saying the data store is unavailable", body)
		}
	})
	t.Run("sign-in answers 503, not a wrong password", func(t *testing.T) {
		form := url.Values{"email": {"ann@example.com"}, "password": {"whatever"}}
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode())))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantUnavailable(t, send(req))
	})
	t.Run("readiness is 503", func(t *testing.T) {
		rec := send(httptest.NewRequest(http.MethodGet, "/readyz", nil))
		wantUnavailable(t, rec)
	})

	proxy.Start()
	t.Run("the pages come back with the database", func(t *testing.T) {
		if rec := get("/admin", nil); rec.Code != http.StatusOK {
			t.Errorf("/admin = %d after the database came back, want 200", rec.Code)
		}
	})
}

// sqlStateErr stands for a server error reply with a SQLSTATE.
type sqlStateErr string

func (e sqlStateErr) Error() string    { return "server error " + string(e) }
func (e sqlStateErr) SQLState() string { return string(e) }

func TestStoreUnavailableTellsOutagesFromFailures(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"connection refused is an outage", context.Background(), &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: connection refused")}, true},
		{"a server shutting down is an outage", context.Background(), sqlStateErr("57P01"), true},
		{"a server starting up is an outage", context.Background(), sqlStateErr("57P03"), true},
		{"a connection exception is an outage", context.Background(), sqlStateErr("08006"), true},
		{"no connection slot left is an outage", context.Background(), sqlStateErr("53300"), true},
		{"a permission error is a failure", context.Background(), sqlStateErr("42501"), false},
		{"a syntax error is a failure", context.Background(), sqlStateErr("42601"), false},
		{"a plain EOF without the driver is a failure", context.Background(), io.EOF, false},
		{"a storage call that timed out is an outage", context.Background(), context.DeadlineExceeded, true},
		{"a request the client gave up on is not", done, context.DeadlineExceeded, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := storeUnavailable(tc.ctx, tc.err); got != tc.want {
				t.Errorf("storeUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
