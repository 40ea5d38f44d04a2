package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/views"
)

// querySums are a brand query's expected figures over a range, recomputed from reports(): per query and
// week the market totals once (the largest) and the brand's counts summed over its ASINs, then the weeks
// added up.
type querySums struct {
	market, brand [4]int64 // impressions, clicks, cart adds, purchases
	priceCents    int64
	priced        int64
	weeks         int
}

// brandASINs are acme's products of the fixture.
func brandASINs() map[string]bool {
	m := map[string]bool{asinA: true, asinB: true, asinC: true}
	for i := range fillers {
		m[fillerASIN(i)] = true
	}
	return m
}

func expectedQueries(from, to time.Time) map[string]querySums {
	type qw struct {
		query string
		week  time.Time
	}
	weeks := map[qw]*querySums{}
	for _, r := range reports() {
		if !brandASINs()[r.ASIN] || r.WeekStart.Before(from) || r.WeekEnd.After(to) {
			continue
		}
		for _, q := range r.Queries {
			k := qw{q.SearchQuery, r.WeekStart}
			w := weeks[k]
			if w == nil {
				w = &querySums{weeks: 1}
				weeks[k] = w
			}
			for i, v := range []int64{q.TotalQueryImpressionCount, q.TotalClickCount, q.TotalCartAddCount, q.TotalPurchaseCount} {
				w.market[i] = max(w.market[i], v)
			}
			for i, v := range []int64{q.ASINImpressionCount, q.ASINClickCount, q.ASINCartAddCount, q.ASINPurchaseCount} {
				w.brand[i] += v
			}
			if q.ASINMedianPurchasePrice != nil {
				w.priceCents += int64(*q.ASINMedianPurchasePrice) * q.ASINPurchaseCount
				w.priced += q.ASINPurchaseCount
			}
		}
	}
	out := map[string]querySums{}
	for k, w := range weeks {
		s := out[k.query]
		for i := range 4 {
			s.market[i] += w.market[i]
			s.brand[i] += w.brand[i]
		}
		s.priceCents += w.priceCents
		s.priced += w.priced
		s.weeks++
		out[k.query] = s
	}
	return out
}

// defaultRange is the 13 weeks up to the fixture's newest week, and its previous period.
func defaultRange() (from, to, baseFrom, baseTo time.Time) {
	return weekStart(12), lastWeekEnd, weekStart(25), weekStart(13).AddDate(0, 0, 6)
}

func (f *fixture) queriesPath(query string) string {
	p := "/brands/" + f.brandID + "/queries"
	if query != "" {
		p += "?" + query
	}
	return p
}

func TestQueryView(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	from, to, baseFrom, baseTo := defaultRange()
	want := expectedQueries(from, to)
	base := expectedQueries(baseFrom, baseTo)

	t.Run("every query of the range with its figures recomputed from the reports", func(t *testing.T) {
		d, _ := f.doc(f.queriesPath("size=100"), http.StatusOK, nil)
		rows := d.Find("tbody[data-testid=query]")
		if rows.Length() != len(want) {
			t.Fatalf("%d query rows, want %d", rows.Length(), len(want))
		}
		rows.Each(func(_ int, row *goquery.Selection) {
			q := row.AttrOr("data-query", "")
			w, ok := want[q]
			if !ok {
				t.Errorf("unexpected query %q", q)
				return
			}
			steps := []string{"impressions", "clicks", "cart_adds", "purchases"}
			shares := []string{"impression_share", "click_share", "cart_add_share", "purchase_share"}
			for i, s := range steps {
				if got := cell(row, "market_"+s); got != thousands(w.market[i]) {
					t.Errorf("%s: market %s %q, want %s", q, s, got, thousands(w.market[i]))
				}
				if got := cell(row, s); got != thousands(w.brand[i]) {
					t.Errorf("%s: brand %s %q, want %s", q, s, got, thousands(w.brand[i]))
				}
				if got := cell(row, shares[i]); got != pct(w.brand[i], w.market[i]) {
					t.Errorf("%s: %s %q, want %s", q, shares[i], got, pct(w.brand[i], w.market[i]))
				}
			}
			for _, r := range []struct {
				metric   string
				num, den int
			}{{"ctr", 1, 0}, {"cart_add_rate", 2, 1}, {"cvr", 3, 1}} {
				if got := cell(row, r.metric); got != pct(w.brand[r.num], w.brand[r.den]) {
					t.Errorf("%s: brand %s %q, want %s", q, r.metric, got, pct(w.brand[r.num], w.brand[r.den]))
				}
				if got := cell(row, "market_"+r.metric); got != pct(w.market[r.num], w.market[r.den]) {
					t.Errorf("%s: market %s %q, want %s", q, r.metric, got, pct(w.market[r.num], w.market[r.den]))
				}
			}
			price := "—"
			if w.priced > 0 {
				c := (2*w.priceCents + w.priced) / (2 * w.priced)
				price = fmt.Sprintf("%d.%02d USD", c/100, c%100)
			}
			if got := cell(row, "purchase_price"); got != price {
				t.Errorf("%s: brand median purchase price %q, want %s", q, got, price)
			}
			// Changes against the previous period, like for like when it has as many weeks of data.
			b, hasBase := base[q]
			note := row.Find("[data-testid=query-compare-note]").Text()
			switch {
			case !hasBase && !strings.Contains(note, "No data in the comparison period"):
				t.Errorf("%s: no data in the comparison period, note %q", q, note)
			case hasBase && b.weeks >= w.weeks && note != "":
				t.Errorf("%s: like-for-like comparison has the note %q", q, note)
			case hasBase && b.weeks < w.weeks && !strings.Contains(note, "Not like-for-like"):
				t.Errorf("%s: %d weeks against %d, note %q", q, w.weeks, b.weeks, note)
			}
			if hasBase && b.market[0] > 0 && w.market[0] != b.market[0] {
				ch := math.Round(float64(w.market[0]-b.market[0])/float64(b.market[0])*1000) / 10
				if got, wantText := deltaText(row, "market_impressions"), fmt.Sprintf("%.1f%%", math.Abs(ch)); !strings.HasSuffix(got, wantText) {
					t.Errorf("%s: market impressions change %q, want %s", q, got, wantText)
				}
			}
		})
	})

	t.Run("a query several ASINs share counts its market once", func(t *testing.T) {
		d, _ := f.doc(f.queriesPath("size=100"), http.StatusOK, nil)
		row := d.Find(`tbody[data-query="filler"]`)
		// Ten filler products report "filler" in the newest week, each with the market's 1,000 impressions.
		if cell(row, "market_impressions") != "1,000" || cell(row, "impressions") != "245" || cell(row, "impression_share") != "24.50%" {
			t.Errorf("filler: market %s, brand %s, share %s; want 1,000, 245 (20+...+29), 24.50%%",
				cell(row, "market_impressions"), cell(row, "impressions"), cell(row, "impression_share"))
		}
	})

	t.Run("sorted in the order the header asks, paged", func(t *testing.T) {
		d, _ := f.doc(f.queriesPath("qvsort=market_impressions&size=10"), http.StatusOK, nil)
		var got []string
		d.Find("tbody[data-testid=query]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-query", "")) })
		var order []string
		for q := range want {
			order = append(order, q)
		}
		sort.Slice(order, func(i, j int) bool {
			a, b := want[order[i]].market[0], want[order[j]].market[0]
			return a > b || a == b && order[i] < order[j]
		})
		if strings.Join(got, "|") != strings.Join(order, "|") {
			t.Errorf("order %v, want %v", got, order)
		}
		th := d.Find(`th[data-sort-key="market_impressions"]`)
		if th.AttrOr("aria-sort", "") != "descending" || !strings.Contains(th.Find("a").AttrOr("href", ""), "qvdir=asc") {
			t.Errorf("header: aria-sort %q, link %q", th.AttrOr("aria-sort", ""), th.Find("a").AttrOr("href", ""))
		}
		d2, _ := f.doc(f.queriesPath("qvsort=market_impressions&size=10&qvpage=1&qvdir=asc"), http.StatusOK, nil)
		if first := d2.Find("tbody[data-testid=query]").First().AttrOr("data-query", ""); first != order[len(order)-1] {
			t.Errorf("ascending: first %q, want %q", first, order[len(order)-1])
		}
		d3, _ := f.doc(f.queriesPath("size=10&qvpage=2"), http.StatusNotFound, nil)
		if box := d3.Find("[data-testid=error]"); box.AttrOr("data-param", "") != "qvpage" {
			t.Errorf("past the last page: param %q, %q", box.AttrOr("data-param", ""), box.Text())
		}
	})

	t.Run("htmx sorting swaps only the table region", func(t *testing.T) {
		body, res := f.body(f.queriesPath("qvsort=clicks"), http.StatusOK, map[string]string{"HX-Request": "true", "HX-Target": "query-view"})
		if !strings.HasPrefix(strings.TrimSpace(body), `<section id="query-view"`) || strings.Contains(body, "<html") || !strings.Contains(vary(res), "HX-Request") {
			t.Errorf("partial %.200s (Vary %q)", body, vary(res))
		}
	})

	t.Run("bad input is a 400 naming the parameter", func(t *testing.T) {
		for _, tc := range []struct{ path, param string }{
			{f.queriesPath("qvsort=nope"), "qvsort"},
			{f.queriesPath("qvdir=up"), "qvdir"},
			{f.queriesPath("qvpage=0"), "qvpage"},
			{f.queriesPath("size=7"), "size"},
			{"/brands/" + f.brandID + "/queries.csv?qvsort=nope", "qvsort"},
			{"/brands/" + f.brandID + "/query-asins", "query"},
			{"/brands/" + f.brandID + "/query-asins?query=" + url.QueryEscape("a\x01b"), "query"},
			{"/brands/" + f.brandID + "/query-row?query=" + strings.Repeat("x", 1001), "query"},
		} {
			d, _ := f.doc(tc.path, http.StatusBadRequest, map[string]string{"HX-Request": "true"})
			if got := d.Find("[data-testid=error]").AttrOr("data-param", ""); got != tc.param {
				t.Errorf("%s: param %q, want %q", tc.path, got, tc.param)
			}
		}
		body, _ := f.body("/api/brands/"+f.brandID+"/queries?qvsort=nope", http.StatusBadRequest, nil)
		if !strings.Contains(body, `"param":"qvsort"`) {
			t.Errorf("JSON error %s", body)
		}
	})

	t.Run("a row expands to the brand's ASINs of the query and collapses", func(t *testing.T) {
		hx := map[string]string{"HX-Request": "true"}
		d, res := f.partial("/brands/"+f.brandID+"/query-asins?query=filler&size=100", http.StatusOK, hx)
		body := d.Find(`tbody[data-query="filler"]`)
		if href := body.Find("a[data-testid=query-text]").AttrOr("href", ""); href != "/brands/"+f.brandID+"/queries/filler?size=100" {
			t.Errorf("query link %q, want the query page with the view's state", href)
		}
		if body.AttrOr("id", "") != views.QueryRowID("filler") || !body.HasClass("expanded") || !strings.Contains(vary(res), "HX-Request") {
			t.Fatalf("expanded tbody: id %q, class %q", body.AttrOr("id", ""), body.AttrOr("class", ""))
		}
		asins := body.Find("tr[data-testid=query-asin]")
		if asins.Length() != fillers {
			t.Fatalf("%d ASIN rows, want %d", asins.Length(), fillers)
		}
		first := asins.First()
		// Each filler reports 1,000 market impressions; the first by purchases (none), then clicks (1 each), then ASIN.
		if first.AttrOr("data-asin", "") != fillerASIN(0) || cell(first, "impressions") != "20" || cell(first, "market_impressions") != "1,000" || cell(first, "impression_share") != "2.00%" {
			t.Errorf("first ASIN %s: %s of %s (%s)", first.AttrOr("data-asin", ""), cell(first, "impressions"), cell(first, "market_impressions"), cell(first, "impression_share"))
		}
		toggle := body.Find("button[data-testid=toggle]")
		if toggle.AttrOr("aria-expanded", "") != "true" || !strings.Contains(toggle.AttrOr("hx-get", ""), "/query-row?") {
			t.Errorf("toggle %v", toggle.Nodes[0].Attr)
		}
		c, _ := f.partial(toggle.AttrOr("hx-get", ""), http.StatusOK, hx)
		if c.Find(`tbody[data-query="filler"] tr[data-testid=query-asin]`).Length() != 0 || c.Find("button[data-testid=toggle]").AttrOr("aria-expanded", "") != "false" {
			t.Error("the collapsed row still shows its ASINs")
		}
		f.doc("/brands/"+f.brandID+"/query-asins?query=other", http.StatusNotFound, hx) // the other brand's query
		res = f.get("/brands/"+f.brandID+"/query-asins?query=filler", nil)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/brands/"+f.brandID+"/queries") {
			t.Errorf("without htmx: %d to %q, want 303 to the query view", res.StatusCode, res.Header.Get("Location"))
		}
	})

	t.Run("the brand page links to the query view with its settings", func(t *testing.T) {
		d, _ := f.doc("/brands/"+f.brandID+"?mp=US&preset=4w", http.StatusOK, nil)
		href := d.Find("a[data-testid=queries-link]").AttrOr("href", "")
		if !strings.HasPrefix(href, "/brands/"+f.brandID+"/queries?") || !strings.Contains(href, "preset=4w") || !strings.Contains(href, "mp=US") {
			t.Errorf("link %q", href)
		}
	})

	t.Run("the CSV and the JSON carry the page's numbers", func(t *testing.T) {
		page, _ := f.doc(f.queriesPath("size=100"), http.StatusOK, nil)
		shown := map[string]map[string]string{}
		page.Find("tbody[data-testid=query]").Each(func(_ int, row *goquery.Selection) {
			m := map[string]string{}
			row.Find("tr[data-testid=query-row] td[data-metric]").Each(func(_ int, td *goquery.Selection) {
				m[td.AttrOr("data-metric", "")] = td.AttrOr("data-value", "")
			})
			shown[row.AttrOr("data-query", "")] = m
		})
		body, res := f.body("/brands/"+f.brandID+"/queries.csv", http.StatusOK, nil)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("content type %q", res.Header.Get("Content-Type"))
		}
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(records) != len(want)+1 {
			t.Fatalf("%d records (%v), want %d", len(records), err, len(want)+1)
		}
		col := map[string]int{}
		for i, h := range records[0] {
			col[h] = i
		}
		for _, rec := range records[1:] {
			for _, k := range views.QueryViewColumnKeys() {
				if rec[col[k]] != shown[rec[0]][k] {
					t.Errorf("CSV %s %s = %q, page %q", rec[0], k, rec[col[k]], shown[rec[0]][k])
				}
			}
		}
		var api struct {
			Total   int `json:"total"`
			Queries []struct {
				Query   string              `json:"query"`
				Figures map[string]*float64 `json:"figures"`
			} `json:"queries"`
		}
		jb, _ := f.body("/api/brands/"+f.brandID+"/queries?size=100", http.StatusOK, nil)
		if err := json.Unmarshal([]byte(jb), &api); err != nil || api.Total != len(want) || len(api.Queries) != len(want) {
			t.Fatalf("JSON total %d, %d queries (%v)", api.Total, len(api.Queries), err)
		}
		for _, q := range api.Queries {
			for _, k := range views.QueryViewColumnKeys() {
				got := ""
				if v := q.Figures[k]; v != nil {
					got = fmt.Sprint(*v)
				}
				if got != shown[q.Query][k] {
					t.Errorf("JSON %s %s = %q, page %q", q.Query, k, got, shown[q.Query][k])
				}
			}
		}
	})
}

// TestQueryViewAccess: a manager sees the query view of the brands granted to them only.
func TestQueryViewAccess(t *testing.T) {
	f := newAccessFixture(t)
	manager := f.sessions.Cookie(account.RoleManager, f.own.id)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/brands/" + f.own.id + "/queries", http.StatusOK},
		{"/api/brands/" + f.own.id + "/queries", http.StatusOK},
		{"/brands/" + f.other.id + "/queries", http.StatusNotFound},
		{"/brands/" + f.other.id + "/queries.csv", http.StatusNotFound},
		{"/api/brands/" + f.other.id + "/queries", http.StatusNotFound},
		// The other brand's query asked through the manager's own brand: not there.
		{"/brands/" + f.own.id + "/query-asins?query=gadget", http.StatusNotFound},
	} {
		req := newRequest(http.MethodGet, tc.path)
		req.Header.Set("HX-Request", "true")
		rec := f.do(req, manager)
		if rec.Code != tc.want || strings.Contains(rec.Body.String(), "Globex") || strings.Contains(rec.Body.String(), "B0GLOBEX01") {
			t.Errorf("%s: %d, want %d without the other brand's data: %.300s", tc.path, rec.Code, tc.want, rec.Body.String())
		}
	}
}
