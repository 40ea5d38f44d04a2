package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Results is one benchmark run: the machine, the date and every figure of every scale.
type Results struct {
	Machine Machine       `json:"machine"`
	Date    time.Time     `json:"date"`
	Options ResultOptions `json:"options"`
	Scales  []ScaleResult `json:"scales"`
	Targets []TargetCheck `json:"targets"`
}

// ResultOptions records how the figures were taken.
type ResultOptions struct {
	Runs         int     `json:"refresh_runs"`
	LargeRuns    int     `json:"refresh_runs_from_scale_5"`
	CheckRuns    int     `json:"check_runs"`
	LoadSeconds  float64 `json:"load_seconds_per_measurement"`
	Clients      []int   `json:"clients"`
	RangeFrom    string  `json:"range_from"`
	RangeTo      string  `json:"range_to"`
	Measurements string  `json:"how"`
}

// TargetCheck is one target of the performance issue, checked against the largest scale measured.
type TargetCheck struct {
	Name   string  `json:"name"`
	Limit  string  `json:"limit"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Met    bool    `json:"met"`
	Scale  float64 `json:"scale"`
	Absent bool    `json:"not_measured,omitempty"`
}

// targetScale is the scale the performance issues set their targets at.
const targetScale = 10

// CheckTargets compares the figures of scale 10 (the scale the targets are set at), or of the largest
// scale measured when scale 10 was not, with the issues' targets.
func CheckTargets(scales []ScaleResult) []TargetCheck {
	if len(scales) == 0 {
		return nil
	}
	s := scales[len(scales)-1]
	for _, x := range scales {
		if x.Dataset.Scale == targetScale {
			s = x
		}
	}
	sc := s.Dataset.Scale
	var out []TargetCheck
	add := func(name, limit string, value float64, unit string, met, absent bool) {
		out = append(out, TargetCheck{Name: name, Limit: limit, Value: value, Unit: unit, Met: met && !absent, Scale: sc, Absent: absent})
	}
	if r, ok := s.refresh(OurView, true, true, ""); ok {
		add("concurrent refresh after a change", "<= 5000 ms", r.MedianMs, "ms", r.MedianMs <= 5000, false)
	}
	if r, ok := s.refresh(OurView, true, false, ""); ok && r.RowsRewritten != nil {
		add("rows rewritten by a concurrent refresh without change", "= 0", float64(*r.RowsRewritten), "rows", *r.RowsRewritten == 0, false)
	}
	add("no-change check", "<= 10 ms", s.NoChangeCheck.MedianMs, "ms", s.NoChangeCheck.MedianMs <= 10, false)
	exp1, ok1 := s.http(expansionPage, 1)
	add("expansion partial p99, 1 client", "<= 3 ms", exp1.P99ms, "ms", exp1.P99ms <= 3, !ok1)
	exp64, ok64 := s.http(expansionPage, 64)
	add("expansion partial throughput, 64 clients", ">= 5000 req/s", exp64.PerSec, "req/s", exp64.PerSec >= 5000, !ok64)
	add("expansion partial p99, 64 clients", "<= 20 ms", exp64.P99ms, "ms", exp64.P99ms <= 20, !ok64)
	expFirst, okFirst := s.httpFirst(expansionPage)
	add("expansion partial p90 uncached (first request each), 1 client", "<= 4 ms", expFirst.P90ms, "ms", expFirst.P90ms <= 4, !okFirst)
	changed, okChanged := summaryValue(s.ChangedRefresh)
	add("procedure after the newest week changed (everything it refreshes)", "<= 6000 ms", changed, "ms", changed <= 6000, !okChanged)
	var under LoadResult
	okUnder := false
	if s.UnderRefresh != nil && len(s.UnderRefresh.Results) > 0 {
		under, okUnder = s.UnderRefresh.Results[0], true
	}
	add("expansion partial p99 during concurrent refreshes, 1 client", "<= 10 ms", under.P99ms, "ms", under.P99ms <= 10, !okUnder)
	brand, okB := s.http("brand page", 1)
	add("brand page p99, 1 client", "<= 20 ms", brand.P99ms, "ms", brand.P99ms <= 20, !okB)
	prod, okP := s.http("product page", 1)
	add("product page p99, 1 client", "<= 30 ms", prod.P99ms, "ms", prod.P99ms <= 30, !okP)
	for _, page := range []string{QueryViewPage, QueryPage} {
		first, okF := s.httpFirst(page)
		add(page+" p99 uncached (first request each), 1 client", "<= 50 ms", first.P99ms, "ms", first.P99ms <= 50, !okF)
		cached, okC := s.http(page, 1)
		add(page+" p99 cached, 1 client", "<= 5 ms", cached.P99ms, "ms", cached.P99ms <= 5, !okC)
	}
	coldExpansionTargets(s, add)
	mb := float64(s.PeakRSSBytes) / (1 << 20)
	add("server peak RSS under load", "<= 150 MB", mb, "MB", mb <= 150, s.PeakRSSBytes == 0)
	return out
}

func (s ScaleResult) refresh(view string, concurrent, changed bool, workMem string) (Summary, bool) {
	for _, r := range s.Refresh {
		if r.View == view && r.Concurrent == concurrent && r.Changed == changed && r.WorkMem == workMem {
			return r.Result, true
		}
	}
	return Summary{}, false
}

func (s ScaleResult) http(name string, clients int) (LoadResult, bool) {
	for _, c := range s.HTTP {
		if c.Name != name {
			continue
		}
		for _, r := range c.Results {
			if r.Clients == clients && r.Requests > 0 {
				return r, true
			}
		}
	}
	return LoadResult{}, false
}

// httpFirst is the first-requests result of the HTTP case name (its one-client pass over every URL).
func (s ScaleResult) httpFirst(name string) (LoadResult, bool) {
	for _, c := range s.HTTPFirst {
		if strings.HasPrefix(c.Name, name+", first request per ") && len(c.Results) > 0 && c.Results[0].Requests > 0 {
			return c.Results[0], true
		}
	}
	return LoadResult{}, false
}

// WriteFiles writes results.json and results.md into dir.
func WriteFiles(dir string, r Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results.json: %w", err)
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, r); err != nil {
		return fmt.Errorf("render results.md: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write results.md: %w", err)
	}
	return nil
}

// WriteMarkdown renders the results as tables with one column per scale, side by side. It stops writing
// at the first write error and returns it.
func WriteMarkdown(w io.Writer, r Results) error {
	var err error
	p := func(format string, a ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, a...)
		}
	}
	p("# sqpdash benchmark\n\n")
	p("%s · %s, %d cores, %.1f GiB RAM · %s · %s · PostgreSQL %s\n\n", r.Date.UTC().Format("2006-01-02 15:04 UTC"),
		r.Machine.CPU, r.Machine.Cores, float64(r.Machine.RAMBytes)/(1<<30), r.Machine.OS, r.Machine.Go, r.Machine.Postgres)
	p("%s Refreshes: median of %d runs (%d from scale 5 on), min–max in brackets. Loads: %.0f s per concurrency, closed loop, loopback. Date range of every request: %s to %s.\n\n",
		r.Options.Measurements, r.Options.Runs, r.Options.LargeRuns, r.Options.LoadSeconds, r.Options.RangeFrom, r.Options.RangeTo)

	header := func(first string) {
		p("| %s |", first)
		for _, s := range r.Scales {
			p(" scale %g |", s.Dataset.Scale)
		}
		p("\n|---|")
		for range r.Scales {
			p("---|")
		}
		p("\n")
	}
	row := func(name string, cell func(s ScaleResult) string) {
		p("| %s |", name)
		for _, s := range r.Scales {
			p(" %s |", cell(s))
		}
		p("\n")
	}

	p("## Datasets\n\n")
	header("")
	row("SQP rows", func(s ScaleResult) string { return fmt.Sprint(s.Dataset.SQPRows) })
	row("brands / ASINs / weeks", func(s ScaleResult) string {
		return fmt.Sprintf("%d / %d / %d", s.Dataset.Brands, s.Dataset.ASINs, s.Dataset.Weeks)
	})
	row("weekly reports (ASIN-weeks)", func(s ScaleResult) string { return fmt.Sprint(s.Dataset.ASINWeeks) })
	row("segment rows", func(s ScaleResult) string { return fmt.Sprint(s.Dataset.SegmentRows) })
	row("demo load (COPY + first refresh)", func(s ScaleResult) string { return fmt.Sprintf("%.1f s", s.Dataset.LoadSeconds) })
	row("create the seed's view + indexes", func(s ScaleResult) string {
		if s.Dataset.SeedCreateSeconds == 0 {
			return "not built at this scale"
		}
		return fmt.Sprintf("%.1f s", s.Dataset.SeedCreateSeconds)
	})
	row("database size after the run", func(s ScaleResult) string { return fmt.Sprintf("%.0f MB", float64(s.DatabaseBytes)/(1<<20)) })

	p("\n## Refresh: ours next to the seed's view (ms, rows rewritten)\n\n")
	header("")
	if len(r.Scales) > 0 {
		for _, c := range r.Scales[0].Refresh {
			name := "ours"
			switch c.View {
			case SeedView:
				name = "seed spec §1"
			case BrandView:
				name = "ours, brand level (brand_query_weeks + brand_marketplace_segments)"
			}
			kind := "REFRESH"
			switch {
			case c.View == BrandView:
				kind = "changed slices rebuilt"
			case c.Concurrent:
				kind = "REFRESH CONCURRENTLY"
			}
			change := "unchanged data"
			if c.Changed {
				change = "newest week changed"
			}
			if c.WorkMem != "" {
				change += ", work_mem " + c.WorkMem
			}
			row(fmt.Sprintf("%s: %s, %s", name, kind, change), func(s ScaleResult) string {
				x, ok := s.refresh(c.View, c.Concurrent, c.Changed, c.WorkMem)
				if !ok {
					return "–"
				}
				return summaryCell(x)
			})
		}
	}
	row("ours: procedure, forced (lock, log, refresh, validation)", func(s ScaleResult) string { return summaryCell(s.ForcedRefresh) })
	row("ours: procedure after the newest week changed (everything it refreshes)", func(s ScaleResult) string { return summaryCell(s.ChangedRefresh) })
	row("import of one new week (every ASIN, one transaction)", func(s ScaleResult) string {
		return summaryCell(s.ImportWeek) + fmt.Sprintf(", %d query rows", s.ImportWeekRows)
	})
	row("ours: procedure after that import", func(s ScaleResult) string { return summaryCell(s.RefreshAfterImport) })
	row("ours: no-change check (procedure, nothing changed → skipped)", func(s ScaleResult) string { return summaryCell(s.NoChangeCheck) })
	row("ours: read-only change check (what the schedule asks first)", func(s ScaleResult) string { return summaryCell(s.ChangedQuery) })

	loadTable := func(title string, cases func(s ScaleResult) []LoadCase) {
		if len(r.Scales) == 0 || len(cases(r.Scales[0])) == 0 {
			return
		}
		p("\n## %s (p50 / p99 ms · requests/s)\n\n", title)
		header("")
		for i, c := range cases(r.Scales[0]) {
			for j, lr := range c.Results {
				row(fmt.Sprintf("%s, %d client(s)", c.Name, lr.Clients), func(s ScaleResult) string {
					cs := cases(s)
					if i >= len(cs) || j >= len(cs[i].Results) {
						return "–"
					}
					x := cs[i].Results[j]
					if x.Requests == 0 {
						return fmt.Sprintf("none finished in %.0f s (%d cut off, %d errors)", x.Seconds, x.CutOff, x.Errors)
					}
					cell := fmt.Sprintf("%.2f / %.2f · %.0f/s", x.P50ms, x.P99ms, x.PerSec)
					if x.ServerCPUPerReqMs > 0 {
						cell += fmt.Sprintf(" · server CPU %.2f ms/req", x.ServerCPUPerReqMs)
					}
					if db := cs[i].DatabaseCPUPerReqMs; db > 0 {
						cell += fmt.Sprintf(" · database CPU %.2f ms/req", db)
					}
					if x.Errors > 0 {
						cell += fmt.Sprintf(" · %d errors", x.Errors)
					}
					return cell
				})
			}
		}
	}
	loadTable("Expansion query: the view vs live from the base tables", func(s ScaleResult) []LoadCase { return s.Queries })
	loadTable("HTTP against `sqpdash serve`: the first request of each URL (each of up to 200 products; each brand's query view over 13-week ranges; each of up to 10 search queries per brand), one at a time, after the refreshes; first, the expansions of the freshly started server before them", func(s ScaleResult) []LoadCase {
		if s.FreshServer == nil {
			return s.HTTPFirst
		}
		return append([]LoadCase{*s.FreshServer}, s.HTTPFirst...)
	})
	loadTable("HTTP against `sqpdash serve`: load over the same URLs, after the first requests", func(s ScaleResult) []LoadCase { return s.HTTP })
	writeColdExpansion(p, r.Scales)
	loadTable("HTTP expansion while concurrent refreshes of our view run back to back", func(s ScaleResult) []LoadCase {
		if s.UnderRefresh == nil {
			return nil
		}
		return []LoadCase{*s.UnderRefresh}
	})
	if len(r.Scales) > 0 && r.Scales[0].PeakRSSBytes > 0 {
		p("\n")
		header("server")
		row("peak RSS (VmHWM) after the loads", func(s ScaleResult) string { return fmt.Sprintf("%.0f MB", float64(s.PeakRSSBytes)/(1<<20)) })
		row("concurrent refreshes completed during the load", func(s ScaleResult) string { return fmt.Sprint(s.RefreshesRun) })
	}

	writeSwapRows(p, header, row, r.Scales)
	if len(r.Scales) > 1 {
		err = errors.Join(err, writeGrowth(w, r.Scales))
	}

	if n := len(r.Scales); n > 0 && len(r.Scales[n-1].HTTP) > 0 {
		last := r.Scales[n-1]
		p("\n## Database statements behind each page (scale %g, pg_stat_statements over all its loads)\n\n", last.Dataset.Scale)
		p("| page | statement | calls per request | mean ms |\n|---|---|---|---|\n")
		for _, c := range last.HTTP {
			requests := 0
			for _, x := range c.Results {
				requests += x.Requests + x.Errors
			}
			for _, st := range c.Statements {
				p("| %s | `%s` | %.2f | %.3f |\n", c.Name, markdownCode(st.Query, 120), float64(st.Calls)/float64(max(requests, 1)), st.MeanMs)
			}
		}
	}

	if len(r.Targets) > 0 {
		p("\n## Targets (scale %g)\n\n| target | limit | measured | |\n|---|---|---|---|\n", r.Targets[0].Scale)
		for _, t := range r.Targets {
			verdict := "met"
			switch {
			case t.Absent:
				verdict = "not measured"
			case !t.Met:
				verdict = "**missed**"
			}
			p("| %s | %s | %.2f %s | %s |\n", t.Name, t.Limit, t.Value, t.Unit, verdict)
		}
	}
	return err
}

func summaryCell(s Summary) string {
	if len(s.Runs) == 0 {
		return "–"
	}
	cell := fmt.Sprintf("%.1f (%.1f–%.1f)", s.MedianMs, s.MinMs, s.MaxMs)
	if s.RowsRewritten != nil {
		cell += fmt.Sprintf(", %d rows", *s.RowsRewritten)
	}
	return cell
}

// markdownCode shortens a statement to n characters and keeps it inside one table cell.
func markdownCode(q string, n int) string {
	q = strings.NewReplacer("|", "\\|", "`", "'").Replace(q)
	if len(q) > n {
		q = q[:n] + "…"
	}
	return q
}
