package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/views"
)

// weeklyCounts are one product's counts per week of curFrom..curTo, summed from the reports themselves.
func weeklyCounts(asin string) []metrics.Counts {
	var out []metrics.Counts
	for _, r := range reports() {
		if r.ASIN != asin || r.WeekStart.Before(curFrom) || r.WeekEnd.After(curTo) {
			continue
		}
		var c metrics.Counts
		for _, q := range r.Queries {
			c = c.Add(metrics.Counts{
				ASINImpressions: q.ASINImpressionCount, TotalImpressions: q.TotalQueryImpressionCount,
				ASINClicks: q.ASINClickCount, TotalClicks: q.TotalClickCount,
				ASINCartAdds: q.ASINCartAddCount, TotalCartAdds: q.TotalCartAddCount,
				ASINPurchases: q.ASINPurchaseCount, TotalPurchases: q.TotalPurchaseCount,
			})
		}
		out = append(out, c)
	}
	return out
}

func TestDiagnosisAndOpportunityOfProducts(t *testing.T) {
	f := newFixture(t)
	// The default range: the 13 weeks n = 0..12, k = 26 - n = 14..26 in reports().
	hand := []struct {
		asin        string
		leak        metrics.Leak
		detail      string
		opportunity string
	}{
		{
			// A, per week: impressions 1200+11k of 15000+100k, clicks 55+k of 1300, cart adds 14+k/2 of
			// 390, purchases 7+k/3+k%3 of 260. Over k = 14..26 (sum k = 260): impressions 18,460 of
			// 221,000 (8.35%), clicks 975 of 16,900 (5.77%), cart adds 309 of 5,070, purchases 187 of
			// 3,380. Listing ratio 975x221000 / (18460x16900) = 0.69 < 0.8; conversion ratios: cart adds
			// 309x16900 / (975x5070) = 1.06, purchases 187x16900 / (975x3380) = 0.96 -> Listing.
			// Weekly purchases 13,12,13,14,13,14,15,14,15,16,15,16,17 of 260: best 17/260;
			// opportunity 17/260 x 3380 - 187 = 221 - 187 = 34.
			asin: asinA, leak: metrics.LeakListing,
			detail: "click share 5.77% vs impr. share 8.35% (0.69×)", opportunity: "34",
		},
		{
			// B, 8 weeks: impressions 855-10n of 12,000 -> 6,560 of 96,000 (6.83%); clicks 680 of 7,040,
			// cart adds 192 of 1,520, purchases 144 of 760. Ratios 1.41, 1.31, 1.96: none below 0.8, and
			// 6.83% < 10% -> Visibility. The same share 18/95 every week: 18/95 x 760 - 144 = 0.
			asin: asinB, leak: metrics.LeakVisibility,
			detail: "impr. share 6.83% (below 10%)", opportunity: "0",
		},
		{
			// C: 50 market impressions a week, 650 < 1,000 -> too little data; no market purchase -> "—".
			asin: asinC, leak: metrics.LeakUnknown,
			detail: "too few impressions or events to judge", opportunity: "—",
		},
	}
	check := func(t *testing.T, where string, s *goquery.Selection, asin string, leak metrics.Leak, detail, opportunity string) {
		t.Helper()
		// What the metrics functions give for the same reports is what the page shows.
		weeks := weeklyCounts(asin)
		var sum metrics.Counts
		for _, w := range weeks {
			sum = sum.Add(w)
		}
		want := views.NewDiagnosisView(metrics.Diagnose(sum))
		if want.Leak != string(leak) || want.Detail != detail {
			t.Fatalf("%s: metrics give %s %q, hand-computed %s %q", asin, want.Leak, want.Detail, leak, detail)
		}
		if got := views.FormatOpportunity(metrics.OpportunityOf(weeks)); got != opportunity {
			t.Fatalf("%s: metrics give opportunity %q, hand-computed %q", asin, got, opportunity)
		}
		b := s.Find("[data-testid=diagnosis]")
		if got := b.AttrOr("data-leak", ""); got != string(leak) {
			t.Errorf("%s %s: data-leak = %q, want %q", where, asin, got, leak)
		}
		if got := strings.TrimSpace(b.Find(".leak-label").Text()); got != metrics.LeakLabel(leak) {
			t.Errorf("%s %s: label = %q, want %q", where, asin, got, metrics.LeakLabel(leak))
		}
		if got := strings.TrimSpace(b.Find(".leak-detail").Text()); got != detail {
			t.Errorf("%s %s: numbers = %q, want %q", where, asin, got, detail)
		}
		if got := b.AttrOr("title", ""); !strings.Contains(got, detail) {
			t.Errorf("%s %s: title %q does not give the numbers", where, asin, got)
		}
	}

	t.Run("product rows show the label with its numbers and the opportunity", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath(""), http.StatusOK, nil)
		for _, h := range hand {
			row := rowOf(d, h.asin)
			check(t, "row", row, h.asin, h.leak, h.detail, h.opportunity)
			if got := cell(row, "opportunity"); got != h.opportunity {
				t.Errorf("row %s: opportunity = %q, want %q", h.asin, got, h.opportunity)
			}
		}
	})

	t.Run("the product page shows the same label and opportunity", func(t *testing.T) {
		for _, h := range hand {
			d, _ := f.doc("/brands/"+f.brandID+"/products/"+h.asin, http.StatusOK, nil)
			panel := d.Find("[data-testid=product-diagnosis]")
			check(t, "product page", panel, h.asin, h.leak, h.detail, h.opportunity)
			if got := strings.TrimSpace(panel.Find("[data-testid=opportunity] strong").Text()); got != h.opportunity {
				t.Errorf("product page %s: opportunity = %q, want %q", h.asin, got, h.opportunity)
			}
		}
	})

	t.Run("the product page's query rows show each query's label and opportunity", func(t *testing.T) {
		// A's queries over k = 14..26 (sum k = 260, sum k/3 = 82, sum k%3 = 14):
		// garden hose: impressions 1000+10k of 10000+100k -> 15,600 of 156,000 (10.00%); clicks 40+k of
		// 900 -> 780 of 11,700 (6.67%): listing 780x156000 / (15600x11700) = 0.67 < 0.8 -> Listing.
		// Purchases 5+k/3 of 200: best 13/200 = 0.065; 0.065 x 2600 - 147 = 169 - 147 = 22.
		// hose reel: impressions 2,860 of 65,000 (4.40%), clicks 195 of 5,200: 0.85; cart adds 52 of
		// 1,170: 1.19; purchases 40 of 780: 1.37 -> none below 0.8, 4.40% < 10% -> Visibility.
		// Purchases 2+k%3 of 60: best 4/60; 4/60 x 780 - 40 = 52 - 40 = 12.
		d, _ := f.doc("/brands/"+f.brandID+"/products/"+asinA+"?qsort=opportunity&qdir=desc", http.StatusOK, nil)
		rows := d.Find("tr[data-testid=query-row]")
		if rows.Length() != 2 {
			t.Fatalf("%d query rows", rows.Length())
		}
		for i, w := range []struct {
			query, leak, detail, opportunity string
		}{
			{"garden hose", "listing", "click share 6.67% vs impr. share 10.00% (0.67×)", "22"},
			{"hose reel", "visibility", "impr. share 4.40% (below 10%)", "12"},
		} {
			r := rows.Eq(i)
			b := r.Find("[data-testid=diagnosis]")
			if strings.TrimSpace(r.Find("th").Text()) != w.query || b.AttrOr("data-leak", "") != w.leak ||
				strings.TrimSpace(b.Find(".leak-detail").Text()) != w.detail || cell(r, "opportunity") != w.opportunity {
				t.Errorf("row %d: %q %s %q opportunity %q, want %q %s %q %q", i, r.Find("th").Text(), b.AttrOr("data-leak", ""),
					b.Find(".leak-detail").Text(), cell(r, "opportunity"), w.query, w.leak, w.detail, w.opportunity)
			}
		}
	})

	t.Run("the CSV and the JSON carry the same label", func(t *testing.T) {
		body, _ := f.body("/brands/"+f.brandID+"/products.csv", http.StatusOK, nil)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(recs[0], "diagnosis")
		if col < 0 {
			t.Fatalf("no diagnosis column: %v", recs[0])
		}
		fromCSV := map[string]string{}
		for _, r := range recs[1:] {
			fromCSV[r[0]] = r[col]
		}
		js, _ := f.body("/api/brands/"+f.brandID+"/products", http.StatusOK, nil)
		var got struct {
			Products []struct {
				ASIN      string `json:"asin"`
				Diagnosis struct {
					Leak string `json:"leak"`
				} `json:"diagnosis"`
			} `json:"products"`
		}
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Fatal(err)
		}
		fromJSON := map[string]string{}
		for _, p := range got.Products {
			fromJSON[p.ASIN] = p.Diagnosis.Leak
		}
		for _, h := range hand {
			if fromCSV[h.asin] != string(h.leak) || fromJSON[h.asin] != string(h.leak) {
				t.Errorf("%s: CSV %q, JSON %q, want %q", h.asin, fromCSV[h.asin], fromJSON[h.asin], h.leak)
			}
		}
	})

	t.Run("sorting by opportunity puts the largest first and undefined last", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath("sort=opportunity&dir=desc"), http.StatusOK, nil)
		got := asinsOf(d.Selection)
		// A 34, B 0, then the products without market purchases (C and the fillers) by ASIN.
		if len(got) < 3 || got[0] != asinA || got[1] != asinB {
			t.Fatalf("rows by opportunity = %v", got)
		}
		if d.Find(`th[data-sort-key=opportunity]`).AttrOr("aria-sort", "") != "descending" {
			t.Error("the opportunity header does not say it sorts")
		}
		d, _ = f.doc(f.dashboardPath("sort=opportunity&dir=asc"), http.StatusOK, nil)
		if got := asinsOf(d.Selection); got[0] != asinB || got[1] != asinA {
			t.Fatalf("rows by opportunity ascending = %v", got)
		}
	})
}

func TestDiagnosisAndOpportunityOfQueries(t *testing.T) {
	f := newFixture(t)
	// The brand's queries over the default 13 weeks (k = 26 - n = 14..26; B reports weeks n = 0..7 only).
	// garden hose and hose reel are A's alone: the numbers of A's rows on its product page.
	hand := []struct {
		query, leak, detail, opportunity string
	}{
		// 780 of 11,700 clicks (6.67%) vs 15,600 of 156,000 impressions (10.00%): 0.67 -> Listing;
		// best week 13/200: 0.065 x 2600 - 147 = 22.
		{"garden hose", "listing", "click share 6.67% vs impr. share 10.00% (0.67×)", "22"},
		// 4.40% impression share, ratios 0.85 / 1.19 / 1.37 -> Visibility; 4/60 x 780 - 40 = 12.
		{"hose reel", "visibility", "impr. share 4.40% (below 10%)", "12"},
		// blue widget, 8 weeks: impressions 700-10n of 3,000 -> 5,320 of 24,000 (22.17%), clicks 480 of
		// 2,400 (20%): 480x24000 / (5320x2400) = 0.90; cart adds 160 of 800: 1.00; purchases 72 of 400:
		// 72x2400 / (480x400) = 0.90 -> none below 0.8 and 22.17% >= 10% -> No leak. The same share
		// 9/50 every week: 0.18 x 400 - 72 = 0.
		{"blue widget", "none", "click/impr. 0.90×, conversion 0.90×", "0"},
		// gizmo, 8 weeks: impressions 400 of 7,200, clicks 96 of 560 (17.14%): listing 96x7200 /
		// (400x560) = 3.09. Cart adds 8 of 72 (11.11%): expected 96x72/560 = 12.3 >= 10, ratio 8x560 /
		// (96x72) = 0.65; purchases 0 of 32: expected 96x32/560 = 5.5 < 10, not judged -> Conversion
		// (cart add). Opportunity undefined: every week has 4 market purchases (32 over 8 weeks), below
		// the minimum of 10 (metrics.MinWeekMarketPurchases), so no week sets a best share. (Before the
		// minimum: best 0/4 = 0, 0 x 32 - 0 = 0.)
		{"gizmo", "conversion", "cart-add share 11.11% vs click share 17.14% (0.65×)", "—"},
	}
	t.Run("query rows show the label with its numbers and the opportunity", func(t *testing.T) {
		d, _ := f.doc(f.queriesPath("size=100"), http.StatusOK, nil)
		for _, h := range hand {
			row := d.Find(`tbody[data-testid=query][data-query="` + h.query + `"]`)
			b := row.Find("[data-testid=diagnosis]")
			if b.AttrOr("data-leak", "") != h.leak || strings.TrimSpace(b.Find(".leak-detail").Text()) != h.detail {
				t.Errorf("%s: %s %q, want %s %q", h.query, b.AttrOr("data-leak", ""), b.Find(".leak-detail").Text(), h.leak, h.detail)
			}
			if got := cell(row, "opportunity"); got != h.opportunity {
				t.Errorf("%s: opportunity %q, want %q", h.query, got, h.opportunity)
			}
		}
	})
	t.Run("the query page shows the same label and opportunity as its row", func(t *testing.T) {
		for _, h := range hand {
			d, _ := f.doc("/brands/"+f.brandID+"/queries/"+url.PathEscape(h.query), http.StatusOK, nil)
			b := d.Find("[data-testid=diagnosis]").First()
			if b.AttrOr("data-leak", "") != h.leak || strings.TrimSpace(b.Find(".leak-detail").Text()) != h.detail {
				t.Errorf("%s page: %s %q, want %s %q", h.query, b.AttrOr("data-leak", ""), b.Find(".leak-detail").Text(), h.leak, h.detail)
			}
			if got := strings.TrimSpace(d.Find("[data-testid=opportunity] strong").Text()); got != h.opportunity {
				t.Errorf("%s page: opportunity %q, want %q", h.query, got, h.opportunity)
			}
		}
	})
	t.Run("sorting by opportunity puts the largest first", func(t *testing.T) {
		d, _ := f.doc(f.queriesPath("size=100&qvsort=opportunity&qvdir=desc"), http.StatusOK, nil)
		var got []string
		d.Find("tbody[data-testid=query]").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-query", "")) })
		if len(got) < 2 || got[0] != "garden hose" || got[1] != "hose reel" {
			t.Fatalf("queries by opportunity = %v", got)
		}
	})
	t.Run("the CSV and the JSON carry the same label and opportunity", func(t *testing.T) {
		body, _ := f.body(f.queriesPath("")+".csv", http.StatusOK, nil)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		dcol, ocol := slices.Index(recs[0], "diagnosis"), slices.Index(recs[0], "opportunity")
		if dcol < 0 || ocol < 0 || slices.Contains(recs[0], "opportunity_change_pct") {
			t.Fatalf("columns %v", recs[0])
		}
		byQuery := map[string][]string{}
		for _, r := range recs[1:] {
			byQuery[r[0]] = r
		}
		js, _ := f.body("/api/brands/"+f.brandID+"/queries?size=100", http.StatusOK, nil)
		var got struct {
			Queries []struct {
				Query     string              `json:"query"`
				Figures   map[string]*float64 `json:"figures"`
				Diagnosis struct {
					Leak string `json:"leak"`
				} `json:"diagnosis"`
			} `json:"queries"`
		}
		if err := json.Unmarshal([]byte(js), &got); err != nil {
			t.Fatal(err)
		}
		fromJSON := map[string]string{}
		for _, q := range got.Queries {
			var o metrics.Value // null: undefined (no market purchase, as red gadget and filler)
			if v := q.Figures["opportunity"]; v != nil {
				o = metrics.Known(*v)
			}
			fromJSON[q.Query] = q.Diagnosis.Leak + " " + views.FormatOpportunity(o)
		}
		for _, h := range hand {
			r := byQuery[h.query]
			if r == nil {
				t.Fatalf("%s not in the CSV", h.query)
			}
			var o metrics.Value // an empty cell: undefined (gizmo: no week reaches the minimum)
			var err error
			if r[ocol] != "" {
				var v float64
				v, err = strconv.ParseFloat(r[ocol], 64)
				o = metrics.Known(v)
			}
			if err != nil || r[dcol] != h.leak || views.FormatOpportunity(o) != h.opportunity {
				t.Errorf("%s CSV: %s %q, want %s %s", h.query, r[dcol], r[ocol], h.leak, h.opportunity)
			}
			if fromJSON[h.query] != h.leak+" "+h.opportunity {
				t.Errorf("%s JSON: %q, want %s %s", h.query, fromJSON[h.query], h.leak, h.opportunity)
			}
		}
	})
}
