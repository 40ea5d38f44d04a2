package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// pagerASINs is the number of products addQueryASINs maps to acme: with the fillers, "filler" has
// fillers+pagerASINs ASINs in the newest week, more than one page of 10.
const pagerASINs = 5

func pagerASIN(i int) string { return fmt.Sprintf("B0QPAGE%03d", i) }

// addQueryASINs maps pagerASINs more products to acme, each reporting "filler" in the newest week with
// i+1 purchases and 100+i impressions (the fillers have none and 20+i), and refreshes.
func addQueryASINs(t *testing.T, f *queryFixture) {
	t.Helper()
	ctx := context.Background()
	var maps []sqp.BrandMapping
	var reps []sqp.WeeklyReport
	ws := weekStart(0)
	for i := range pagerASINs {
		maps = append(maps, sqp.BrandMapping{ASIN: pagerASIN(i), Brand: brandMain, ProductTitle: fmt.Sprintf("Pager %d", i), Active: true})
		reps = append(reps, sqp.WeeklyReport{ASIN: pagerASIN(i), Marketplace: "US", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
			{SearchQuery: "filler", TotalQueryImpressionCount: 1000, ASINImpressionCount: int64(100 + i), TotalClickCount: 10, ASINClickCount: 2,
				TotalPurchaseCount: 20, ASINPurchaseCount: int64(i + 1)},
		}})
	}
	if _, err := f.db.ImportBrandMappings(ctx, maps); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ImportWeeklyReports(ctx, reps); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
}

// asinOrder is the ASINs of "filler" in the order of a sort by purchases or impressions, descending or
// ascending, ties by ASIN: computed from the data addQueryASINs and the fixture wrote.
func asinOrder(key string, desc bool) []string {
	type a struct {
		asin       string
		purch, imp int
	}
	var all []a
	for i := range fillers {
		all = append(all, a{fillerASIN(i), 0, 20 + i})
	}
	for i := range pagerASINs {
		all = append(all, a{pagerASIN(i), i + 1, 100 + i})
	}
	slices.SortFunc(all, func(x, y a) int {
		vx, vy := x.purch, y.purch
		if key == "impressions" {
			vx, vy = x.imp, y.imp
		}
		if vx != vy {
			if (vx < vy) != desc {
				return -1
			}
			return 1
		}
		return strings.Compare(x.asin, y.asin)
	})
	out := make([]string, len(all))
	for i, x := range all {
		out[i] = x.asin
	}
	return out
}

func asinRows(doc *goquery.Document) []string {
	var got []string
	doc.Find("[data-testid=query-asin]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-asin", "")) })
	return got
}

func TestQueryPageASINTablePages(t *testing.T) {
	f := newQueryFixture(t)
	addQueryASINs(t, f)
	total := fillers + pagerASINs
	st := viewstate.Default()

	t.Run("one page holds every ASIN at the default size, most purchases first", func(t *testing.T) {
		doc, _ := f.doc(f.links.Query(f.brandID, "filler", st), http.StatusOK, nil)
		if got, want := asinRows(doc), asinOrder("purchases", true); !slices.Equal(got, want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		if got := doc.Find("[data-testid=asin-pager-summary]").Text(); got != fmt.Sprintf("ASINs 1–%d of %d", total, total) {
			t.Errorf("summary %q", got)
		}
		if got := doc.Find(`[data-testid=query-figure][data-key=asins] [data-testid=kpi-value]`).Text(); got != fmt.Sprint(total) {
			t.Errorf("ASINs figure %q, want %d", got, total)
		}
	})

	t.Run("pages of 10 split the same order, the headline figures stay over all ASINs", func(t *testing.T) {
		s := st
		s.Size = 10
		doc, _ := f.doc(f.links.Query(f.brandID, "filler", s), http.StatusOK, nil)
		want := asinOrder("purchases", true)
		if got := asinRows(doc); !slices.Equal(got, want[:10]) {
			t.Errorf("page 1: %v, want %v", got, want[:10])
		}
		if got := doc.Find("[data-testid=asin-pager-summary]").Text(); got != fmt.Sprintf("ASINs 1–10 of %d", total) {
			t.Errorf("summary %q", got)
		}
		if got := doc.Find(`[data-testid=query-figure][data-key=asins] [data-testid=kpi-value]`).Text(); got != fmt.Sprint(total) {
			t.Errorf("ASINs figure %q on a page of 10, want %d", got, total)
		}
		funnel := doc.Find(`[data-testid=funnel-step][data-metric=impressions]`)
		next, ok := doc.Find("#" + "query-asins" + " [data-testid=next]").Attr("href")
		if !ok {
			t.Fatal("no next page link")
		}
		doc2, _ := f.doc(html.UnescapeString(next), http.StatusOK, nil)
		if got := asinRows(doc2); !slices.Equal(got, want[10:]) {
			t.Errorf("page 2: %v, want %v", got, want[10:])
		}
		if got := doc2.Find("[data-testid=asin-pager-summary]").Text(); got != fmt.Sprintf("ASINs 11–%d of %d", total, total) {
			t.Errorf("summary %q", got)
		}
		if doc2.Find("#query-asins [data-testid=next]").Length() != 0 || doc2.Find("#query-asins [data-testid=prev]").Length() != 1 {
			t.Error("the last page links a next page or no previous page")
		}
		if a, b := cell(funnel, "impressions"), cell(doc2.Find(`[data-testid=funnel-step][data-metric=impressions]`), "impressions"); a != b || a == "" {
			t.Errorf("the funnel changed with the page: %q, %q", a, b)
		}
	})

	t.Run("a header sorts by its column, a second click reverses it, from the first page", func(t *testing.T) {
		s := st
		s.Size, s.ASINPage = 10, 2
		doc, _ := f.doc(f.links.Query(f.brandID, "filler", s), http.StatusOK, nil)
		link := doc.Find(`#query-asins th[data-sort-key=impressions] a[data-testid=sort]`).AttrOr("href", "")
		doc, _ = f.doc(link, http.StatusOK, nil)
		if got, want := asinRows(doc), asinOrder("impressions", true)[:10]; !slices.Equal(got, want) {
			t.Errorf("by impressions: %v, want %v", got, want)
		}
		th := doc.Find(`#query-asins th[data-sort-key=impressions]`)
		if th.AttrOr("aria-sort", "") != "descending" {
			t.Errorf("aria-sort %q", th.AttrOr("aria-sort", ""))
		}
		doc, _ = f.doc(th.Find("a[data-testid=sort]").AttrOr("href", ""), http.StatusOK, nil)
		if got, want := asinRows(doc), asinOrder("impressions", false)[:10]; !slices.Equal(got, want) {
			t.Errorf("by impressions ascending: %v, want %v", got, want)
		}
	})

	t.Run("a page past the last is a 404 naming apage; a bad sort key a 400 naming asort", func(t *testing.T) {
		s := st
		s.Size, s.ASINPage = 10, 3
		body, _ := f.body(f.links.Query(f.brandID, "filler", s), http.StatusNotFound, nil)
		if !strings.Contains(body, viewstate.ParamASINPage) {
			t.Errorf("the 404 does not name %s:\n%s", viewstate.ParamASINPage, body)
		}
		body, _ = f.body(f.links.Query(f.brandID, "filler", st)+"?asort=price", http.StatusBadRequest, nil)
		if !strings.Contains(body, viewstate.ParamASINSort) {
			t.Errorf("the 400 does not name %s:\n%s", viewstate.ParamASINSort, body)
		}
	})
}
