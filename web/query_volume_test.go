package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// Three more products of acme report "kettle", each with Amazon's Search Query Volume of the query-week
// (the same number for every ASIN of the week, as Amazon reports it), so that a sum over ASINs would show.
const (
	asinVol1 = "B0VOLUME01" // weeks 0-3 and 13
	asinVol2 = "B0VOLUME02" // weeks 0-2 and 13
	asinVol3 = "B0VOLUME03" // weeks 0-1, without the volume in week 1
)

// kettleVolumes is the Search Query Volume of "kettle" per week (weeks counted back from the newest);
// kettleASINs which of the three ASINs report it that week.
var (
	kettleVolumes = map[int]int64{0: 5200, 1: 4800, 2: 4100, 3: 3900, 13: 3000}
	kettleASINs   = map[int][]string{0: {asinVol1, asinVol2, asinVol3}, 1: {asinVol1, asinVol2, asinVol3}, 2: {asinVol1, asinVol2}, 3: {asinVol1}, 13: {asinVol1, asinVol2}}
)

// newVolumeFixture is the web fixture plus the three products' "kettle" reports.
func newVolumeFixture(t *testing.T) *queryFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	var maps []sqp.BrandMapping
	for _, a := range []string{asinVol1, asinVol2, asinVol3} {
		maps = append(maps, sqp.BrandMapping{ASIN: a, Brand: brandMain, ProductTitle: "Kettle " + a[len(a)-1:], Active: true})
	}
	if _, err := f.db.ImportBrandMappings(ctx, maps); err != nil {
		t.Fatal(err)
	}
	var reps []sqp.WeeklyReport
	for n, asins := range kettleASINs {
		ws := weekStart(n)
		for i, a := range asins {
			row := sqp.QueryRow{SearchQuery: "kettle", TotalQueryImpressionCount: 20000, ASINImpressionCount: int64(1000 * (i + 1)),
				TotalClickCount: 800, ASINClickCount: int64(40 * (i + 1)), TotalCartAddCount: 200, ASINCartAddCount: int64(10 * (i + 1)),
				TotalPurchaseCount: 100, ASINPurchaseCount: int64(5 * (i + 1))}
			if !(n == 1 && a == asinVol3) { // Amazon left the volume out of this one report
				v := kettleVolumes[n]
				row.SearchQueryVolume = &v
			}
			reps = append(reps, sqp.WeeklyReport{ASIN: a, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{row}})
		}
	}
	if _, err := f.db.ImportWeeklyReports(ctx, reps); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	sessions := newTestSessions(t, f.db)
	srv, err := New(Options{Brands: f.db, Products: f.db, Segments: f.db, Queries: f.db, Auth: sessions.Options()})
	if err != nil {
		t.Fatal(err)
	}
	f.handler = srv.testHandler()
	return &queryFixture{fixture: f, links: links{srv.echo}, sessions: sessions}
}

// TestSearchQueryVolumeCountsOncePerWeek: several ASINs of the brand carry the Search Query Volume of the
// same query-week; every place that shows the volume counts it once per week, never once per ASIN.
func TestSearchQueryVolumeCountsOncePerWeek(t *testing.T) {
	f := newVolumeFixture(t)
	// By hand, over the default range (weeks 0-12): 5,200 + 4,800 + 4,100 + 3,900 = 18,000 (summed over
	// the ASINs' reports it would be 3 x 5,200 + 2 x 4,800 + 2 x 4,100 + 3,900 = 37,300). The comparison
	// period (weeks 13-25) has week 13 only: 3,000 (not 6,000).
	const rangeVolume, baseVolume = "18,000", "3,000"

	t.Run("query view row, its sort, CSV and JSON", func(t *testing.T) {
		d, _ := f.doc(f.queriesPath("qvsort=volume&qvdir=desc"), http.StatusOK, nil)
		first := d.Find("tbody[data-testid=query]").First()
		if q := first.AttrOr("data-query", ""); q != "kettle" {
			t.Fatalf("first query by volume %q, want kettle (the only one with a volume)", q)
		}
		if got := cell(first, "volume"); got != rangeVolume {
			t.Errorf("volume %q, want %s", got, rangeVolume)
		}
		if got := first.Find(`td[data-metric="volume"]`).AttrOr("data-value", ""); got != "18000" {
			t.Errorf("volume data-value %q, want 18000", got)
		}
		body, _ := f.body("/brands/"+f.brandID+"/queries.csv?qvsort=volume&qvdir=desc", http.StatusOK, nil)
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(records) < 2 {
			t.Fatalf("CSV: %d records, %v", len(records), err)
		}
		col := map[string]int{}
		for i, h := range records[0] {
			col[h] = i
		}
		if rec := records[1]; rec[0] != "kettle" || rec[col["volume"]] != "18000" {
			t.Errorf("CSV first row %q volume %q, want kettle 18000", rec[0], rec[col["volume"]])
		}
		var api struct {
			Queries []struct {
				Query   string              `json:"query"`
				Figures map[string]*float64 `json:"figures"`
			} `json:"queries"`
		}
		jb, _ := f.body("/api/brands/"+f.brandID+"/queries?qvsort=volume&qvdir=desc", http.StatusOK, nil)
		if err := json.Unmarshal([]byte(jb), &api); err != nil || len(api.Queries) == 0 {
			t.Fatalf("JSON: %v", err)
		}
		if q := api.Queries[0]; q.Query != "kettle" || q.Figures["volume"] == nil || *q.Figures["volume"] != 18000 {
			t.Errorf("JSON first query %q volume %v, want kettle 18000", q.Query, q.Figures["volume"])
		}
	})

	t.Run("the expansion shows the volume on the query only, not per ASIN", func(t *testing.T) {
		d, _ := f.partial(f.links.QueryASINs(f.brandID, "kettle", viewstate.Default()), http.StatusOK, map[string]string{hxRequest: "true"})
		if got := cell(d.Find("tr[data-testid=query-row]"), "volume"); got != rangeVolume {
			t.Errorf("expanded row volume %q, want %s", got, rangeVolume)
		}
		asins := d.Find("tr[data-testid=query-asin]")
		if asins.Length() != 3 {
			t.Fatalf("%d ASIN rows, want 3", asins.Length())
		}
		asins.Each(func(_ int, row *goquery.Selection) {
			if v := row.Find(`td[data-metric="volume"]`).AttrOr("data-value", ""); v != "" {
				t.Errorf("%s carries a volume %q of its own", row.AttrOr("data-asin", ""), v)
			}
		})
	})

	t.Run("query page: the figure, its comparison, the bars and the chart's table", func(t *testing.T) {
		d, _ := f.doc(f.links.Query(f.brandID, "kettle", viewstate.Default()), http.StatusOK, nil)
		fig := d.Find(`[data-testid=query-figure][data-key=search_query_volume]`)
		if got := fig.Find(`[data-testid=kpi-value]`).Text(); got != rangeVolume {
			t.Errorf("Search Query Volume %q, want %s", got, rangeVolume)
		}
		// 18,000 against 3,000: +15,000, +500%.
		if delta := strings.Join(strings.Fields(fig.Find(`[data-testid=delta]`).Text()), " "); !strings.Contains(delta, "500") {
			t.Errorf("change %q, want +500%% against %s", delta, baseVolume)
		}
		var bars []string
		d.Find("[data-testid=volume-bar] title").Each(func(_ int, s *goquery.Selection) { bars = append(bars, s.Text()) })
		if len(bars) != 4 {
			t.Fatalf("%d volume bars, want 4: %q", len(bars), bars)
		}
		for i, want := range []string{"3,900", "4,100", "4,800", "5,200"} { // oldest first, left to right
			if !strings.HasSuffix(bars[i], "Search Query Volume "+want) {
				t.Errorf("bar %d %q, want the volume %s", i, bars[i], want)
			}
		}
		var rows []string
		d.Find("[data-testid=query-chart-row]").Each(func(_ int, r *goquery.Selection) {
			rows = append(rows, strings.TrimSpace(r.Find("td").First().Text()))
		})
		if got := strings.Join(rows, " "); got != "5,200 4,800 4,100 3,900" { // newest first
			t.Errorf("the chart's table lists the volumes %q, want 5,200 4,800 4,100 3,900", got)
		}
	})
}
