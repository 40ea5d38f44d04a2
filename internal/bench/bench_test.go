package bench

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoadRun(t *testing.T) {
	t.Run("counts successes and errors and orders the percentiles", func(t *testing.T) {
		var calls atomic.Int64
		res := Load{Clients: 4, Duration: 200 * time.Millisecond, Do: func(ctx context.Context, c, n int) error {
			calls.Add(1)
			if n%10 == 9 {
				return errors.New("every tenth call fails")
			}
			time.Sleep(time.Duration(1+n%3) * time.Millisecond)
			return nil
		}}.Run(context.Background())
		if res.Clients != 4 || res.Requests == 0 || res.Errors == 0 || res.FirstError == "" {
			t.Fatalf("result %+v", res)
		}
		if int64(res.Requests+res.Errors) > calls.Load() {
			t.Fatalf("%d requests and %d errors from %d calls", res.Requests, res.Errors, calls.Load())
		}
		if !(res.P50ms >= 1 && res.P50ms <= res.P90ms && res.P90ms <= res.P99ms && res.P99ms <= res.MaxMs) {
			t.Fatalf("percentiles out of order or below the 1 ms sleep: %+v", res)
		}
		if res.Seconds < 0.2 || res.PerSec <= 0 {
			t.Fatalf("duration %.3f s, %.1f/s", res.Seconds, res.PerSec)
		}
	})
}

func TestSummarize(t *testing.T) {
	s := summarize([]time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}, []int64{5, 0, 7})
	if s.MedianMs != 25 || s.MinMs != 10 || s.MaxMs != 40 || len(s.Runs) != 4 || s.RowsRewritten == nil || *s.RowsRewritten != 5 {
		t.Fatalf("summary %+v", s)
	}
	if q := quantile([]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.5); q != 5 {
		t.Fatalf("median of 1..10 by nearest rank = %d, want 5", q)
	}
}

// sampleScale is a made-up result whose every target is on the given side of its limit.
func sampleScale(good bool) ScaleResult {
	pick := func(ok, bad float64) float64 {
		if good {
			return ok
		}
		return bad
	}
	zero := int64(pick(0, 10))
	return ScaleResult{
		Dataset: Dataset{Scale: 10, SQPRows: 2000000},
		Refresh: []RefreshCase{
			{View: OurView, Concurrent: true, Changed: true, Result: Summary{Runs: []float64{1}, MedianMs: pick(4000, 6000)}},
			{View: OurView, Concurrent: true, Changed: false, Result: Summary{Runs: []float64{1}, MedianMs: 1, RowsRewritten: &zero}},
		},
		NoChangeCheck:  Summary{Runs: []float64{1}, MedianMs: pick(2, 11)},
		ChangedRefresh: Summary{Runs: []float64{1}, MedianMs: pick(5000, 7000)},
		HTTP: []LoadCase{
			{Name: "expansion partial (htmx)", Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(2, 4)}, {Clients: 64, Requests: 10, PerSec: pick(6000, 4000), P99ms: pick(15, 25)}}},
			{Name: "brand page", Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(10, 21)}}},
			{Name: "product page", Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(10, 31)}}},
			{Name: QueryViewPage, Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(4, 6)}}},
			{Name: QueryPage, Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(4, 6)}}},
		},
		HTTPFirst: []LoadCase{
			{Name: "expansion partial (htmx), first request per product", Results: []LoadResult{{Clients: 1, Requests: 10, P90ms: pick(3, 5)}}},
			{Name: QueryViewPage + ", first request per brand and 13-week range", Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(40, 51)}}},
			{Name: QueryPage + ", first request per search query", Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(40, 51)}}},
		},
		UnderRefresh: &LoadCase{Results: []LoadResult{{Clients: 1, Requests: 10, P99ms: pick(5, 11)}}},
		ColdExpansion: &ColdExpansion{Latency: LoadResult{Clients: 1, Requests: 10, P90ms: pick(3, 5)}, QueriesPerRequest: pick(2.1, 3.2),
			HTMLBytesMean: 50000, HTMLBytesMax: int(pick(55000, 62000))},
		PeakRSSBytes: int64(pick(100, 200)) << 20,
	}
}

func TestCheckTargets(t *testing.T) {
	for _, good := range []bool{true, false} {
		checks := CheckTargets([]ScaleResult{sampleScale(good)})
		if len(checks) != 18 {
			t.Fatalf("%d checks, want the issues' 18 targets: %+v", len(checks), checks)
		}
		for _, c := range checks {
			if c.Met != good || c.Absent {
				t.Errorf("good=%t: %+v", good, c)
			}
		}
	}
	t.Run("the targets are checked at scale 10 when a larger scale was measured too", func(t *testing.T) {
		large := sampleScale(false)
		large.Dataset.Scale = 50
		for _, c := range CheckTargets([]ScaleResult{sampleScale(true), large}) {
			if !c.Met || c.Scale != 10 {
				t.Errorf("%+v, want met at scale 10", c)
			}
		}
	})
	t.Run("a target without a measurement is not met", func(t *testing.T) {
		s := sampleScale(true)
		s.HTTP, s.HTTPFirst, s.ColdExpansion = nil, nil, nil
		for _, c := range CheckTargets([]ScaleResult{s}) {
			if (strings.Contains(c.Name, "page") || strings.Contains(c.Name, ColdExpansionPage)) && (c.Met || !c.Absent) {
				t.Errorf("unmeasured target reported: %+v", c)
			}
		}
	})
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	small := sampleScale(true)
	small.Dataset.Scale = 1
	r := Results{Machine: ReadMachine(), Date: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Scales: []ScaleResult{small, sampleScale(false)}}
	r.Targets = CheckTargets(r.Scales)
	if err := WriteFiles(dir, r); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| scale 1 | scale 10 |", "**missed**", "brand page, 1 client(s)", "ours: REFRESH CONCURRENTLY, newest week changed"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Scales) != 2 || back.Scales[1].HTTP[0].Results[1].PerSec != 4000 || back.Machine.Cores == 0 {
		t.Fatalf("results.json does not round-trip: %+v", back)
	}
}

func TestGrowth(t *testing.T) {
	small, large := sampleScale(true), sampleScale(false)
	small.Dataset.Scale, small.Dataset.SQPRows = 1, 200000
	var b strings.Builder
	if err := writeGrowth(&b, []ScaleResult{small, large}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"| SQP rows (rows) | the data | 200000 | 2000000 | ×10.00: 1.00, linear |",
		// 4000 ms at 10x fewer rows, 6000 ms at scale 10: log(1.5)/log(10) = 0.18.
		"| concurrent refresh of brand_product_segments after a change (ms) |",
		"| 4000 | 6000 | ×1.50: 0.18, flat |",
		// 6000 req/s, then 4000: the cost per request grew by 1.5.
		"| 6000 | 4000 | ×0.67: 0.18, flat |",
		"| import of one new week (ms) | one week's rows, plus index maintenance that grows with the tables' depth | – | – | – |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("growth table lacks %q:\n%s", want, md)
		}
	}
	if e, ok := growthExponent(10, 1000, 1, 10); !ok || e != 2 || growthVerdict(e) != "**faster than the data**" {
		t.Errorf("100x for 10x the data: exponent %v, %q", e, growthVerdict(e))
	}
}

func TestPeakRSS(t *testing.T) {
	rss, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if rss < 1<<20 {
		t.Fatalf("peak RSS of the test process is %d bytes", rss)
	}
}

func TestQueryURLs(t *testing.T) {
	s := &Server{BaseURL: "http://127.0.0.1:1"}
	got := s.QueryPageURL(Query{BrandID: "b1", Marketplace: "UK", Query: "50% off/knife #1?"}, weeks13(time.Date(2024, 10, 26, 0, 0, 0, 0, time.UTC), 0))
	want := "http://127.0.0.1:1/brands/b1/queries/50%25%20off%2Fknife%20%231%3F?from=2024-07-28&mp=UK&to=2024-10-26"
	if got != want {
		t.Errorf("QueryPageURL = %s\nwant           %s", got, want)
	}
	// The range ending one week earlier is 13 whole weeks too: Sunday to Saturday.
	if got, want := s.QueryViewURL("b1", weeks13(time.Date(2024, 10, 26, 0, 0, 0, 0, time.UTC), 1)), "http://127.0.0.1:1/brands/b1/queries?from=2024-07-21&to=2024-10-19"; got != want {
		t.Errorf("QueryViewURL = %s, want %s", got, want)
	}
}

func TestGetChecksEveryAnswer(t *testing.T) {
	body := strings.Repeat("x", 20<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok/segments", func(w http.ResponseWriter, r *http.Request) {
		// What a browser would send: the session cookie, gzip, and HX-Request for the partial.
		if r.Header.Get("Cookie") != "sqpdash_session=abc" || r.Header.Get("Accept-Encoding") != "gzip" || r.Header.Get("HX-Request") != "true" {
			http.Error(w, "unexpected request headers", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Encoding", "gzip") // left compressed: the load generator must not decode it
		_, _ = io.WriteString(w, body)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok/segments", http.StatusSeeOther) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/empty", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, "only 13 bytes")
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sqpdash_session", Value: "new"})
		_, _ = io.WriteString(w, "page")
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	s := &Server{BaseURL: ts.URL, loadClient: newLoadClient(ts.Client().Transport), cookies: "sqpdash_session=abc"}
	ctx := context.Background()

	// The first requests go through s.get, the loads through one loadConn per client: both check the same.
	addr := strings.TrimPrefix(ts.URL, "http://")
	conn := &loadConn{addr: addr}
	defer func() { _ = conn.close() }()
	getters := map[string]func(url string) error{
		"get": func(url string) error { return s.get(ctx, url) },
		"loadConn": func(url string) error {
			a, reqs, err := s.newLoadRequests([]string{url})
			if err != nil || a != addr {
				t.Fatalf("newLoadRequests(%s): %q, %v", url, a, err)
			}
			return conn.get(ctx, reqs[0])
		},
	}
	for name, get := range getters {
		// Twice: the load client's connection is still in step after an answer, good or bad.
		for range 2 {
			if err := get(ts.URL + "/ok/segments?type=weekly"); err != nil {
				t.Errorf("%s: a whole 200: %v", name, err)
			}
			for _, path := range []string{"/redirect", "/missing", "/empty", "/short", "/cookie"} {
				if err := get(ts.URL + path); err == nil {
					t.Errorf("%s: GET %s: no error", name, path)
				}
			}
		}
	}
}

func TestLoadConnKeepsItsConnection(t *testing.T) {
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		_, _ = io.WriteString(w, "page")
	}))
	ts.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	s := &Server{BaseURL: ts.URL}
	addr, reqs, err := s.newLoadRequests([]string{ts.URL + "/a", ts.URL + "/close", ts.URL + "/b"})
	if err != nil {
		t.Fatal(err)
	}
	c := &loadConn{addr: addr}
	defer func() { _ = c.close() }()
	ctx := context.Background()
	// /a twice on one connection, /close still on it, /b on a new one.
	for i, want := range []int64{1, 1, 1, 2} {
		if err := c.get(ctx, reqs[[]int{0, 0, 1, 2}[i]]); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		// The server counts a connection when it accepts it: the answer came on it, so it is counted.
		if got := conns.Load(); got != want {
			t.Fatalf("after request %d: %d connections, want %d", i, got, want)
		}
	}
	if _, _, err := s.newLoadRequests([]string{ts.URL + "/a", "http://127.0.0.1:1/b"}); err == nil {
		t.Fatal("URLs on two hosts: no error")
	}
}

func TestDialLoadConnsOpensThemBeforeTheLoad(t *testing.T) {
	accepted := make(chan struct{}, 16)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "page")
	}))
	ts.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			accepted <- struct{}{}
		}
	}
	ts.Start()
	defer ts.Close()
	s := &Server{BaseURL: ts.URL}
	addr, reqs, err := s.newLoadRequests([]string{ts.URL + "/a"})
	if err != nil {
		t.Fatal(err)
	}
	conns := dialLoadConns(context.Background(), addr, 3, time.Minute)
	defer func() {
		for i := range conns {
			_ = conns[i].close()
		}
	}()
	for range 3 {
		<-accepted // the server accepted each before any request
	}
	for i := range conns {
		if conns[i].conn == nil {
			t.Fatalf("connection %d not open", i)
		}
		if err := conns[i].get(context.Background(), reqs[0]); err != nil {
			t.Fatalf("request on connection %d: %v", i, err)
		}
	}
	select {
	case <-accepted:
		t.Fatal("a request opened a connection of its own")
	default:
	}
}

func TestCollectLessRestores(t *testing.T) {
	gc0, limit0 := debug.SetGCPercent(123), debug.SetMemoryLimit(500<<30)
	defer func() {
		debug.SetGCPercent(gc0)
		debug.SetMemoryLimit(limit0)
	}()
	restore := collectLess()
	if gc, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1); gc != -1 || limit != loadMemoryLimit {
		t.Fatalf("during a load: GOGC %d, memory limit %d; want off and %d", gc, limit, loadMemoryLimit)
	}
	restore()
	if gc, limit := debug.SetGCPercent(123), debug.SetMemoryLimit(-1); gc != 123 || limit != 500<<30 {
		t.Fatalf("after a load: GOGC %d, memory limit %d; want 123 and %d", gc, limit, int64(500<<30))
	}
}
