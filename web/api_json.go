package web

import (
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// The JSON API's shapes. Every number comes from the same metrics definitions as the pages.

type apiRange struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Weeks int    `json:"weeks"`
}

func newAPIRange(r period.Range) *apiRange {
	return &apiRange{From: r.From.Format(dateLayout), To: r.To.Format(dateLayout), Weeks: r.Weeks()}
}

type apiComparison struct {
	Mode string `json:"mode"`
	apiRange
}

// apiMetrics maps a metric key to its value; null when undefined (a zero denominator).
type apiMetrics map[string]*float64

func newAPIMetrics(c metrics.Counts) apiMetrics {
	m := apiMetrics{}
	for _, k := range metrics.All() {
		if v := c.Get(k); v.OK {
			m[string(k)] = &v.V
		} else {
			m[string(k)] = nil
		}
	}
	return m
}

type apiChange struct {
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"` // "percent" or "points"
	Direction string  `json:"direction"`
}

// newAPIChanges maps a metric key to its change from base; null when there is no base to compare with.
func newAPIChanges(cur, base metrics.Counts) map[string]*apiChange {
	out := map[string]*apiChange{}
	for _, k := range metrics.All() {
		out[string(k)] = newAPIChange(metrics.Change(k, cur, base))
	}
	return out
}

// newAPIChange is a change as the API writes it; nil when there is no base to compare with.
func newAPIChange(d metrics.Delta) *apiChange {
	if !d.OK {
		return nil
	}
	ch := &apiChange{Value: d.V, Unit: "percent", Direction: "flat"}
	if d.Unit == metrics.Points {
		ch.Unit = "points"
	}
	switch d.Dir {
	case metrics.Up:
		ch.Direction = "up"
	case metrics.Down:
		ch.Direction = "down"
	}
	return ch
}

type apiCompared struct {
	Counts  metrics.Counts        `json:"counts"`
	Metrics apiMetrics            `json:"metrics"`
	Changes map[string]*apiChange `json:"changes"`
}

type apiProduct struct {
	ASIN              string `json:"asin"`
	Title             string `json:"title"`
	WeeklySegments    int    `json:"weekly_segments"`
	MonthlySegments   int    `json:"monthly_segments"`
	QuarterlySegments int    `json:"quarterly_segments"`
	// WeeksWithData is the number of weeks of the range the product has data in.
	WeeksWithData int                   `json:"weeks_with_data"`
	Counts        metrics.Counts        `json:"counts"`
	Metrics       apiMetrics            `json:"metrics"`
	Comparison    *apiProductComparison `json:"comparison"`
	// Diagnosis is the product's funnel diagnosis (docs/diagnosis.md); its opportunity is
	// Metrics["opportunity"].
	Diagnosis apiDiagnosis `json:"diagnosis"`
}

// apiProductComparison is a product over the comparison period: how many of its weeks have data, and
// whether the changes are like-for-like (sqp.LikeForLike: at least as many weeks of data as in the range;
// the page shows them uncoloured otherwise, and says "no data (comparison)" when there are none).
type apiProductComparison struct {
	apiCompared
	WeeksWithData int  `json:"weeks_with_data"`
	LikeForLike   bool `json:"like_for_like"`
}

// apiDiagnosis is a funnel diagnosis with the ratios that decided it (null when not judged).
type apiDiagnosis struct {
	Leak            string   `json:"leak"`
	ListingRatio    *float64 `json:"listing_ratio"`
	ConversionRatio *float64 `json:"conversion_ratio"`
	ConversionStep  string   `json:"conversion_step,omitempty"`
}

func newAPIDiagnosis(c metrics.Counts) apiDiagnosis {
	d := metrics.Diagnose(c)
	out := apiDiagnosis{Leak: string(d.Leak), ConversionStep: string(d.ConversionStep)}
	if d.ListingRatio.OK {
		out.ListingRatio = &d.ListingRatio.V
	}
	if d.ConversionRatio.OK {
		out.ConversionRatio = &d.ConversionRatio.V
	}
	return out
}

// opportunityMetric is the key of the opportunity among a row's metrics, as on the page (data-metric).
const opportunityMetric = "opportunity"

// apiMarketplace is one marketplace the brand has data in.
type apiMarketplace struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Currency    string `json:"currency"`
	LastWeekEnd string `json:"last_week_end"`
}

// newAPIMarketplaces lists the brand's marketplaces, its default first.
func newAPIMarketplaces(ms []sqp.MarketplaceData) []apiMarketplace {
	out := make([]apiMarketplace, len(ms))
	for i, m := range ms {
		out[i] = apiMarketplace{Code: m.Marketplace.Code, Name: m.Marketplace.Name, Currency: m.Marketplace.Currency, LastWeekEnd: m.LastWeekEnd.Format(dateLayout)}
	}
	return out
}

// apiListing is the head that the paged JSON lists (products, queries) share: the brand, the one
// marketplace whose counts and prices (in Currency) they carry, the brand's marketplaces (the mp parameter
// picks one), the range and comparison, and the sort and page.
type apiListing struct {
	BrandID      string           `json:"brand_id"`
	Brand        string           `json:"brand"`
	Marketplace  string           `json:"marketplace"`
	Currency     string           `json:"currency"`
	Marketplaces []apiMarketplace `json:"marketplaces"`
	Range        *apiRange        `json:"range"`
	Comparison   *apiComparison   `json:"comparison"`
	Sort         string           `json:"sort"`
	Dir          string           `json:"dir"`
	Page         int              `json:"page"`
	Size         int              `json:"size"`
	Total        int              `json:"total"`
}

// newAPIListing fills the head of a list sorted by sortKey (descending when desc) at page; the range
// and comparison only when the brand has data in the marketplace.
func newAPIListing(brand sqp.Brand, rr resolvedRange, st viewstate.State, sortKey string, desc bool, page int) apiListing {
	out := apiListing{BrandID: brand.ID, Brand: brand.DisplayName, Sort: sortKey, Dir: "asc", Page: page, Size: st.Size,
		Marketplace: rr.Market.Code, Currency: rr.Market.Currency, Marketplaces: newAPIMarketplaces(rr.Markets)}
	if desc {
		out.Dir = "desc"
	}
	if rr.HasData {
		out.Range = newAPIRange(rr.Range)
		if rr.HasBase {
			out.Comparison = &apiComparison{Mode: string(st.Compare), apiRange: *newAPIRange(rr.Base)}
		}
	}
	return out
}

// apiProducts is the product table in one marketplace.
type apiProducts struct {
	apiListing
	Products []apiProduct `json:"products"`
}

type apiTopQuery struct {
	Query     string `json:"query"`
	Purchases int64  `json:"purchases"`
	Clicks    int64  `json:"clicks"`
}

type apiPrevious struct {
	PeriodStart string `json:"period_start"`
	DataPoints  int    `json:"data_points"`
	// LikeForLike is false when the previous segment has fewer weeks of data than this one: its changes
	// are then not a fair comparison (the page shows them uncoloured and says so).
	LikeForLike bool `json:"like_for_like"`
	apiCompared
}

type apiSegment struct {
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
	Label       string `json:"label"`
	DataPoints  int    `json:"data_points"`
	// WeeksInPeriod is how many weeks the segment is built from when complete: 1 for a week, the weeks
	// that start in the month (4 or 5) or the quarter (12 to 14); DataPoints of them have data (per product).
	WeeksInPeriod int            `json:"weeks_in_period"`
	Counts        metrics.Counts `json:"counts"`
	Metrics       apiMetrics     `json:"metrics"`
	Previous      *apiPrevious   `json:"previous"`
	TopQueries    []apiTopQuery  `json:"top_queries"`
}

type apiSegments struct {
	BrandID      string           `json:"brand_id"`
	ASIN         string           `json:"asin"`
	Marketplace  string           `json:"marketplace"`
	Currency     string           `json:"currency"`
	Marketplaces []apiMarketplace `json:"marketplaces"`
	Type         string           `json:"type"`
	Range        *apiRange        `json:"range"`
	Segments     []apiSegment     `json:"segments"`
}
