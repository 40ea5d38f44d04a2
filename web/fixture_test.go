package web

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// The hand-built data set. The newest week ends on lastWeekEnd, so the default range (13 weeks) is
// weeks 0..12 counted back from it and the previous period is weeks 13..25.
var lastWeekEnd = period.Date(2024, time.October, 26)

const (
	asinA     = "B0TESTAAA1" // every week of the last 26, two queries a week, priced purchases
	asinB     = "B0TESTBBB2" // the last 8 weeks only
	asinC     = "B0TESTCCC3" // small: 3 impressions a week, no clicks
	asinOther = "B0OTHERDD4" // the other brand's product
	brandMain = "acme"
	brandAlt  = "zenith"
)

// fillers is the number of small products (newest week only) that make the table longer than a page.
const fillers = 10

func fillerASIN(i int) string { return fmt.Sprintf("B0FILL%04d", i) }

// weekStart is the Sunday of the week n weeks before the newest.
func weekStart(n int) time.Time { return lastWeekEnd.AddDate(0, 0, -6-7*n) }

func cents(v int64) *sqp.Cents { c := sqp.Cents(v); return &c }

// reports builds the weekly reports of the data set. Counts vary with the week so that sorting, sums and
// changes are not trivially equal.
func reports() []sqp.WeeklyReport {
	var out []sqp.WeeklyReport
	for n := 0; n < 26; n++ {
		ws := weekStart(n)
		k := int64(26 - n) // grows towards the newest week
		out = append(out, sqp.WeeklyReport{ASIN: asinA, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
			{SearchQuery: "garden hose", TotalQueryImpressionCount: 10000 + 100*k, ASINImpressionCount: 1000 + 10*k,
				TotalClickCount: 900, ASINClickCount: 40 + k, TotalCartAddCount: 300, ASINCartAddCount: 10 + k/2,
				TotalPurchaseCount: 200, ASINPurchaseCount: 5 + k/3, ASINMedianPurchasePrice: cents(2999)},
			{SearchQuery: "hose reel", TotalQueryImpressionCount: 5000, ASINImpressionCount: 200 + k,
				TotalClickCount: 400, ASINClickCount: 15, TotalCartAddCount: 90, ASINCartAddCount: 4,
				TotalPurchaseCount: 60, ASINPurchaseCount: 2 + k%3},
		}})
		if n < 8 {
			out = append(out, sqp.WeeklyReport{ASIN: asinB, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
				{SearchQuery: "blue widget", TotalQueryImpressionCount: 3000, ASINImpressionCount: 700 - 10*int64(n),
					TotalClickCount: 300, ASINClickCount: 60, TotalCartAddCount: 100, ASINCartAddCount: 20,
					TotalPurchaseCount: 50, ASINPurchaseCount: 9, ASINMedianPurchasePrice: cents(1250)},
				{SearchQuery: "widget", TotalQueryImpressionCount: 8000, ASINImpressionCount: 100,
					TotalClickCount: 500, ASINClickCount: 12, TotalCartAddCount: 80, ASINCartAddCount: 3,
					TotalPurchaseCount: 40, ASINPurchaseCount: 9},
				{SearchQuery: "gizmo", TotalQueryImpressionCount: 900, ASINImpressionCount: 50,
					TotalClickCount: 70, ASINClickCount: 12, TotalCartAddCount: 9, ASINCartAddCount: 1,
					TotalPurchaseCount: 4, ASINPurchaseCount: 0},
				{SearchQuery: "doohickey", TotalQueryImpressionCount: 100, ASINImpressionCount: 5,
					TotalClickCount: 10, ASINClickCount: 1, TotalCartAddCount: 1, ASINCartAddCount: 0,
					TotalPurchaseCount: 1, ASINPurchaseCount: 0},
			}})
		}
		out = append(out, sqp.WeeklyReport{ASIN: asinC, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
			{SearchQuery: "red gadget", TotalQueryImpressionCount: 50, ASINImpressionCount: 3},
		}})
		if n == 0 {
			for i := range fillers {
				out = append(out, sqp.WeeklyReport{ASIN: fillerASIN(i), Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
					{SearchQuery: "filler", TotalQueryImpressionCount: 1000, ASINImpressionCount: int64(20 + i), TotalClickCount: 10, ASINClickCount: 1},
				}})
			}
		}
		out = append(out, sqp.WeeklyReport{ASIN: asinOther, Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
			{SearchQuery: "other", TotalQueryImpressionCount: 100, ASINImpressionCount: 10, TotalClickCount: 5, ASINClickCount: 1},
		}})
	}
	return out
}

// fixture is a server over a fresh database holding the data set, and a signed-in admin's cookie.
type fixture struct {
	t       *testing.T
	db      *postgres.DB
	handler http.Handler
	cookie  *http.Cookie
	brandID string // acme
	altID   string // zenith
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	mappings := []sqp.BrandMapping{
		{ASIN: asinA, Brand: brandMain, ProductTitle: "Garden Hose 50 ft", Active: true},
		{ASIN: asinB, Brand: brandMain, ProductTitle: "Blue Widget", Active: true},
		{ASIN: asinC, Brand: brandMain, ProductTitle: "Red Gadget", Active: true},
		{ASIN: asinOther, Brand: brandAlt, ProductTitle: "Other Thing", Active: true},
	}
	for i := range fillers {
		mappings = append(mappings, sqp.BrandMapping{ASIN: fillerASIN(i), Brand: brandMain, ProductTitle: fmt.Sprintf("Filler %d", i), Active: true})
	}
	if _, err := db.ImportBrandMappings(ctx, mappings); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportWeeklyReports(ctx, reports()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	sessions := newTestSessions(t, db)
	srv, err := New(Options{Brands: db, Products: db, Segments: db, Queries: db, Auth: sessions.Options()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, handler: srv.testHandler(), cookie: sessions.Cookie(account.RoleAdmin)}
	brands, err := db.ActiveBrands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range brands {
		switch b.Name {
		case brandMain:
			f.brandID = b.ID
		case brandAlt:
			f.altID = b.ID
		}
	}
	if f.brandID == "" || f.altID == "" {
		t.Fatalf("brands not created: %+v", brands)
	}
	return f
}

// get requests path as the signed-in admin; header adds request headers (htmx's, Accept).
func (f *fixture) get(path string, header map[string]string) *http.Response {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(f.cookie)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec.Result()
}

// doc requests path and parses the HTML answer, failing unless the status is want.
func (f *fixture) doc(path string, want int, header map[string]string) (*goquery.Document, *http.Response) {
	f.t.Helper()
	res := f.get(path, header)
	defer res.Body.Close()
	if res.StatusCode != want {
		body, _ := io.ReadAll(res.Body)
		f.t.Fatalf("GET %s = %d, want %d\n%s", path, res.StatusCode, want, body)
	}
	d, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return d, res
}

// partial requests an htmx fragment of table rows and parses it inside a <table>, where an HTML parser
// keeps <tbody> and <tr> (a browser swapping it into the table does the same).
func (f *fixture) partial(path string, want int, header map[string]string) (*goquery.Document, *http.Response) {
	f.t.Helper()
	body, res := f.body(path, want, header)
	d, err := goquery.NewDocumentFromReader(strings.NewReader("<table>" + body + "</table>"))
	if err != nil {
		f.t.Fatal(err)
	}
	return d, res
}

// vary is every Vary value of a response.
func vary(res *http.Response) string { return strings.Join(res.Header.Values("Vary"), ", ") }

func (f *fixture) body(path string, want int, header map[string]string) (string, *http.Response) {
	f.t.Helper()
	res := f.get(path, header)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		f.t.Fatalf("GET %s = %d, want %d\n%s", path, res.StatusCode, want, b)
	}
	return string(b), res
}

// sums are the expected totals of one product over a range, added up from the reports themselves.
type sums struct {
	impr, totalImpr, clicks, totalClicks, carts, totalCarts, purch, totalPurch int64
	priceCents, priced                                                         int64
}

func expected(asin string, from, to time.Time) sums {
	var s sums
	for _, r := range reports() {
		if r.ASIN != asin || r.WeekStart.Before(from) || r.WeekEnd.After(to) {
			continue
		}
		for _, q := range r.Queries {
			s.impr += q.ASINImpressionCount
			s.totalImpr += q.TotalQueryImpressionCount
			s.clicks += q.ASINClickCount
			s.totalClicks += q.TotalClickCount
			s.carts += q.ASINCartAddCount
			s.totalCarts += q.TotalCartAddCount
			s.purch += q.ASINPurchaseCount
			s.totalPurch += q.TotalPurchaseCount
			if q.ASINMedianPurchasePrice != nil {
				s.priceCents += int64(*q.ASINMedianPurchasePrice) * q.ASINPurchaseCount
				s.priced += q.ASINPurchaseCount
			}
		}
	}
	return s
}

// pct is the expected text of a percentage: two decimals, or "—" for a zero denominator.
func pct(num, den int64) string {
	if den == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", math.Round(float64(num)/float64(den)*10000)/100)
}

// thousands writes n with comma separators, independently of the views' formatter.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var parts []string
	for len(s) > 3 {
		parts = append([]string{s[len(s)-3:]}, parts...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, parts...), ",")
}

// lightRow reports whether row is a product's segment row, whose cells carry no data-metric (views
// segmentRow); the query view's ASIN rows share its class but not its markup.
func lightRow(row *goquery.Selection) bool {
	return row.HasClass("segment-row") && row.Find("td[data-metric]").Length() == 0
}

// metricCell is a row's cell of a metric: marked with data-metric in product rows, found by its column
// (the header's order, metrics.All) in the light segment rows.
func metricCell(row *goquery.Selection, metric string) *goquery.Selection {
	if !lightRow(row) {
		return row.Find(`td[data-metric="` + metric + `"]`)
	}
	for i, k := range metrics.All() {
		if string(k) == metric {
			return row.Children().Eq(2 + i) // after the toggle column and the row header
		}
	}
	return row.Children().Eq(-1).Eq(1) // nothing
}

// cell is the shown value of a metric in a row.
func cell(row *goquery.Selection, metric string) string {
	c := metricCell(row, metric)
	if lightRow(row) {
		return strings.TrimSpace(c.Contents().First().Text())
	}
	return strings.TrimSpace(c.Find(".value").First().Text())
}

// deltaText is the shown change of a metric in a row.
func deltaText(row *goquery.Selection, metric string) string {
	if lightRow(row) {
		return strings.TrimSpace(metricCell(row, metric).Children().Filter("span").Text())
	}
	return strings.TrimSpace(row.Find(`td[data-metric="` + metric + `"] [data-testid=delta] span[aria-hidden]`).Last().Text())
}

// deltaDir is the direction of a metric's change in a row: "up", "down", "flat", "unfair" or "none".
func deltaDir(row *goquery.Selection, metric string) string {
	if lightRow(row) {
		return metricCell(row, metric).Children().Filter("span").AttrOr("class", "")
	}
	return row.Find(`td[data-metric="`+metric+`"] [data-testid=delta]`).AttrOr("data-dir", "")
}

// segmentLabel is the label of a segment row ("Oct 20 – Oct 26, 2024", "October 2024").
func segmentLabel(row *goquery.Selection) string {
	return row.Find("th > span").First().Text()
}

// topQueries are the texts of a segment row's top search queries, in order.
func topQueries(row *goquery.Selection) []string {
	var out []string
	row.Find("th > ol > li").Each(func(_ int, li *goquery.Selection) {
		out = append(out, strings.TrimSpace(li.Contents().First().Text()))
	})
	return out
}
