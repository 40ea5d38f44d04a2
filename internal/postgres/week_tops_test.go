package postgres

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// longQuery is the k-th query of n CJK ideographs (3 bytes each in UTF-8) in a sequence that does not
// repeat: text that compresses badly, so that three of them cannot fit a B-tree entry even compressed.
func longQuery(k, n rune) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(0x4E00 + (i*7919+k*104729)%0x5000)
	}
	return b.String()
}

// TestWeeklyTopQueriesReadTheIndexOnly: a product's weekly top queries are read from the report key's
// covering index without visiting sqp.report_totals (one range of index entries instead of a table page per
// week), and a report whose top queries are too long for an index entry (three queries of the importer's
// 500 characters) is imported all the same and read through the other index: the expansion and TopQueries
// give every week's top queries as the query rows rank them.
func TestWeeklyTopQueriesReadTheIndexOnly(t *testing.T) {
	ctx := context.Background()
	db, brandID := dashboardDB(t)
	long := sqp.WeeklyReport{ASIN: "B0DASH0001", Marketplace: "US", WeekStart: period.Date(2024, 8, 18), WeekEnd: period.Date(2024, 8, 24)}
	for i := range 3 {
		long.Queries = append(long.Queries, sqp.QueryRow{SearchQuery: longQuery(rune(i), sqp.MaxQueryTextLen), ASINPurchaseCount: int64(3 - i),
			ASINClickCount: 5, ASINImpressionCount: 50, TotalQueryImpressionCount: 500, TotalClickCount: 50, TotalPurchaseCount: 30})
	}
	if _, err := db.ImportWeeklyReports(ctx, []sqp.WeeklyReport{long}); err != nil {
		t.Fatalf("import of a week with three top queries of %d characters: %v", sqp.MaxQueryTextLen, err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, Force: true}); err != nil {
		t.Fatal(err)
	}
	// The data proves something: those top queries cannot be a B-tree entry.
	if _, err := db.pool.Exec(ctx, `
		CREATE TEMPORARY TABLE long_tops AS SELECT top_queries FROM sqp.report_totals WHERE NOT top_queries_indexed;
		CREATE INDEX ON long_tops (top_queries)`); err == nil || !strings.Contains(err.Error(), "index row size") {
		t.Fatalf("indexing the long report's top queries: %v, want an index row size error", err)
	}
	var tooLong, fit int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT top_queries_indexed), count(*) FILTER (WHERE top_queries_indexed)
		FROM sqp.report_totals`).Scan(&tooLong, &fit); err != nil || tooLong != 1 || fit < 4 {
		t.Fatalf("reports with top queries too long for the index: %d, others %d (%v); want 1 and the rest", tooLong, fit, err)
	}

	august := period.Range{From: period.Date(2024, 8, 4), To: period.Date(2024, 8, 31)}
	top, err := db.TopQueries(ctx, "US", "B0DASH0001", period.Weekly, august, 3)
	if err != nil {
		t.Fatal(err)
	}
	if live := liveTopQueries(t, db, "US", "B0DASH0001", august); len(top) != 4 || !reflect.DeepEqual(top, live) {
		t.Errorf("weekly top queries %+v, ranked live %+v", top, live)
	}
	if got := top[long.WeekStart]; len(got) != 3 || got[0].Query != long.Queries[0].SearchQuery {
		t.Errorf("the long week's top queries: %+v", got)
	}
	q := sqp.ExpansionQuery{BrandID: brandID, ASIN: "B0DASH0001", Marketplace: "US", Range: august, Type: period.Weekly, TopQueries: 3}
	got, err := db.ProductExpansion(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Top, top) {
		t.Errorf("the expansion's weekly top queries %+v, TopQueries %+v", got.Top, top)
	}

	// The plan: with the table's pages all visible (VACUUM), the covering index answers without a heap
	// fetch. The tables are tiny, so scans of the whole table are ruled out: what is checked is that the
	// statement can use the indexes as intended, as it does on a large table.
	if _, err := db.pool.Exec(ctx, `VACUUM (ANALYZE) sqp.report_totals`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`); err != nil {
		t.Fatal(err)
	}
	var plan []struct{ Plan planNode }
	var raw []byte
	if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+expansionSQL[period.Weekly], brandID, q.ASIN, q.Marketplace,
		august.From, august.To, minWeekMarketPurchases, false, august.From, august.To, string(period.Weekly),
		period.Weekly.Previous(august.From), 3).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", raw, err)
	}
	// The long week's top queries can only come from the second index: the covering one leaves it out.
	scans := map[string]bool{} // node type and index of each scan of report_totals
	var heapFetches float64
	plan[0].Plan.walk(func(n planNode) {
		if n.Relation == "report_totals" {
			scans[n.Type+" "+n.Index] = true
			heapFetches += n.HeapFetches
		}
	})
	want := map[string]bool{"Index Only Scan report_totals_week_tops_idx": true, "Index Scan report_totals_week_tops_long_idx": true}
	if !reflect.DeepEqual(scans, want) || heapFetches != 0 {
		t.Errorf("scans of report_totals %v with %v heap fetches, want %v and none:\n%s", scans, heapFetches, want, raw)
	}
}

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON)'s plan, the fields the tests read.
type planNode struct {
	Type        string     `json:"Node Type"`
	Relation    string     `json:"Relation Name"`
	Index       string     `json:"Index Name"`
	HeapFetches float64    `json:"Heap Fetches"`
	Plans       []planNode `json:"Plans"`
}

// walk calls f on n and every node under it.
func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}
