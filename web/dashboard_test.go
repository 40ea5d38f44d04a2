package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// The default range: the 13 weeks up to the newest; the default comparison: the 13 weeks before.
var (
	curFrom, curTo   = weekStart(12), lastWeekEnd
	baseFrom, baseTo = weekStart(25), weekStart(13).AddDate(0, 0, 6)
)

func (f *fixture) dashboardPath(query string) string {
	p := "/brands/" + f.brandID
	if query != "" {
		p += "?" + query
	}
	return p
}

func rowOf(d *goquery.Document, asin string) *goquery.Selection {
	return d.Find(`tbody[data-asin="` + asin + `"] tr[data-testid=product-row]`)
}

func asinsOf(d *goquery.Selection) []string {
	var out []string
	d.Find("tbody[data-asin]").Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("data-asin", ""))
	})
	return out
}

// pctChange is the expected text of a count's change: one decimal, "+"/"−", "—" from zero.
func pctChange(cur, base int64) string {
	if base == 0 {
		return "—"
	}
	return signed(math.Round(float64(cur-base)/float64(base)*1000)/10, "%")
}

// ppChange is the expected text of a share's change in percentage points. It follows the product's
// rule, in exact arithmetic rather than the float code under test: the difference of the exact rates
// num/den and bnum/bden, rounded once to hundredths of a point (the value the export shows), shown with
// one decimal rounded half away from zero. (Differencing the two rates rounded to 2 decimals, as this test
// once did, is off by up to 0.01 pp.)
func ppChange(num, den, bnum, bden int64) string {
	if den == 0 || bden == 0 {
		return "—"
	}
	diff := new(big.Rat).Sub(big.NewRat(num, den), big.NewRat(bnum, bden))
	hundredths := roundHalfAway(diff.Mul(diff, big.NewRat(100*100, 1))) // 100 for percent, 100 for hundredths
	tenths := roundHalfAway(big.NewRat(hundredths, 10))
	switch {
	case tenths == 0:
		return "0.0 pp"
	case tenths > 0:
		return fmt.Sprintf("+%d.%d pp", tenths/10, tenths%10)
	}
	return fmt.Sprintf("−%d.%d pp", -tenths/10, -tenths%10)
}

// roundHalfAway rounds r to the nearest integer, halves away from zero.
func roundHalfAway(r *big.Rat) int64 {
	q, m := new(big.Int).QuoRem(new(big.Int).Abs(r.Num()), r.Denom(), new(big.Int))
	if m.Lsh(m, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q.Int64()
}

func signed(v float64, unit string) string {
	// Half away from zero on the hundredths, as the page rounds a two-decimal change.
	s := strconv.FormatFloat(math.Round(math.Round(math.Abs(v)*100)/10)/10, 'f', 1, 64)
	switch {
	case s == "0.0":
		return "0.0" + unit
	case v > 0:
		return "+" + s + unit
	}
	return "−" + s + unit
}

// TestPPChange pins the expectation helper to the rule: exact rates, one rounding to hundredths.
func TestPPChange(t *testing.T) {
	for _, tc := range []struct {
		num, den, bnum, bden int64
		want                 string
	}{
		{3456, 100000, 2504, 100000, "+1.0 pp"},    // 0.952 pp
		{10049, 1000000, 9550, 1000000, "+0.1 pp"}, // 0.0499 pp; the rounded rates, 1.00 − 0.96, would give 0.0
		{9550, 1000000, 10049, 1000000, "−0.1 pp"},
		{1004, 100000, 1000, 100000, "0.0 pp"}, // 0.004 pp
		{1, 3, 1, 3, "0.0 pp"},
		{1, 0, 1, 3, "—"},
		{1, 3, 1, 0, "—"},
	} {
		if got := ppChange(tc.num, tc.den, tc.bnum, tc.bden); got != tc.want {
			t.Errorf("ppChange(%d/%d vs %d/%d) = %q, want %q", tc.num, tc.den, tc.bnum, tc.bden, got, tc.want)
		}
	}
}

func TestDashboardShowsTheProductTable(t *testing.T) {
	f := newFixture(t)
	d, res := f.doc(f.dashboardPath(""), http.StatusOK, nil)
	if !strings.Contains(vary(res), "HX-Request") {
		t.Errorf("Vary = %q, want HX-Request", vary(res))
	}

	t.Run("one row per product, by impressions", func(t *testing.T) {
		got := asinsOf(d.Selection)
		if len(got) != 3+fillers || got[0] != asinA || got[1] != asinB || got[2] != asinC {
			t.Fatalf("rows = %v", got)
		}
		for _, a := range got {
			if a == asinOther {
				t.Fatal("another brand's product is listed")
			}
		}
		if s := d.Find("[data-testid=pager-summary]").Text(); s != fmt.Sprintf("Products 1–%d of %d", 3+fillers, 3+fillers) {
			t.Errorf("pager summary %q", s)
		}
	})

	t.Run("numbers are sums and ratios of sums of the base rows", func(t *testing.T) {
		for _, asin := range []string{asinA, asinB, asinC} {
			e := expected(asin, curFrom, curTo)
			row := rowOf(d, asin)
			for metric, want := range map[string]string{
				"impressions":      thousands(e.impr),
				"clicks":           thousands(e.clicks),
				"cart_adds":        thousands(e.carts),
				"purchases":        thousands(e.purch),
				"ctr":              pct(e.clicks, e.impr),
				"cvr":              pct(e.purch, e.clicks),
				"impression_share": pct(e.impr, e.totalImpr),
				"click_share":      pct(e.clicks, e.totalClicks),
				"cart_add_share":   pct(e.carts, e.totalCarts),
				"purchase_share":   pct(e.purch, e.totalPurch),
			} {
				if got := cell(row, metric); got != want {
					t.Errorf("%s %s = %q, want %q", asin, metric, got, want)
				}
			}
			wantPrice := "—"
			if e.priced > 0 {
				wantPrice = fmt.Sprintf("%.2f USD", float64(e.priceCents)/float64(e.priced)/100)
			}
			if got := cell(row, "avg_purchase_price"); got != wantPrice {
				t.Errorf("%s price = %q, want %q", asin, got, wantPrice)
			}
		}
	})

	t.Run("segment counts come from the metadata and decide the toggle", func(t *testing.T) {
		// A: 13 weeks; the months whose weeks with data lie in Jul 28..Oct 26 are August, September and
		// October (its weeks of 6, 13 and 20 October; the week of 27 October has no data yet). July is not:
		// its weeks of 7 to 21 July lie before the range.
		// Quarters likewise: Q4 (its weeks of 6 to 20 October); Q3's weeks of July lie before the range.
		if got := strings.TrimSpace(rowOf(d, asinA).Find(`td[data-metric=segments]`).Text()); got != "13 W · 3 M · 1 Q" {
			t.Errorf("A segments %q", got)
		}
		// B (8 weeks from 1 September): September and October, Q3 (1 .. 29 September) and Q4.
		if got := strings.TrimSpace(rowOf(d, asinB).Find(`td[data-metric=segments]`).Text()); got != "8 W · 2 M · 2 Q" {
			t.Errorf("B segments %q", got)
		}
		btn := rowOf(d, asinA).Find("button[data-testid=toggle]")
		if btn.AttrOr("aria-expanded", "") != "false" || !strings.Contains(btn.AttrOr("hx-get", ""), "/products/"+asinA+"/segments?") {
			t.Errorf("toggle of A: %v", btn.Nodes)
		}
	})

	t.Run("every numeric cell has its change against the previous period", func(t *testing.T) {
		e, b := expected(asinA, curFrom, curTo), expected(asinA, baseFrom, baseTo)
		row := rowOf(d, asinA)
		for metric, want := range map[string]string{
			"impressions":      pctChange(e.impr, b.impr),
			"purchases":        pctChange(e.purch, b.purch),
			"impression_share": ppChange(e.impr, e.totalImpr, b.impr, b.totalImpr),
			"ctr":              ppChange(e.clicks, e.impr, b.clicks, b.impr),
		} {
			if got := deltaText(row, metric); got != want {
				t.Errorf("A %s change = %q, want %q", metric, got, want)
			}
		}
		if got := row.Find(`td[data-metric=impressions] [data-testid=delta]`).AttrOr("data-dir", ""); got != "up" {
			t.Errorf("A impressions direction %q, want up", got)
		}
		// B has no data in the previous period: its changes say so on screen instead of "—".
		if got := deltaText(rowOf(d, asinB), "impressions"); got != "no data (comparison)" {
			t.Errorf("B impressions change = %q, want no data (comparison)", got)
		}
	})

	t.Run("KPI cards sum the brand, each query's market counted once per week", func(t *testing.T) {
		// The brand's ASIN impressions summed; the market total of a query and week once, however many of
		// the brand's products report it (they are the same number on each product's row).
		brandASINs := map[string]bool{asinA: true, asinB: true, asinC: true}
		for i := range fillers {
			brandASINs[fillerASIN(i)] = true
		}
		var impr, totalImpr, perASINTotal int64
		market := map[string]int64{}
		for _, r := range reports() {
			if !brandASINs[r.ASIN] || r.WeekStart.Before(curFrom) || r.WeekEnd.After(curTo) {
				continue
			}
			for _, q := range r.Queries {
				impr += q.ASINImpressionCount
				perASINTotal += q.TotalQueryImpressionCount
				k := r.WeekStart.Format(time.DateOnly) + "|" + q.SearchQuery
				market[k] = max(market[k], q.TotalQueryImpressionCount)
			}
		}
		for _, m := range market {
			totalImpr += m
		}
		if totalImpr == perASINTotal {
			t.Fatal("fixture: no query shared by two products in a week; the test would not tell the definitions apart")
		}
		if got := d.Find(`[data-testid=kpi][data-metric=impressions] [data-testid=kpi-value]`).Text(); got != thousands(impr) {
			t.Errorf("impressions KPI %q, want %q", got, thousands(impr))
		}
		if got := d.Find(`[data-testid=kpi][data-metric=impression_share] [data-testid=kpi-value]`).Text(); got != pct(impr, totalImpr) {
			t.Errorf("impression share KPI %q, want %q", got, pct(impr, totalImpr))
		}
		if n := d.Find(`[data-testid=kpi][data-metric=impressions] circle`).Length(); n != 13 {
			t.Errorf("impressions sparkline has %d points, want 13", n)
		}
	})

	t.Run("brand picker lists the active brands and keeps the settings", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath("sort=ctr&dir=asc&preset=4w"), http.StatusOK, nil)
		var alt string
		d.Find("[data-testid=brand-picker] a").Each(func(_ int, s *goquery.Selection) {
			if strings.Contains(s.AttrOr("href", ""), f.altID) {
				alt = s.AttrOr("href", "")
			}
		})
		if alt == "" || !strings.Contains(alt, "sort=ctr") || !strings.Contains(alt, "preset=4w") || !strings.Contains(alt, "dir=asc") {
			t.Errorf("link to the other brand %q", alt)
		}
	})
}

func TestDashboardSortsPagesAndFilters(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		query string
		want  []string // the first rows
		count int
	}{
		{"impressions ascending", "sort=impressions&dir=asc", []string{fillerASIN(0), fillerASIN(1)}, 3 + fillers},
		{"title ascending", "sort=title&dir=asc", []string{asinB, fillerASIN(0)}, 3 + fillers},
		{"CTR descending puts undefined last", "sort=ctr&dir=desc", []string{asinB}, 3 + fillers},
		{"page 2 of 10", "size=10&page=2", []string{fillerASIN(2), fillerASIN(1), fillerASIN(0)}, 3},
		{"search by title", "q=widget", []string{asinB}, 1},
		{"search by ASIN, any case", "q=b0testccc3", []string{asinC}, 1},
		{"minimum impressions", "min_impr=100", []string{asinA, asinB}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := f.doc(f.dashboardPath(tc.query), http.StatusOK, nil)
			got := asinsOf(d.Selection)
			if len(got) != tc.count {
				t.Fatalf("%d rows %v, want %d", len(got), got, tc.count)
			}
			for i, a := range tc.want {
				if got[i] != a {
					t.Fatalf("rows %v, want first %v", got, tc.want)
				}
			}
		})
	}

	t.Run("the last row of CTR descending has no CTR", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath("sort=ctr&dir=desc"), http.StatusOK, nil)
		got := asinsOf(d.Selection)
		if last := got[len(got)-1]; last != asinC {
			t.Fatalf("last row %s, want %s (no clicks at all)", last, asinC)
		}
	})

	t.Run("page 2 reports the total and links back", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath("size=10&page=2"), http.StatusOK, nil)
		if s := d.Find("[data-testid=pager-summary]").Text(); s != fmt.Sprintf("Products 11–%d of %d", 3+fillers, 3+fillers) {
			t.Errorf("summary %q", s)
		}
		if href := d.Find("[data-testid=prev]").AttrOr("href", ""); !strings.Contains(href, "size=10") || strings.Contains(href, "page=") {
			t.Errorf("previous page link %q", href)
		}
	})

	t.Run("sorting by htmx returns only the table region", func(t *testing.T) {
		body, res := f.body(f.dashboardPath("sort=clicks"), http.StatusOK, map[string]string{"HX-Request": "true", "HX-Target": "product-table"})
		if strings.Contains(body, "<html") || !strings.HasPrefix(strings.TrimSpace(body), `<section id="product-table"`) {
			t.Fatalf("partial is not the table region: %.200s", body)
		}
		if !strings.Contains(vary(res), "HX-Request") {
			t.Error("no Vary: HX-Request")
		}
		d, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
		th := d.Find(`th[data-sort-key=clicks]`)
		if th.AttrOr("aria-sort", "") != "descending" || !strings.Contains(th.Find("a").AttrOr("href", ""), "dir=asc") {
			t.Errorf("clicks header %v", th.Nodes)
		}
	})
}

// segmentsPath is the expansion URL of asin with the given segment type and extra state.
func (f *fixture) segmentsPath(asin, typ, query string) string {
	p := "/brands/" + f.brandID + "/products/" + asin + "/segments?type=" + typ
	if query != "" {
		p += "&" + query
	}
	return p
}

var htmxHeaders = map[string]string{"HX-Request": "true"}

func TestExpansion(t *testing.T) {
	f := newFixture(t)

	t.Run("weekly rows with changes against the previous week and top queries", func(t *testing.T) {
		d, res := f.partial(f.segmentsPath(asinA, "weekly", ""), http.StatusOK, htmxHeaders)
		if push := res.Header.Get("HX-Push-Url"); !strings.Contains(push, "open="+url.QueryEscape(asinA+":weekly")) {
			t.Errorf("HX-Push-Url %q", push)
		}
		if d.Find("tbody").Length() != 1 || d.Find("tbody").AttrOr("id", "") != "p-"+asinA {
			t.Fatalf("partial is not the product's tbody")
		}
		if d.Find("button[data-testid=toggle]").AttrOr("aria-expanded", "") != "true" {
			t.Error("toggle not expanded")
		}
		rows := d.Find("tr.segment-row")
		if rows.Length() != 13 {
			t.Fatalf("%d weekly rows, want 13", rows.Length())
		}
		// Newest first.
		newest := rows.First()
		if l := segmentLabel(newest); l != "Oct 20 – Oct 26, 2024" {
			t.Errorf("newest label %q", l)
		}
		w0, w1 := expected(asinA, weekStart(0), lastWeekEnd), expected(asinA, weekStart(1), weekStart(1).AddDate(0, 0, 6))
		if got := cell(newest, "impressions"); got != thousands(w0.impr) {
			t.Errorf("newest week impressions %q, want %q", got, thousands(w0.impr))
		}
		if got := cell(newest, "purchase_share"); got != pct(w0.purch, w0.totalPurch) {
			t.Errorf("newest week purchase share %q", got)
		}
		if got := deltaText(newest, "impressions"); got != pctChange(w0.impr, w1.impr) {
			t.Errorf("newest week change %q, want %q", got, pctChange(w0.impr, w1.impr))
		}
		top := topQueries(newest)
		if strings.Join(top, "|") != "garden hose|hose reel" {
			t.Errorf("top queries %v", top)
		}
		// The oldest week in range compares with the week before the range, matched by date.
		oldest := rows.Last()
		w12, w13 := expected(asinA, weekStart(12), weekStart(12).AddDate(0, 0, 6)), expected(asinA, weekStart(13), weekStart(13).AddDate(0, 0, 6))
		if got := deltaText(oldest, "impressions"); got != pctChange(w12.impr, w13.impr) {
			t.Errorf("oldest week change %q, want %q", got, pctChange(w12.impr, w13.impr))
		}
	})

	t.Run("top three queries by purchases then clicks", func(t *testing.T) {
		d, _ := f.partial(f.segmentsPath(asinB, "weekly", ""), http.StatusOK, htmxHeaders)
		top := topQueries(d.Find("tr.segment-row").First())
		// blue widget and widget tie on purchases (9): blue widget has more clicks; gizmo beats doohickey on clicks.
		if strings.Join(top, "|") != "blue widget|widget|gizmo" {
			t.Errorf("top queries %v", top)
		}
	})

	t.Run("monthly rows are the months whose weeks lie in the range, compared by date", func(t *testing.T) {
		d, res := f.partial(f.segmentsPath(asinA, "monthly", ""), http.StatusOK, htmxHeaders)
		rows := d.Find("tr.segment-row")
		if rows.Length() != 3 {
			t.Fatalf("%d monthly rows, want August, September and October", rows.Length())
		}
		// Newest first.
		octRow, sepRow, augRow := rows.Eq(0), rows.Eq(1), rows.Eq(2)
		if a, b, c := segmentLabel(octRow), segmentLabel(sepRow),
			segmentLabel(augRow); a != "October 2024" || b != "September 2024" || c != "August 2024" {
			t.Errorf("labels %q, %q, %q", a, b, c)
		}
		// October's weeks start on the 6th, 13th, 20th and 27th; the last has no data yet.
		if got := octRow.Find("[data-testid=segment-coverage]").Text(); got != "3 of 4 weeks (partial)" {
			t.Errorf("October coverage %q", got)
		}
		// September (five weeks: 1 to 29) against August (four): not like-for-like, not coloured.
		if got := sepRow.Find("[data-testid=segment-compare-note]").Text(); got != "Not like-for-like: the previous month has 4 weeks of data, this one 5 weeks." {
			t.Errorf("September note %q", got)
		}
		if got := deltaDir(sepRow, "impressions"); got != "unfair" {
			t.Errorf("September impressions change dir %q, want unfair", got)
		}
		monthOf := func(y int, m time.Month) sums { // the weeks that start in the month
			first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			var s sums
			for n := 0; n < 26; n++ {
				if ws := weekStart(n); !ws.Before(first) && ws.Before(first.AddDate(0, 1, 0)) {
					e := expected(asinA, ws, ws.AddDate(0, 0, 6))
					s.impr += e.impr
				}
			}
			return s
		}
		aug, jul := monthOf(2024, time.August), monthOf(2024, time.July)
		if got := cell(augRow, "impressions"); got != thousands(aug.impr) {
			t.Errorf("August impressions %q, want %q", got, thousands(aug.impr))
		}
		// July lies outside the range but is August's previous month.
		if got := deltaText(augRow, "impressions"); got != pctChange(aug.impr, jul.impr) {
			t.Errorf("August change %q, want %q", got, pctChange(aug.impr, jul.impr))
		}
		if d.Find("[data-testid=seg-monthly]").AttrOr("aria-pressed", "") != "true" {
			t.Error("monthly switch not pressed")
		}
		if !strings.Contains(res.Header.Get("HX-Push-Url"), url.QueryEscape(asinA+":monthly")) {
			t.Errorf("push url %q", res.Header.Get("HX-Push-Url"))
		}
		// Switching an open row replaces the history entry instead of adding one.
		_, res = f.partial(f.segmentsPath(asinA, "monthly", "open="+url.QueryEscape(asinA+":weekly")), http.StatusOK, htmxHeaders)
		if res.Header.Get("HX-Push-Url") != "" || !strings.Contains(res.Header.Get("HX-Replace-Url"), url.QueryEscape(asinA+":monthly")) {
			t.Errorf("switch: push %q, replace %q", res.Header.Get("HX-Push-Url"), res.Header.Get("HX-Replace-Url"))
		}
	})

	t.Run("quarterly rows are the quarters whose weeks lie in the range, newest first, with their week coverage", func(t *testing.T) {
		// Over 52 weeks (Oct 29, 2023 .. Oct 26, 2024) A has data from the week of 28 April: Q2 2024 (10 of
		// its 13 week starts, 7 April .. 30 June), Q3 (13 of 13: 7 July .. 29 September) and Q4 (6, 13 and
		// 20 October of 13: 6 October .. 29 December).
		d, res := f.partial(f.segmentsPath(asinA, "quarterly", "preset=52w"), http.StatusOK, htmxHeaders)
		quarterOf := func(first time.Time) sums { // the weeks that start in the quarter, summed by hand
			var s sums
			for n := 0; n < 26; n++ {
				if ws := weekStart(n); !ws.Before(first) && ws.Before(first.AddDate(0, 3, 0)) {
					s.impr += expected(asinA, ws, ws.AddDate(0, 0, 6)).impr
				}
			}
			return s
		}
		q2, q3, q4 := quarterOf(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)), quarterOf(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)), quarterOf(time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC))
		var got []string
		d.Find("tr.segment-row").Each(func(_ int, r *goquery.Selection) {
			got = append(got, strings.Join([]string{d.Find("[data-testid=segment-controls]").AttrOr("data-type", ""), segmentLabel(r),
				r.Find("[data-testid=segment-coverage]").Text(), r.Find("[data-testid=segment-compare-note]").Text(),
				cell(r, "impressions"), deltaText(r, "impressions"), deltaDir(r, "impressions")}, " | "))
		})
		want := []string{
			"quarterly | Q4 2024 | 3 of 13 weeks (partial) |  | " + thousands(q4.impr) + " | " + pctChange(q4.impr, q3.impr) + " | down",
			"quarterly | Q3 2024 | 13 of 13 weeks | Not like-for-like: the previous quarter has 10 weeks of data, this one 13 weeks. | " +
				thousands(q3.impr) + " | " + pctChange(q3.impr, q2.impr) + " | unfair",
			"quarterly | Q2 2024 | 10 of 13 weeks (partial) | No data in the comparison period. | " + thousands(q2.impr) + " | no data (comparison) | none",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("quarterly rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if d.Find("[data-testid=seg-quarterly]").AttrOr("aria-pressed", "") != "true" {
			t.Error("quarterly switch not pressed")
		}
		if !strings.Contains(res.Header.Get("HX-Push-Url"), url.QueryEscape(asinA+":quarterly")) {
			t.Errorf("push url %q", res.Header.Get("HX-Push-Url"))
		}
		// With the default 13 weeks (Jul 28 .. Oct 26) Q3's weeks of July lie before the range: Q4 alone.
		d, _ = f.partial(f.segmentsPath(asinA, "quarterly", ""), http.StatusOK, htmxHeaders)
		if rows := d.Find("tr.segment-row"); rows.Length() != 1 || segmentLabel(rows) != "Q4 2024" {
			t.Errorf("%d quarterly rows over 13 weeks, want Q4 2024 alone", rows.Length())
		}
	})

	t.Run("expansions made since the page loaded are kept", func(t *testing.T) {
		cur := "http://example.com" + f.dashboardPath("sort=ctr&open="+url.QueryEscape(asinB+":monthly"))
		_, res := f.partial(f.segmentsPath(asinA, "weekly", "sort=ctr"), http.StatusOK, map[string]string{"HX-Request": "true", "HX-Current-URL": cur})
		push := res.Header.Get("HX-Push-Url")
		u, err := url.Parse(push)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Query().Get("open"); got != asinB+":monthly,"+asinA+":weekly" || u.Query().Get("sort") != "ctr" {
			t.Errorf("pushed %q", push)
		}
	})

	t.Run("collapse returns the row alone and forgets the expansion", func(t *testing.T) {
		path := "/brands/" + f.brandID + "/products/" + asinA + "/row?open=" + url.QueryEscape(asinA+":weekly")
		d, res := f.partial(path, http.StatusOK, htmxHeaders)
		if d.Find("tr.segment-row").Length() != 0 || d.Find("button[data-testid=toggle]").AttrOr("aria-expanded", "") != "false" {
			t.Error("row still expanded")
		}
		if strings.Contains(res.Header.Get("HX-Push-Url"), "open=") {
			t.Errorf("push url keeps the expansion: %q", res.Header.Get("HX-Push-Url"))
		}
	})

	t.Run("the page renders expansions named in the URL with the same rows", func(t *testing.T) {
		partial, _ := f.partial(f.segmentsPath(asinA, "monthly", ""), http.StatusOK, htmxHeaders)
		page, _ := f.doc(f.dashboardPath("open="+url.QueryEscape(asinA+":monthly")), http.StatusOK, nil)
		a, _ := partial.Find("tbody").Html()
		b, _ := page.Find("tbody#p-" + asinA).Html()
		if a != b || !strings.Contains(b, "segment-row") {
			t.Errorf("page and partial differ:\n%s\n---\n%s", a, b)
		}
	})

	t.Run("without htmx the expansion leads to the dashboard", func(t *testing.T) {
		res := f.get(f.segmentsPath(asinA, "weekly", "sort=ctr"), nil)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/brands/"+f.brandID+"?") || !strings.Contains(loc, "sort=ctr") || !strings.Contains(loc, "open=") {
			t.Errorf("%d %q", res.StatusCode, loc)
		}
	})
}

// TestProductComparisonsLikeForLike: with the last 4 weeks compared with weeks 6..9, B (data in the last 8
// weeks only) has 2 weeks of data in the comparison and 4 in the range, and the fillers (the newest week
// only) none. B's changes, on its row, its re-rendered row and its product page, are shown but neither
// coloured nor arrowed, with a note on screen; a filler's say "no data (comparison)"; A, with 4 weeks in
// both, keeps its coloured changes.
func TestProductComparisonsLikeForLike(t *testing.T) {
	f := newFixture(t)
	q := "preset=4w&cmp=custom&cmp_from=" + weekStart(9).Format(dateLayout) + "&cmp_to=" + weekStart(6).AddDate(0, 0, 6).Format(dateLayout)
	unfair := func(t *testing.T, where string, d *goquery.Selection) {
		t.Helper()
		if d.Length() == 0 {
			t.Fatalf("%s: no change shown", where)
		}
		if dir := d.AttrOr("data-dir", ""); dir != "unfair" || d.HasClass("delta-up") || d.HasClass("delta-down") || strings.ContainsAny(d.Text(), "▲▼") {
			t.Errorf("%s: dir %q, class %q, text %q; want not coloured as good or bad", where, dir, d.AttrOr("class", ""), d.Text())
		}
		if !strings.Contains(d.Find(".visually-hidden").Text(), "not like-for-like") {
			t.Errorf("%s: screen reader text %q", where, d.Find(".visually-hidden").Text())
		}
	}
	const bNote = "Not like-for-like: the comparison period has 2 weeks of data, this range 4 weeks; the changes are not coloured."

	d, _ := f.doc(f.dashboardPath(q), http.StatusOK, nil)
	if got := d.Find("[data-testid=compare-range]").Text(); !strings.Contains(got, weekStart(9).Format("Jan 2")) {
		t.Fatalf("comparison %q, want the custom weeks", got)
	}
	t.Run("fewer weeks of data: shown, not coloured, said on screen", func(t *testing.T) {
		row := rowOf(d, asinB)
		if got := row.Find("[data-testid=product-compare-note]").Text(); got != bNote {
			t.Errorf("B note %q, want %q", got, bNote)
		}
		e, b := expected(asinB, weekStart(3), curTo), expected(asinB, weekStart(9), weekStart(6).AddDate(0, 0, 6))
		if b.impr == 0 {
			t.Fatal("fixture: B has no data in the comparison")
		}
		if got, want := deltaText(row, "impressions"), pctChange(e.impr, b.impr); got != want {
			t.Errorf("B impressions change %q, want %q", got, want)
		}
		for _, m := range []string{"impressions", "clicks", "ctr", "impression_share"} {
			unfair(t, "B "+m, row.Find(`td[data-metric=`+m+`] [data-testid=delta]`))
		}
	})
	t.Run("as many weeks of data: coloured", func(t *testing.T) {
		row := rowOf(d, asinA)
		if row.Find("[data-testid=product-compare-note]").Length() != 0 {
			t.Errorf("A has a note: %q", row.Find("[data-testid=product-compare-note]").Text())
		}
		if got := row.Find(`td[data-metric=impressions] [data-testid=delta]`).AttrOr("data-dir", ""); got != "up" && got != "down" {
			t.Errorf("A impressions change dir %q, want coloured", got)
		}
	})
	t.Run("no data in the comparison: said on screen", func(t *testing.T) {
		row := rowOf(d, fillerASIN(0))
		if got := row.Find("[data-testid=product-compare-note]").Text(); got != "No data in the comparison period." {
			t.Errorf("filler note %q", got)
		}
		for _, m := range []string{"impressions", "ctr", "click_share"} {
			if got := deltaText(row, m); got != "no data (comparison)" {
				t.Errorf("filler %s change %q, want no data (comparison)", m, got)
			}
			if got := row.Find(`td[data-metric=` + m + `] [data-testid=delta] .visually-hidden`).Text(); got != "no data in the comparison period" {
				t.Errorf("filler %s screen reader text %q", m, got)
			}
		}
	})
	t.Run("the re-rendered row keeps the marks", func(t *testing.T) {
		rd, _ := f.partial("/brands/"+f.brandID+"/products/"+asinB+"/row?"+q, http.StatusOK, htmxHeaders)
		row := rowOf(rd, asinB)
		if got := row.Find("[data-testid=product-compare-note]").Text(); got != bNote {
			t.Errorf("B row note %q", got)
		}
		unfair(t, "B row impressions", row.Find(`td[data-metric=impressions] [data-testid=delta]`))
	})
	t.Run("product page KPI cards", func(t *testing.T) {
		pd, _ := f.doc("/brands/"+f.brandID+"/products/"+asinB+"?"+q, http.StatusOK, nil)
		if got := pd.Find("[data-testid=compare-note]").Text(); got != bNote {
			t.Errorf("B page note %q", got)
		}
		unfair(t, "B page impressions KPI", pd.Find(`[data-testid=kpi][data-metric=impressions] [data-testid=delta]`))
		fd, _ := f.doc("/brands/"+f.brandID+"/products/"+fillerASIN(0)+"?"+q, http.StatusOK, nil)
		if got := fd.Find("[data-testid=compare-note]").Text(); got != "No data in the comparison period." {
			t.Errorf("filler page note %q", got)
		}
		k := fd.Find(`[data-testid=kpi][data-metric=impressions] [data-testid=delta]`)
		if got := strings.TrimSpace(k.Find("span[aria-hidden]").Last().Text()); got != "no data (comparison)" {
			t.Errorf("filler page impressions KPI change %q", got)
		}
		ad, _ := f.doc("/brands/"+f.brandID+"/products/"+asinA+"?"+q, http.StatusOK, nil)
		if n := ad.Find("[data-testid=compare-note]").Length(); n != 0 {
			t.Errorf("A page has a comparison note: %q", ad.Find("[data-testid=compare-note]").Text())
		}
	})
	// Per product: weeks of data in the range, in the comparison, and whether that is like-for-like.
	want := map[string]string{asinA: "4 4 true", asinB: "4 2 false", fillerASIN(0): "1 0 false"}
	t.Run("the products JSON carries the weeks of data and the like-for-like decision", func(t *testing.T) {
		body, _ := f.body("/api/brands/"+f.brandID+"/products?size=50&"+q, http.StatusOK, nil)
		var got struct {
			Products []struct {
				ASIN          string `json:"asin"`
				WeeksWithData int    `json:"weeks_with_data"`
				Comparison    *struct {
					WeeksWithData int  `json:"weeks_with_data"`
					LikeForLike   bool `json:"like_for_like"`
				} `json:"comparison"`
			} `json:"products"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, p := range got.Products {
			w, ok := want[p.ASIN]
			if !ok {
				continue
			}
			seen++
			if p.Comparison == nil {
				t.Fatalf("%s has no comparison", p.ASIN)
			}
			if g := fmt.Sprintf("%d %d %t", p.WeeksWithData, p.Comparison.WeeksWithData, p.Comparison.LikeForLike); g != w {
				t.Errorf("%s: weeks, comparison weeks, like-for-like = %s, want %s", p.ASIN, g, w)
			}
		}
		if seen != len(want) {
			t.Errorf("%d of the %d products in the JSON", seen, len(want))
		}
	})
	t.Run("the products CSV carries the same columns", func(t *testing.T) {
		body, _ := f.body("/brands/"+f.brandID+"/products.csv?"+q, http.StatusOK, nil)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := func(name string) int {
			i := slices.Index(recs[0], name)
			if i < 0 {
				t.Fatalf("no column %s in %v", name, recs[0])
			}
			return i
		}
		weeks, base, fair := col("weeks_with_data"), col("comparison_weeks_with_data"), col("like_for_like")
		seen := 0
		for _, r := range recs[1:] {
			if w, ok := want[r[0]]; ok {
				seen++
				if g := r[weeks] + " " + r[base] + " " + r[fair]; g != w {
					t.Errorf("%s: CSV %s, want %s", r[0], g, w)
				}
			}
		}
		if seen != len(want) {
			t.Errorf("%d of the %d products in the CSV", seen, len(want))
		}
	})
}
