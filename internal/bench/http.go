package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// Server is a running `sqpdash serve` on loopback, with a signed-in client.
type Server struct {
	BaseURL string // http://127.0.0.1:PORT
	PID     int    // for its peak RSS
	client  *http.Client
	// loadClient sends the measured requests: the same connections as client, but no cookie jar (the
	// signed-in cookies are sent as cookies, a header computed once) and no redirects followed, so a
	// redirect to the sign-in page is a failure and not the login page's 200.
	loadClient *http.Client
	cookies    string
}

// ExpansionURL is the htmx partial that expands p's row into its weekly segments (web/routes.go).
func (s *Server) ExpansionURL(p Product, q url.Values) string {
	v := cloneValues(q)
	v.Set("type", "weekly")
	return fmt.Sprintf("%s/brands/%s/products/%s/segments?%s", s.BaseURL, p.BrandID, p.ASIN, v.Encode())
}

// BrandURL is the brand dashboard of p's brand.
func (s *Server) BrandURL(p Product, q url.Values) string {
	return fmt.Sprintf("%s/brands/%s?%s", s.BaseURL, p.BrandID, q.Encode())
}

// ProductURL is p's product page.
func (s *Server) ProductURL(p Product, q url.Values) string {
	return fmt.Sprintf("%s/brands/%s/products/%s?%s", s.BaseURL, p.BrandID, p.ASIN, q.Encode())
}

// QueryViewURL is the brand's query view (web/routes.go).
func (s *Server) QueryViewURL(brandID string, q url.Values) string {
	return fmt.Sprintf("%s/brands/%s/queries?%s", s.BaseURL, brandID, q.Encode())
}

// QueryPageURL is the page of one search query of a brand: the query text is one path segment, escaped
// as the dashboard's links escape it (viewstate.QueryTextSegment).
func (s *Server) QueryPageURL(q Query, v url.Values) string {
	v = cloneValues(v)
	if q.Marketplace != "" {
		v.Set(viewstate.ParamMarketplace, q.Marketplace)
	}
	return fmt.Sprintf("%s/brands/%s/queries/%s?%s", s.BaseURL, q.BrandID, viewstate.QueryTextSegment(q.Query), v.Encode())
}

// NewServer signs in to the server at baseURL with email and password (the login form with its CSRF
// token) and returns it ready for load.
func NewServer(ctx context.Context, baseURL string, pid int, email, password string) (*Server, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cookie jar: %w", err)
	}
	// A read buffer that holds a whole cached response (about 16 KB of gzip and its headers) reads it with
	// one system call instead of three or four; the load generator shares the 2 cores with the server.
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute, ReadBufferSize: 64 << 10}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: transport}
	s := &Server{BaseURL: baseURL, PID: pid, client: client, loadClient: newLoadClient(transport)}
	page, err := s.fetch(ctx, baseURL+"/login")
	if err != nil {
		return nil, fmt.Errorf("open login page: %w", err)
	}
	// The token is bound to the pre-session cookie the page set (in the jar) and rendered into the page.
	m := csrfMeta.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("open login page: no <meta name=\"csrf-token\"> in it")
	}
	token := string(m[1])
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {token}, "next": {"/"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", email, err)
	}
	// Drained only so that the connection is reused: the status says whether signing in worked.
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sign in as %s: status %d", email, resp.StatusCode)
	}
	// What the jar would add to every request; the server sets no cookie after signing in (get checks).
	var cookies []string
	for _, c := range jar.Cookies(req.URL) {
		cookies = append(cookies, c.String())
	}
	s.cookies = strings.Join(cookies, "; ")
	return s, nil
}

// newLoadClient is the client of the measured requests: no cookie jar, no redirect followed.
func newLoadClient(transport http.RoundTripper) *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Check requests url once and fails unless it answers 200: a benchmark of error pages measures nothing.
func (s *Server) Check(ctx context.Context, url string) error { return s.get(ctx, url) }

// csrfMeta finds the CSRF token every page carries for its forms and htmx requests.
var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)"`)

// fetch requests url and returns its body, failing unless it answers 200.
func (s *Server) fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return body, nil
}

// get requests url as a browser would (gzip, the session cookie, HX-Request for the expansion partial),
// reads the whole body and discards it. It fails unless the answer is a 200 whose body has as many bytes
// as its Content-Length says (and at least one), and which sets no cookie.
func (s *Server) get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header["Accept-Encoding"] = acceptGzip
	if s.cookies != "" {
		req.Header["Cookie"] = []string{s.cookies}
	}
	if strings.Contains(url, "/segments?") {
		req.Header["Hx-Request"] = hxTrue
	}
	resp, err := s.loadClient.Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	case n == 0 || (resp.ContentLength >= 0 && n != resp.ContentLength):
		return fmt.Errorf("GET %s: %d bytes of body, Content-Length %d", url, n, resp.ContentLength)
	case len(resp.Header["Set-Cookie"]) > 0:
		return fmt.Errorf("GET %s: the server set a cookie during the load (the requests after it would be sent without it)", url)
	}
	return nil
}

// The request headers get sets, in canonical form, shared by every request (none of them is changed).
var (
	acceptGzip = []string{"gzip"}
	hxTrue     = []string{"true"}
)

// firstRequests requests each URL once, one after the other: what the first visitor after a refresh waits
// for (the server caches some pages per data version, so later requests measure the cache).
func (s *Server) firstRequests(ctx context.Context, urls []string) LoadResult {
	var lat []time.Duration
	res := LoadResult{Clients: 1}
	// The server's CPU per miss is the figure to compare on a busy machine, where latencies are not.
	cpu0, cpuErr := ProcessCPU(s.PID)
	start := time.Now()
	for _, u := range urls {
		t0 := time.Now()
		if err := s.get(ctx, u); err != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	res.fill(lat, time.Since(start))
	if cpu1, err := ProcessCPU(s.PID); err == nil && cpuErr == nil && len(lat) > 0 {
		res.ServerCPUPerReqMs = ms(cpu1-cpu0) / float64(len(lat))
	}
	return res
}

// load requests the URLs in turn from clients goroutines.
func (s *Server) load(ctx context.Context, clients int, d time.Duration, urls []string) LoadResult {
	defer collectLess()()
	addr, reqs, err := s.newLoadRequests(urls)
	if err != nil {
		return LoadResult{Clients: clients, FirstError: err.Error()}
	}
	conns := dialLoadConns(ctx, addr, clients, d)
	defer func() {
		for i := range conns {
			_ = conns[i].close()
		}
	}()
	cpu0, cpuErr := ProcessCPU(s.PID)
	res := Load{Clients: clients, Duration: d, Do: func(ctx context.Context, c, n int) error {
		return conns[c].get(ctx, reqs[(c*7919+n)%len(reqs)])
	}}.Run(ctx)
	if cpu1, err := ProcessCPU(s.PID); err == nil && cpuErr == nil && res.Requests > 0 {
		res.ServerCPUPerReqMs = ms(cpu1-cpu0) / float64(res.Requests)
	}
	return res
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
