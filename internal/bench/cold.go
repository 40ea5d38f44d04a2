package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ColdExpansionPage is the name of the cold expansion case.
const ColdExpansionPage = "cold expansion (newest 52 weeks)"

// ColdExpansion is the first, uncached expansion of each product's newest 52 weeks: what a manager waits
// for after every import or refresh (the response cache is per data version). Each product is expanded
// once, one after the other, at a URL no other case requests (preset=52w), so none is answered from the
// cache; the server has met the brands before (the marketplace cache is warm, as on a running server).
type ColdExpansion struct {
	Latency LoadResult `json:"latency"`
	// QueriesPerRequest are the database statements (pg_stat_statements calls, every statement the server
	// ran during the pass) per request, session and data version included.
	QueriesPerRequest float64 `json:"queries_per_request"`
	// HTMLBytes are the uncompressed sizes of the responses: the mean and the largest.
	HTMLBytesMean float64 `json:"html_bytes_mean"`
	HTMLBytesMax  int     `json:"html_bytes_max"`
	// Rows is the mean number of weekly rows per response, so that the bytes can be read per row.
	Rows float64 `json:"segment_rows_mean"`
	// DatabaseCPUPerReqMs is the CPU time of the cluster's processes per request (Target.DatabasePID).
	DatabaseCPUPerReqMs float64 `json:"database_cpu_per_request_ms,omitempty"`
}

// measureColdExpansion expands each product's newest 52 weeks once and counts what that cost.
func measureColdExpansion(ctx context.Context, t Target) (*ColdExpansion, error) {
	srv := t.Server
	if err := t.Store.ResetStatementStats(ctx); err != nil {
		return nil, err
	}
	var (
		lat            []time.Duration
		res            ColdExpansion
		bytes, largest int
		rows           int
	)
	// The server's CPU per miss is the figure to compare on a busy machine, where latencies are not.
	cpu0, cpuErr := ProcessCPU(srv.PID)
	db0, dbErr := databaseCPU(t.DatabasePID)
	start := time.Now()
	for _, p := range t.Products {
		u := srv.ExpansionURL(p, url.Values{"preset": {"52w"}})
		t0 := time.Now()
		body, err := srv.fetchHTMX(ctx, u)
		if err != nil {
			res.Latency.Errors++
			if res.Latency.FirstError == "" {
				res.Latency.FirstError = err.Error()
			}
			continue
		}
		lat = append(lat, time.Since(t0))
		bytes += len(body)
		largest = max(largest, len(body))
		rows += strings.Count(body, `<tr class="segment-row"`)
	}
	res.Latency.Clients = 1
	res.Latency.fill(lat, time.Since(start))
	if cpu1, err := ProcessCPU(srv.PID); err == nil && cpuErr == nil && len(lat) > 0 {
		res.Latency.ServerCPUPerReqMs = ms(cpu1-cpu0) / float64(len(lat))
	}
	if db1, err := databaseCPU(t.DatabasePID); err == nil && dbErr == nil && len(lat) > 0 {
		res.DatabaseCPUPerReqMs = ms(db1-db0) / float64(len(lat))
	}
	top, err := t.Store.TopStatements(ctx, 1000)
	if err != nil {
		return nil, err
	}
	var calls int64
	for _, st := range top {
		calls += st.Calls
	}
	if n := len(lat); n > 0 {
		res.QueriesPerRequest = float64(calls) / float64(n+res.Latency.Errors)
		res.HTMLBytesMean, res.HTMLBytesMax, res.Rows = float64(bytes)/float64(n), largest, float64(rows)/float64(n)
	}
	return &res, nil
}

// fetchHTMX requests url as htmx does, without compression (the bytes counted are the HTML's), and
// returns its body, failing unless it answers 200.
func (s *Server) fetchHTMX(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return string(body), nil
}

// writeColdExpansion renders the cold expansion case, one column per scale.
func writeColdExpansion(p func(format string, a ...any), scales []ScaleResult) {
	measured := false
	for _, s := range scales {
		measured = measured || s.ColdExpansion != nil
	}
	if !measured {
		return
	}
	p("\n## %s: the first request of each product's expansion, one at a time\n\n|  |", ColdExpansionPage)
	for _, s := range scales {
		p(" scale %g |", s.Dataset.Scale)
	}
	p("\n|---|")
	for range scales {
		p("---|")
	}
	p("\n")
	row := func(name string, cell func(c ColdExpansion) string) {
		p("| %s |", name)
		for _, s := range scales {
			if s.ColdExpansion == nil {
				p(" — |")
				continue
			}
			p(" %s |", cell(*s.ColdExpansion))
		}
		p("\n")
	}
	row("requests", func(c ColdExpansion) string {
		return fmt.Sprintf("%d (%d errors)", c.Latency.Requests, c.Latency.Errors)
	})
	row("p50 / p90 / p99 / max", func(c ColdExpansion) string {
		return fmt.Sprintf("%.2f / %.2f / %.2f / %.2f ms", c.Latency.P50ms, c.Latency.P90ms, c.Latency.P99ms, c.Latency.MaxMs)
	})
	row("server CPU per request", func(c ColdExpansion) string {
		if c.Latency.ServerCPUPerReqMs == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f ms", c.Latency.ServerCPUPerReqMs)
	})
	row("database CPU per request (the cluster's processes)", func(c ColdExpansion) string {
		if c.DatabaseCPUPerReqMs == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f ms", c.DatabaseCPUPerReqMs)
	})
	row("database statements per request (session and data version included)", func(c ColdExpansion) string { return fmt.Sprintf("%.2f", c.QueriesPerRequest) })
	row("HTML per response, uncompressed: mean / largest", func(c ColdExpansion) string {
		return fmt.Sprintf("%.1f KB / %.1f KB", c.HTMLBytesMean/1024, float64(c.HTMLBytesMax)/1024)
	})
	row("weekly rows per response (mean)", func(c ColdExpansion) string { return fmt.Sprintf("%.1f", c.Rows) })
}

// coldExpansionTargets are the cold path's targets besides its p90 (checked on the expansion's first
// requests, CheckTargets), against the largest scale.
func coldExpansionTargets(s ScaleResult, add func(name, limit string, value float64, unit string, met, absent bool)) {
	c := s.ColdExpansion
	absent := c == nil || c.Latency.Requests == 0
	if absent {
		c = &ColdExpansion{}
	}
	add(ColdExpansionPage+": database statements per request", "<= 3", c.QueriesPerRequest, "statements", c.QueriesPerRequest <= 3, absent)
	add(ColdExpansionPage+": largest HTML response", "<= 60 KB", float64(c.HTMLBytesMax)/1024, "KB", c.HTMLBytesMax <= 60<<10, absent)
}
