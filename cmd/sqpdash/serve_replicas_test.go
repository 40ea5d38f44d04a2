package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// uploadedASIN is the ASIN of the Seller Central example report the replica test uploads.
const uploadedASIN = "B0C1234567"

// replicaTest is a `serve` reading from a real streaming standby of its primary.
type replicaTest struct {
	pair       *pgtest.Replicated
	primaryURL string
	standbyURL string
	brandID    string
}

// TestServeReadsFromTheStandby runs `serve` with SQPDASH_READ_DATABASE_URL on a real hot standby
// (pg_basebackup -R of the test primary) and shows, with the standby's WAL replay paused where it must
// tell the servers apart: a manager's pages come from the standby; the admin sees their own import and
// its refresh at once (read-your-writes: the primary until the standby has replayed the admin's last
// write); the refresh appears on the standby's pages once replayed; a standby lagging past the limit
// takes no reads; a stopped standby costs no request an error (reads fall back to the primary, logged,
// shown on /admin and /metrics); and no request fails while a refresh runs on the primary under load.
func TestServeReadsFromTheStandby(t *testing.T) {
	rt := newReplicaTest(t)
	ctx := context.Background()
	cfg := config.Default()
	cfg.DatabaseURL, cfg.RefreshEvery = rt.primaryURL, 0
	cfg.ReadDatabaseURLs = []string{rt.standbyURL}
	cfg.ReadMaxLag = time.Hour // the test pauses replay for as long as it needs
	s := startServeConfig(t, cfg)
	waitFor(t, time.Minute, "the standby to take reads", func() bool { return metricOf(t, s.base, "sqpdash_read_replica_serving") == 1 })

	reader, _ := signInAt(t, s.base, "reader@example.com", testAdminPassword) // a manager: never an admin page
	admin, token := signedInClient(t, s)
	products := s.base + "/api/brands/" + rt.brandID + "/products?mp=US&from=2026-01-25&to=2026-01-31"
	if rt.listed(t, reader, products) || rt.listed(t, admin, products) {
		t.Fatal("the report's ASIN is listed before its upload")
	}

	t.Run("read-your-writes", func(t *testing.T) {
		rt.pauseReplay(t)
		path := filepath.Join(importTestdata, "sellercentral", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv")
		content, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if status, text := postUpload(t, admin, s.base, token, "", "", []uploadPart{{filepath.Base(path), content}}); status != http.StatusOK {
			t.Fatalf("upload: status %d\n%s", status, text)
		}
		waitFor(t, time.Minute, "the import's refresh", func() bool {
			runs, _, err := s.db.RefreshHistory(ctx, 1, 0)
			return err == nil && len(runs) == 1 && runs[0].Trigger == string(refreshlog.TriggerImport) && runs[0].Status == refreshlog.StatusSuccess
		})
		// The refresh panel polls until it shows the refresh over; that answer carries the admin's mark.
		pollRefreshPanel(t, admin, s.base)
		if !rt.listed(t, admin, products) {
			t.Error("the admin does not see their own import after its refresh")
		}
		if rt.listed(t, reader, products) {
			t.Error("the manager sees the import although the standby has not replayed it: not reading from the standby")
		}
		rt.resumeReplay(t)
		if err := rt.pair.WaitReplayed(ctx); err != nil {
			t.Fatal(err)
		}
		if !rt.listed(t, reader, products) {
			t.Error("the refresh on the primary does not appear on the replica instance once replayed")
		}
	})

	t.Run("lag limit", func(t *testing.T) {
		strict := cfg
		strict.ReadMaxLag = time.Millisecond
		s2 := startServeConfig(t, strict)
		reader2, _ := signInAt(t, s2.base, "reader@example.com", testAdminPassword)
		rt.pauseReplay(t)
		rt.exec(t, `UPDATE public.brands SET brand_name = 'Renamed on the primary', display_name = 'Renamed on the primary' WHERE id = $1`, rt.brandID)
		waitFor(t, time.Minute, "the strict instance to stop reading from the lagging standby", func() bool {
			return metricOf(t, s2.base, "sqpdash_read_replica_serving") == 0
		})
		if got := rt.brandName(t, reader2, s2.base); got != "Renamed on the primary" {
			t.Errorf("strict instance (lag limit 1ms) shows brand %q: want the primary's name", got)
		}
		if got := rt.brandName(t, reader, s.base); got == "Renamed on the primary" {
			t.Error("the lenient instance (lag limit 1h) left its standby")
		}
		if res := statusOf(t, reader2, s2.base+"/readyz"); res != http.StatusOK {
			t.Errorf("/readyz of the instance reading from the primary: %d, want 200", res)
		}
		rt.resumeReplay(t)
		if err := rt.pair.WaitReplayed(ctx); err != nil {
			t.Fatal(err)
		}
		if got := rt.brandName(t, reader, s.base); got != "Renamed on the primary" {
			t.Errorf("after replay the standby's instance shows brand %q", got)
		}
	})

	t.Run("standby stopped", func(t *testing.T) {
		if err := rt.pair.Standby.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.restartStandby(t) })
		for i := range 5 { // the first may be routed to the standby before a check saw it go
			if status := statusOf(t, reader, products); status != http.StatusOK {
				t.Fatalf("request %d with the standby stopped: status %d, want 200 from the primary", i, status)
			}
		}
		if !rt.listed(t, reader, products) {
			t.Error("with the standby stopped the primary's data is not shown")
		}
		waitFor(t, time.Minute, "the check to mark the standby down", func() bool { return metricOf(t, s.base, "sqpdash_read_replica_up") == 0 })
		// One warning says it: the read that found it gone, or the check that did.
		if logs := s.logs.String(); !strings.Contains(logs, "read replica failed a read: reading from the primary") &&
			!strings.Contains(logs, "read replica takes no reads") {
			t.Errorf("no log line says the standby is down; logs:\n%s", logs)
		}
		if status := statusOf(t, reader, s.base+"/readyz"); status != http.StatusOK {
			t.Errorf("/readyz with the standby stopped: %d, want 200 (reads fall back to the primary)", status)
		}
		page := body(t, admin, s.base+"/admin")
		if !strings.Contains(page, `data-serving="false"`) || !strings.Contains(page, "unreachable") {
			t.Error("the admin page does not show the standby down")
		}
		rt.restartStandby(t)
		waitFor(t, time.Minute, "the standby to take reads again", func() bool { return metricOf(t, s.base, "sqpdash_read_replica_serving") == 1 })
		if page := body(t, admin, s.base+"/admin"); !strings.Contains(page, `data-serving="true"`) {
			t.Error("the admin page does not show the standby serving again")
		}
	})

	t.Run("no 5xx during a refresh", func(t *testing.T) {
		before := refreshRuns(t, s.db)
		pages := []string{
			products,
			s.base + "/brands/" + rt.brandID,
			s.base + "/api/brands/" + rt.brandID + "/products",
			s.base + "/brands/" + rt.brandID + "/queries",
		}
		statuses := map[int]int{}
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					status := getStatus(reader, pages[i%len(pages)])
					mu.Lock()
					statuses[status]++
					mu.Unlock()
				}
			}()
		}
		res := postRefresh(t, admin, s, map[string][]string{"_csrf": {token}, "force": {"true"}}, nil)
		if res.StatusCode >= 400 {
			close(stop)
			wg.Wait()
			t.Fatalf("refresh: status %d", res.StatusCode)
		}
		waitFor(t, 2*time.Minute, "the forced refresh", func() bool { return refreshRuns(t, s.db) > before && !runningRefresh(t, s) })
		if err := rt.pair.WaitReplayed(ctx); err != nil { // and its replay on the standby, still under load
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		total := 0
		for status, n := range statuses {
			total += n
			if status >= 500 || status == 0 {
				t.Errorf("%d requests answered %d during the refresh", n, status)
			}
		}
		t.Logf("%d requests during the refresh and its replay: %v", total, statuses)
		if statuses[http.StatusOK] == 0 {
			t.Error("no request succeeded")
		}
	})
}

// newReplicaTest seeds a database on the replicated pair: demo data, the test admin, a manager of the
// first brand (reader@example.com) and the uploaded report's ASIN mapped to that brand.
func newReplicaTest(t *testing.T) *replicaTest {
	t.Helper()
	pair := pgtest.NewReplicated(t)
	rt := &replicaTest{pair: pair}
	rt.primaryURL, rt.standbyURL = pair.NewDatabase(t)
	seedServe(t, rt.primaryURL)
	addManager(t, rt.primaryURL, "reader@example.com", testAdminPassword)
	brands, err := openServeTestDB(t, rt.primaryURL).ActiveBrands(context.Background())
	if err != nil || len(brands) == 0 {
		t.Fatalf("brands %v: %v", brands, err)
	}
	rt.brandID = brands[0].ID
	rt.exec(t, `INSERT INTO public.asin_brand_mapping (asin, brand_id, product_title) VALUES ($1, $2, 'Replica trail shoe')`, uploadedASIN, rt.brandID)
	if err := pair.WaitReplayed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rt
}

// exec runs one statement on the primary as the owner.
func (rt *replicaTest) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, rt.primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

// pauseReplay stops the standby from applying WAL (it keeps receiving it) until resumeReplay or the
// test's end.
func (rt *replicaTest) pauseReplay(t *testing.T) {
	t.Helper()
	if _, err := rt.pair.Standby.Query(context.Background(), "postgres", `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = rt.pair.Standby.Query(context.Background(), "postgres", `SELECT pg_wal_replay_resume()`)
	})
}

func (rt *replicaTest) resumeReplay(t *testing.T) {
	t.Helper()
	if _, err := rt.pair.Standby.Query(context.Background(), "postgres", `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
}

// restartStandby starts the stopped standby again and waits until it streams (a running one is kept).
func (rt *replicaTest) restartStandby(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := rt.pair.Standby.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rt.pair.WaitStreaming(ctx); err != nil {
		t.Fatal(err)
	}
}

// listed reports whether the products JSON at url lists the uploaded ASIN.
func (rt *replicaTest) listed(t *testing.T, c *http.Client, url string) bool {
	t.Helper()
	var page struct {
		Products []struct {
			ASIN string `json:"asin"`
		} `json:"products"`
	}
	decodeJSON(t, c, url, &page)
	for _, p := range page.Products {
		if p.ASIN == uploadedASIN {
			return true
		}
	}
	return false
}

// brandName is the brand's name in the products JSON of the server at base.
func (rt *replicaTest) brandName(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	var page struct {
		Brand string `json:"brand"`
	}
	decodeJSON(t, c, base+"/api/brands/"+rt.brandID+"/products", &page)
	return page.Brand
}

// decodeJSON GETs url, which must answer 200, into v.
func decodeJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", url, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// pollRefreshPanel asks for the refresh panel as htmx polls it.
func pollRefreshPanel(t *testing.T, c *http.Client, base string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/admin/refresh", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/refresh: status %d", res.StatusCode)
	}
}

// runningRefresh reports whether a refresh runs.
func runningRefresh(t *testing.T, s *testServe) bool {
	t.Helper()
	_, running, err := s.db.RunningRefresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return running
}

// statusOf returns the status of GET url.
func statusOf(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// getStatus is get for goroutines: 0 when the request failed.
func getStatus(c *http.Client, url string) int {
	res, err := c.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// body returns the text of GET url, which must answer 200.
func body(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, res.StatusCode)
	}
	return string(b)
}

// metricOf is the value of the first sample of a metric on /metrics, -1 when there is none.
func metricOf(t *testing.T, base, name string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatal(fmt.Errorf("metric line %q: %w", line, err))
			}
			return v
		}
	}
	return -1
}
