package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// ukReports are UK reports of the fixture's products: asinA in the two newest weeks (the same weeks as
// its US reports, in pounds), and the other brand's product in the week after the newest US week, so
// that the other brand's default marketplace, the one with the most recent data, is the UK.
func ukReports() []sqp.WeeklyReport {
	var out []sqp.WeeklyReport
	for n := range 2 {
		ws := weekStart(n)
		out = append(out, sqp.WeeklyReport{ASIN: asinA, Marketplace: "UK", WeekStart: ws, WeekEnd: ws.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
			{SearchQuery: "garden hose", TotalQueryImpressionCount: 3000, ASINImpressionCount: 111 + int64(n),
				TotalClickCount: 300, ASINClickCount: 11, TotalCartAddCount: 90, ASINCartAddCount: 4,
				TotalPurchaseCount: 50, ASINPurchaseCount: 3, ASINMedianPurchasePrice: cents(1850), CurrencyCode: "GBP"},
		}})
	}
	next := weekStart(0).AddDate(0, 0, 7)
	out = append(out, sqp.WeeklyReport{ASIN: asinOther, Marketplace: "UK", WeekStart: next, WeekEnd: next.AddDate(0, 0, 6), Queries: []sqp.QueryRow{
		{SearchQuery: "thing", TotalQueryImpressionCount: 500, ASINImpressionCount: 50, CurrencyCode: "GBP"},
	}})
	return out
}

// marketplaceFixture is the fixture with the UK reports imported and the segments refreshed.
func marketplaceFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.db.ImportWeeklyReports(ctx, ukReports()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RefreshSegments(ctx, refreshlog.Request{Trigger: refreshlog.TriggerCLI, RequestedBy: "test", Force: true}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMarketplaces(t *testing.T) {
	f := marketplaceFixture(t)
	usSums := expected(asinA, curFrom, curTo) // the US reports only: reports() has no other marketplace
	var ukImpr int64
	for _, r := range ukReports() {
		if r.ASIN == asinA {
			ukImpr += r.Queries[0].ASINImpressionCount
		}
	}

	t.Run("the default is the marketplace with the most recent data, and only its numbers show", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath(""), http.StatusOK, nil)
		if got := cell(rowOf(d, asinA), "impressions"); got != thousands(usSums.impr) {
			t.Errorf("US impressions of %s = %s, want %s (the UK reports must not be added)", asinA, got, thousands(usSums.impr))
		}
		picker := d.Find("[data-testid=market-picker]")
		if got := strings.TrimSpace(picker.Find("a[aria-current]").Text()); got != "United States (US)" {
			t.Errorf("selected marketplace %q, want United States (US)", got)
		}
		if n := picker.Find("a").Length(); n != 2 {
			t.Errorf("%d marketplaces in the picker, want US and UK", n)
		}
		if got := strings.TrimSpace(d.Find("[data-testid=marketplace]").Text()); !strings.Contains(got, "prices in USD") {
			t.Errorf("marketplace label %q does not name the currency USD", got)
		}
		if got := cell(rowOf(d, asinA), "avg_purchase_price"); !strings.HasSuffix(got, " USD") {
			t.Errorf("price %q is not shown with its currency", got)
		}
	})

	t.Run("the UK shows its own numbers and prices in pounds", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath("mp=uk"), http.StatusOK, nil)
		if got := cell(rowOf(d, asinA), "impressions"); got != thousands(ukImpr) {
			t.Errorf("UK impressions of %s = %s, want %s", asinA, got, thousands(ukImpr))
		}
		if got := cell(rowOf(d, asinA), "avg_purchase_price"); got != "18.50 GBP" {
			t.Errorf("UK price %q, want 18.50 GBP", got)
		}
		if rowOf(d, asinB).Length() != 0 {
			t.Errorf("%s has no UK reports but is listed", asinB)
		}
		if !strings.Contains(d.Find("thead").Text(), "Avg. median purchase price (GBP)") {
			t.Errorf("no price column header names GBP: %s", d.Find("thead").Text())
		}
	})

	t.Run("switching brand keeps the marketplace; a brand without data there says so", func(t *testing.T) {
		d, _ := f.doc(f.dashboardPath("mp=UK"), http.StatusOK, nil)
		var altURL string
		d.Find("[data-testid=brand-picker] a").Each(func(_ int, a *goquery.Selection) {
			if h, _ := a.Attr("href"); strings.Contains(h, f.altID) {
				altURL = h
			}
		})
		u, err := url.Parse(altURL)
		if err != nil || u.Query().Get("mp") != "UK" {
			t.Fatalf("brand picker link %q does not keep mp=UK", altURL)
		}
		// The main brand in a marketplace it has no data in.
		d, _ = f.doc(f.dashboardPath("mp=DE"), http.StatusOK, nil)
		if got := d.Find("[data-testid=no-data]").Text(); !strings.Contains(got, "no weekly data in marketplace Germany (DE)") {
			t.Errorf("no-data notice %q", got)
		}
		if n := d.Find("[data-testid=market-picker] a").Length(); n != 3 {
			t.Errorf("%d picker entries, want US, UK and the DE asked for", n)
		}
	})

	t.Run("another brand's default follows its own most recent data", func(t *testing.T) {
		d, _ := f.doc("/brands/"+f.altID, http.StatusOK, nil)
		if got := strings.TrimSpace(d.Find("[data-testid=market-picker] a[aria-current]").Text()); got != "United Kingdom (UK)" {
			t.Errorf("zenith's default marketplace %q, want the UK (its newest week)", got)
		}
	})

	t.Run("the JSON API and the CSV export name the marketplace and currency", func(t *testing.T) {
		body, _ := f.body("/api/brands/"+f.brandID+"/products?mp=UK", http.StatusOK, nil)
		var out struct {
			Marketplace, Currency string
			Marketplaces          []struct{ Code string }
			Products              []struct {
				ASIN   string
				Counts struct{ ASINImpressions int64 }
			}
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if out.Marketplace != "UK" || out.Currency != "GBP" || len(out.Marketplaces) != 2 || out.Marketplaces[0].Code != "US" {
			t.Errorf("JSON marketplace %q %q %+v", out.Marketplace, out.Currency, out.Marketplaces)
		}
		if len(out.Products) != 1 || out.Products[0].ASIN != asinA {
			t.Errorf("JSON UK products %+v, want %s only", out.Products, asinA)
		}
		csv, _ := f.body("/brands/"+f.brandID+"/products.csv?mp=UK", http.StatusOK, nil)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if !strings.HasPrefix(lines[0], "asin,") || !strings.HasSuffix(lines[0], ",marketplace,currency") || len(lines) != 2 ||
			!strings.HasPrefix(lines[1], asinA+",") || !strings.HasSuffix(lines[1], ",UK,GBP") {
			t.Errorf("CSV export:\n%s", csv)
		}
	})

	t.Run("an unknown marketplace is a 400 naming mp", func(t *testing.T) {
		body, _ := f.body(f.dashboardPath("mp=XX"), http.StatusBadRequest, nil)
		if !strings.Contains(body, "mp") || !strings.Contains(body, "not an Amazon marketplace") {
			t.Errorf("400 page does not name the parameter:\n%s", body)
		}
	})
}
