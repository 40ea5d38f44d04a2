package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// rawCells maps metric -> data-value of every product row of a page, by ASIN.
func rawCells(d *goquery.Document) map[string]map[string]string {
	out := map[string]map[string]string{}
	d.Find("tbody[data-asin]").Each(func(_ int, tb *goquery.Selection) {
		m := map[string]string{}
		tb.Find("tr[data-testid=product-row] td[data-metric]").Each(func(_ int, td *goquery.Selection) {
			if v, ok := td.Attr("data-value"); ok {
				m[td.AttrOr("data-metric", "")] = v
			}
		})
		out[tb.AttrOr("data-asin", "")] = m
	})
	return out
}

func TestCSVAndJSONEqualThePage(t *testing.T) {
	f := newFixture(t)
	const query = "sort=purchases&size=10&min_impr=21"
	page1, _ := f.doc(f.dashboardPath(query), http.StatusOK, nil)
	page2, _ := f.doc(f.dashboardPath(query+"&page=2"), http.StatusOK, nil)
	want := rawCells(page1)
	order := asinsOf(page1.Selection)
	for a, m := range rawCells(page2) {
		want[a] = m
	}
	order = append(order, asinsOf(page2.Selection)...)

	t.Run("product CSV holds every page in the page's order", func(t *testing.T) {
		body, res := f.body("/brands/"+f.brandID+"/products.csv?"+query, http.StatusOK, nil)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("headers %v", res.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head := recs[0]
		if len(recs)-1 != len(order) {
			t.Fatalf("%d CSV rows, page has %d", len(recs)-1, len(order))
		}
		for i, rec := range recs[1:] {
			if rec[0] != order[i] {
				t.Fatalf("row %d is %s, page has %s", i, rec[0], order[i])
			}
			for j, name := range head {
				if v, ok := want[rec[0]][name]; ok && v != rec[j] {
					t.Errorf("%s %s: CSV %q, page %q", rec[0], name, rec[j], v)
				}
			}
		}
		if !contains(head, "impressions_change_pct") || !contains(head, "ctr_change_pp") {
			t.Errorf("no change columns: %v", head)
		}
	})

	t.Run("products JSON pages by product with the page's numbers", func(t *testing.T) {
		body, _ := f.body("/api/brands/"+f.brandID+"/products?"+query, http.StatusOK, nil)
		var got struct {
			Total    int `json:"total"`
			Products []struct {
				ASIN       string              `json:"asin"`
				Metrics    map[string]*float64 `json:"metrics"`
				Comparison *struct {
					Changes map[string]*struct {
						Value float64 `json:"value"`
						Unit  string  `json:"unit"`
					} `json:"changes"`
				} `json:"comparison"`
			} `json:"products"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Total != len(order) || len(got.Products) != 10 {
			t.Fatalf("total %d, %d products", got.Total, len(got.Products))
		}
		for i, p := range got.Products {
			if p.ASIN != order[i] {
				t.Fatalf("product %d is %s, page has %s", i, p.ASIN, order[i])
			}
			for name, v := range want[p.ASIN] {
				js := ""
				if m := p.Metrics[name]; m != nil {
					js = strconv.FormatFloat(*m, 'f', -1, 64)
				}
				if js != v {
					t.Errorf("%s %s: JSON %q, page %q", p.ASIN, name, js, v)
				}
			}
			if p.Comparison == nil {
				t.Fatalf("%s has no comparison", p.ASIN)
			}
		}
		if ch := got.Products[0].Comparison.Changes["ctr"]; ch == nil || ch.Unit != "points" {
			t.Errorf("CTR change %+v", ch)
		}
	})

	t.Run("segments JSON and CSV equal the expansion", func(t *testing.T) {
		d, _ := f.partial(f.segmentsPath(asinA, "weekly", ""), http.StatusOK, htmxHeaders)
		var pageRows []map[string]string
		d.Find("tr.segment-row").Each(func(_ int, tr *goquery.Selection) {
			pageRows = append(pageRows, map[string]string{"start": tr.AttrOr("data-start", ""), "impressions": cell(tr, "impressions"),
				"top": strings.Join(topQueries(tr), "|")})
		})
		body, _ := f.body("/api/brands/"+f.brandID+"/products/"+asinA+"/segments?type=weekly", http.StatusOK, nil)
		var got struct {
			Segments []struct {
				PeriodStart string              `json:"period_start"`
				Metrics     map[string]*float64 `json:"metrics"`
				Previous    *struct {
					PeriodStart string `json:"period_start"`
				} `json:"previous"`
				TopQueries []struct {
					Query string `json:"query"`
				} `json:"top_queries"`
			} `json:"segments"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Segments) != len(pageRows) {
			t.Fatalf("%d JSON segments, %d rows", len(got.Segments), len(pageRows))
		}
		for i, s := range got.Segments {
			if s.PeriodStart != pageRows[i]["start"] {
				t.Fatalf("segment %d starts %s, row %s", i, s.PeriodStart, pageRows[i]["start"])
			}
			if v := thousands(int64(*s.Metrics["impressions"])); v != pageRows[i]["impressions"] {
				t.Errorf("segment %s impressions %s, row %s", s.PeriodStart, v, pageRows[i]["impressions"])
			}
			if s.Previous == nil || s.Previous.PeriodStart == "" || len(s.TopQueries) != 2 {
				t.Errorf("segment %s: previous %+v, %d top queries", s.PeriodStart, s.Previous, len(s.TopQueries))
			}
			var top []string
			for _, q := range s.TopQueries {
				top = append(top, q.Query)
			}
			if strings.Join(top, "|") != pageRows[i]["top"] {
				t.Errorf("segment %s top queries: JSON %v, row %s", s.PeriodStart, top, pageRows[i]["top"])
			}
		}
		csvBody, _ := f.body("/brands/"+f.brandID+"/products/"+asinA+"/segments.csv?type=weekly", http.StatusOK, nil)
		recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		top := slices.Index(recs[0], "top_queries")
		if len(recs)-1 != len(pageRows) || recs[1][1] != pageRows[0]["start"] || top < 0 || !strings.HasPrefix(recs[1][top], "garden hose") {
			t.Errorf("segments CSV %v", recs[:2])
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestBadInput(t *testing.T) {
	f := newFixture(t)
	b, a := f.brandID, asinA
	for _, tc := range []struct {
		name   string
		path   string
		status int
		param  string
	}{
		{"malformed brand id", "/brands/not-a-uuid", 400, "brandID"},
		{"unknown brand", "/brands/00000000-0000-4000-8000-000000000000", 404, ""},
		{"malformed ASIN", "/brands/" + b + "/products/B0BAD/segments?type=weekly", 400, "asin"},
		{"unknown ASIN", "/brands/" + b + "/products/B0NOSUCH00/segments?type=weekly", 404, ""},
		{"another brand's ASIN", "/brands/" + b + "/products/" + asinOther, 404, ""},
		{"malformed date", "/brands/" + b + "?from=2024-02-30&to=2024-03-01", 400, "from"},
		{"from after to", "/brands/" + b + "?from=2024-05-01&to=2024-04-01", 400, "from"},
		{"range over five years", "/brands/" + b + "?from=2015-01-01&to=2024-01-01", 400, "to"},
		{"unknown sort key", "/brands/" + b + "?sort=revenue", 400, "sort"},
		{"page size out of range", "/brands/" + b + "?size=500", 400, "size"},
		{"unknown segment type", "/brands/" + b + "/products/" + a + "/segments?type=daily", 400, "type"},
		{"unknown expanded segment type", "/brands/" + b + "?open=" + a + ":yearly", 400, "open"},
		{"bad query sort on the product page", "/brands/" + b + "/products/" + a + "?qsort=x", 400, "qsort"},
		{"bad parameter in the export", "/brands/" + b + "/products.csv?dir=sideways", 400, "dir"},
		{"search that is not UTF-8", "/brands/" + b + "?q=%ff%fe", 400, "q"},
		{"page past the last", "/brands/" + b + "?page=1000", 404, "page"},
		{"query page past the last", "/brands/" + b + "/products/" + a + "?qpage=1000", 404, "qpage"},
	} {
		t.Run(tc.name+" as a page", func(t *testing.T) {
			d, _ := f.doc(tc.path, tc.status, nil)
			box := d.Find("[data-testid=error]")
			if d.Find("html").Length() == 0 || box.Length() != 1 || box.AttrOr("data-param", "") != tc.param {
				t.Fatalf("error page: param %q, %d boxes", box.AttrOr("data-param", ""), box.Length())
			}
			if tc.param != "" && !strings.Contains(box.Text(), tc.param) {
				t.Errorf("message does not name %s: %q", tc.param, box.Text())
			}
		})
		t.Run(tc.name+" as an htmx partial", func(t *testing.T) {
			body, _ := f.body(tc.path, tc.status, htmxHeaders)
			if strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="error"`) {
				t.Fatalf("partial error: %.300s", body)
			}
		})
		t.Run(tc.name+" as JSON", func(t *testing.T) {
			body, res := f.body(tc.path, tc.status, map[string]string{"Accept": "application/json"})
			var e struct {
				Error struct {
					Code    string `json:"code"`
					Param   string `json:"param"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Message == "" || e.Error.Param != tc.param {
				t.Fatalf("JSON error %q (%s): %v", body, res.Header.Get("Content-Type"), err)
			}
			want := map[int]string{400: "invalid", 404: "not_found"}[tc.status]
			if e.Error.Code != want {
				t.Errorf("code %q, want %q", e.Error.Code, want)
			}
		})
	}

	t.Run("the API answers JSON without asking", func(t *testing.T) {
		body, _ := f.body("/api/brands/"+b+"/products?size=7", http.StatusBadRequest, nil)
		if !strings.Contains(body, `"param":"size"`) {
			t.Errorf("body %s", body)
		}
		body, _ = f.body("/api/brands/"+b+"/products?size=10&page=3", http.StatusNotFound, nil)
		if !strings.Contains(body, `"param":"page"`) {
			t.Errorf("page past the last: body %s", body)
		}
	})
}

func TestProductPage(t *testing.T) {
	f := newFixture(t)
	state := "sort=ctr&open=" + url.QueryEscape(asinA+":monthly")
	d, _ := f.doc("/brands/"+f.brandID+"/products/"+asinA+"?"+state, http.StatusOK, nil)

	t.Run("breadcrumb leads back to the same table state", func(t *testing.T) {
		href := d.Find("[data-testid=breadcrumb-back]").AttrOr("href", "")
		u, _ := url.Parse(href)
		if u.Path != "/brands/"+f.brandID || u.Query().Get("sort") != "ctr" || u.Query().Get("open") != asinA+":monthly" {
			t.Errorf("breadcrumb %q", href)
		}
	})

	t.Run("weekly trend charts with a point per week", func(t *testing.T) {
		charts := d.Find("[data-testid=trend-chart]")
		if charts.Length() != 8 {
			t.Fatalf("%d charts", charts.Length())
		}
		first := charts.First()
		if n := first.Find("circle").Length(); n != 13 {
			t.Errorf("%d points", n)
		}
		w0 := expected(asinA, weekStart(0), lastWeekEnd)
		if title := first.Find("circle title").Last().Text(); title != "Oct 20 – Oct 26, 2024: "+thousands(w0.impr)+" impressions" {
			t.Errorf("hover title %q", title)
		}
	})

	t.Run("funnel and search queries", func(t *testing.T) {
		e := expected(asinA, curFrom, curTo)
		if got := strings.TrimSpace(d.Find(`[data-testid=funnel] li[data-metric=purchases] .funnel-value`).Text()); got != thousands(e.purch) {
			t.Errorf("funnel purchases %q", got)
		}
		rows := d.Find("tr[data-testid=query-row]")
		if rows.Length() != 2 || strings.TrimSpace(rows.First().Find("th").Text()) != "garden hose" {
			t.Fatalf("query rows %d", rows.Length())
		}
	})

	t.Run("search queries sort by htmx into their table only", func(t *testing.T) {
		body, res := f.body("/brands/"+f.brandID+"/products/"+asinA+"?qsort=query&qdir=desc", http.StatusOK, map[string]string{"HX-Request": "true", "HX-Target": "query-table"})
		if !strings.HasPrefix(strings.TrimSpace(body), `<section id="query-table"`) || !strings.Contains(vary(res), "HX-Request") {
			t.Fatalf("partial %.200s", body)
		}
		pd, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
		if first := strings.TrimSpace(pd.Find("tr[data-testid=query-row] th").First().Text()); first != "hose reel" {
			t.Errorf("first query %q", first)
		}
	})
}

func TestHomeAndStatic(t *testing.T) {
	f := newFixture(t)
	res := f.get("/?sort=ctr&preset=4w", nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/brands/"+f.brandID+"?") || !strings.Contains(loc, "sort=ctr") || !strings.Contains(loc, "preset=4w") {
		t.Errorf("home: %d %q", res.StatusCode, loc)
	}
	d, _ := f.doc(f.dashboardPath(""), http.StatusOK, nil)
	css := d.Find(`link[rel=stylesheet]`).AttrOr("href", "")
	res = f.get(css, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("ETag") == "" {
		t.Fatalf("stylesheet %s: %d %v", css, res.StatusCode, res.Header)
	}
	res = f.get(strings.Split(css, "?")[0], map[string]string{"If-None-Match": res.Header.Get("ETag")})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d", res.StatusCode)
	}
}

func TestOddButValidInputIsNoError(t *testing.T) {
	f := newFixture(t)
	b := "/brands/" + f.brandID
	for _, q := range []string{
		"q=%25", "q=_", "q=%5C", "q=%27%3B+drop+table+brands%3B--", "q=%E2%80%94", "min_impr=1000000000000",
		"preset=52w", "preset=ytd", "preset=4w&cmp=yoy", "cmp=off", "cmp=custom&cmp_from=2023-01-01&cmp_to=2023-03-31",
		"from=2000-01-01&to=2004-12-30", "sort=avg_purchase_price&dir=asc", "sort=segments", "open=B0NOSUCH00",
	} {
		for _, path := range []string{b + "?" + q, b + "/products.csv?" + q, "/api" + b + "/products?" + q, b + "/products/" + asinA + "?" + q} {
			if res := f.get(path, nil); res.StatusCode != http.StatusOK {
				t.Errorf("GET %s = %d", path, res.StatusCode)
			}
		}
	}
	t.Run("a page past the end is a 404 that names the last page", func(t *testing.T) {
		d, _ := f.doc(b+"?size=10&page=99999", http.StatusNotFound, nil)
		box := d.Find("[data-testid=error]")
		if box.AttrOr("data-param", "") != "page" || !strings.Contains(box.Text(), fmt.Sprintf("last page (%d)", (3+fillers+9)/10)) {
			t.Errorf("error %q (param %q)", box.Text(), box.AttrOr("data-param", ""))
		}
	})
}

func TestBrandWithoutDataIsNoError(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.ImportBrandMappings(ctx, []sqp.BrandMapping{{ASIN: "B0EMPTY001", Brand: "empty", ProductTitle: "Nothing yet", Active: true}}); err != nil {
		t.Fatal(err)
	}
	brands, err := f.db.ActiveBrands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, b := range brands {
		if b.Name == "empty" {
			id = b.ID
		}
	}
	d, _ := f.doc("/brands/"+id, http.StatusOK, nil)
	if d.Find("[data-testid=no-data]").Length() != 1 {
		t.Error("no notice that the brand has no data")
	}
	for _, path := range []string{
		"/brands/" + id + "/products/B0EMPTY001",
		"/brands/" + id + "/products.csv",
		"/brands/" + id + "/products/B0EMPTY001/segments.csv",
		"/api/brands/" + id + "/products",
		"/api/brands/" + id + "/products/B0EMPTY001/segments",
	} {
		if res := f.get(path, nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, res.StatusCode)
		}
	}
	if res := f.get("/brands/"+id+"/products/B0EMPTY001/segments?type=weekly", htmxHeaders); res.StatusCode != http.StatusOK {
		t.Errorf("expanding = %d", res.StatusCode)
	}
}
