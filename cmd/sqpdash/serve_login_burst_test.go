package main

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// TestLoginBurstKeepsMemoryBounded fires 200 wrong-password sign-ins for one account at once at a
// `sqpdash serve` process, as a signed-out client would: only the first few get their password checked
// (401), the rest are throttled with 429 and a Retry-After, the server's peak resident memory stays
// under 300 MB (each argon2id check holds 64 MiB), and the account's owner signs in right after from
// another address.
func TestLoginBurstKeepsMemoryBounded(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	seedServe(t, dbURL)
	s := startServeProcess(t, dbURL)

	client := clientFrom(t, net.IPv4(127, 0, 0, 1))
	token := csrfTokenOf(t, client, s.base+"/login")
	before := s.status(t, "VmRSS")
	const burst = 200
	codes := loginBurst(t, client, s.base, token, burst, func(int) string { return testAdminEmail })
	perAccount := auth.DefaultThrottlePolicy().PerAccount
	checked := codes[http.StatusUnauthorized]
	// A sign-in refused as busy (503, when the machine is too slow to drain the hashing queue in time)
	// is withdrawn and does not count as a failure.
	if checked > perAccount || codes[http.StatusTooManyRequests] < burst-perAccount ||
		checked+codes[http.StatusTooManyRequests]+codes[http.StatusServiceUnavailable] != burst {
		t.Errorf("one account: statuses %v, want at most %d × 401 and the rest 429", codes, perAccount)
	}

	// Many accounts from another address: the per-address limit lets more attempts through to the
	// password check, which the hashing slots then bound (and a full queue answers 503).
	other := clientFrom(t, net.IPv4(127, 0, 0, 3))
	otherToken := csrfTokenOf(t, other, s.base+"/login")
	codes = loginBurst(t, other, s.base, otherToken, burst, func(i int) string { return "guess" + strconv.Itoa(i) + "@example.com" })
	perIP := auth.DefaultThrottlePolicy().PerIP
	if codes[http.StatusUnauthorized] > perIP || codes[http.StatusUnauthorized]+codes[http.StatusTooManyRequests]+codes[http.StatusServiceUnavailable] != burst ||
		codes[http.StatusTooManyRequests] < burst/2 {
		t.Errorf("many accounts: statuses %v, want at most %d × 401, most 429, the rest 503", codes, perIP)
	}
	peak := s.status(t, "VmHWM")
	t.Logf("resident memory %d MB before, peak %d MB", before>>20, peak>>20)
	if peak >= 300<<20 {
		t.Errorf("peak resident memory %d MB, want under 300 MB", peak>>20)
	}

	t.Run("the owner signs in from another address after the burst", func(t *testing.T) {
		owner := clientFrom(t, net.IPv4(127, 0, 0, 2))
		token := csrfTokenOf(t, owner, s.base+"/login")
		res, err := owner.PostForm(s.base+"/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}, "_csrf": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("owner's sign-in: status %d, want 303", res.StatusCode)
		}
	})
	t.Run("the guessing address stays throttled", func(t *testing.T) {
		// Make up the failures of any attempts refused as busy, so that the address has had its five.
		for ; checked < perAccount; checked++ {
			if got := loginBurst(t, client, s.base, token, 1, func(int) string { return testAdminEmail }); got[http.StatusUnauthorized] != 1 {
				t.Fatalf("failure %d: statuses %v, want 401", checked+1, got)
			}
		}
		res, err := client.PostForm(s.base+"/login", url.Values{"email": {testAdminEmail}, "password": {testAdminPassword}, "_csrf": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("right password from the guessing address: status %d, want 429", res.StatusCode)
		}
	})
}

// clientFrom is a client with a cookie jar that connects from the loopback address ip: to a server that
// trusts no proxy, each such address is another client. It does not follow redirects.
func clientFrom(t *testing.T, ip net.IP) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
	return &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}}}
}

// loginBurst posts n wrong-password sign-ins at once (email(i) for the i-th) and returns the count of
// each status. Every 429 and 503 must say when to come back (Retry-After in seconds).
func loginBurst(t *testing.T, c *http.Client, base, token string, n int, email func(int) string) map[int]int {
	t.Helper()
	type reply struct {
		code       int
		retryAfter string
		err        error
	}
	replies := make(chan reply, n)
	var start sync.WaitGroup
	start.Add(1)
	for i := range n {
		form := url.Values{"email": {email(i)}, "password": {"not the password at all"}, "_csrf": {token}}.Encode()
		go func() {
			start.Wait()
			req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form))
			if err != nil {
				replies <- reply{err: err}
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := c.Do(req)
			if err != nil {
				replies <- reply{err: err}
				return
			}
			res.Body.Close()
			replies <- reply{code: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
		}()
	}
	start.Done()
	codes := map[int]int{}
	for range n {
		r := <-replies
		if r.err != nil {
			t.Fatalf("sign-in: %v", r.err)
		}
		codes[r.code]++
		if r.code == http.StatusTooManyRequests || r.code == http.StatusServiceUnavailable {
			if secs, err := strconv.Atoi(r.retryAfter); err != nil || secs < 1 {
				t.Errorf("%d with Retry-After %q, want a number of seconds", r.code, r.retryAfter)
			}
		}
	}
	t.Logf("%d sign-ins: statuses %v", n, codes)
	return codes
}
