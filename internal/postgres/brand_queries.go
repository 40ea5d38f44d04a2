package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// sumBrandQueryMain sums the rows of public.brand_query_weeks over a range into the columns of brandQueryRow
// that the query view sorts by and shows in its rows; sumBrandQueryDetails adds the rest (median prices
// and shipping speeds); sumBrandQueryWeeks is both. Market figures are already counted once per
// query-week in the view, so summing its weeks counts each week once. Prices are count-weighted
// (metrics.PriceSum): the market's weekly medians by the market's counts of the step, the brand's amounts
// as stored; amounts in cents, exact. minParam is the placeholder bound to minWeekMarketPurchases
// (bestWeeklyPurchaseShare).
func sumBrandQueryMain(minParam string) string {
	sums := brandQueryMainSums(minParam)
	cols := make([]string, len(sums))
	for i, c := range sums {
		cols[i] = "\n\t" + c.expr + " AS " + c.name
	}
	return strings.Join(cols, ",")
}

// brandQuerySum is one column of sumBrandQueryMain: its name and its aggregate.
type brandQuerySum struct{ name, expr string }

// brandQueryMainSums are the columns of sumBrandQueryMain, one by one, so that the query view's first step
// (BrandQueries) can compute only the ones its sort reads.
func brandQueryMainSums(minParam string) []brandQuerySum {
	return []brandQuerySum{
		{"volume", "coalesce(sum(search_query_volume), 0)::bigint"},
		{"best_score", "min(search_query_score)"},
		{"asin_impressions", "sum(asin_impressions)::bigint"},
		{"total_impressions", "sum(total_impressions)::bigint"},
		{"asin_clicks", "sum(asin_clicks)::bigint"},
		{"total_clicks", "sum(total_clicks)::bigint"},
		{"asin_cart_adds", "sum(asin_cart_adds)::bigint"},
		{"total_cart_adds", "sum(total_cart_adds)::bigint"},
		{"asin_purchases", "sum(asin_purchases)::bigint"},
		{"total_purchases", "sum(total_purchases)::bigint"},
		{"price_cents", "round(sum(purchase_price_amount) * 100)::bigint"},
		{"priced_purchases", "sum(priced_purchases)::bigint"},
		{"weeks", "count(*)::int"},
		{"max_asins", "max(asin_count)"},
		{"best_purchase_share", strings.TrimSuffix(bestWeeklyPurchaseShare("asin_purchases", "total_purchases", minParam), " AS best_purchase_share")},
		{"currency", "max(currency_code)::text"},
	}
}

// sortSums are the columns of sumBrandQueryMain that the ORDER BY expression expr reads (the sort keys
// are whitelisted expressions over those column names).
func sortSums(expr, minParam string) string {
	var cols []string
	for _, c := range brandQueryMainSums(minParam) {
		if readsColumn(expr, c.name) {
			cols = append(cols, ",\n\t"+c.expr+" AS "+c.name)
		}
	}
	return strings.Join(cols, "")
}

// readsColumn reports whether the SQL expression expr names the column name as a whole identifier.
func readsColumn(expr, name string) bool {
	ident := func(b byte) bool {
		return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
	}
	for i := 0; ; {
		j := strings.Index(expr[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !ident(expr[start-1])) && (end == len(expr) || !ident(expr[end])) {
			return true
		}
		i = start + 1
	}
}

// sumBrandQueryDetails: see sumBrandQueryMain.
const sumBrandQueryDetails = `
	coalesce(round(sum(total_median_click_price * total_clicks) * 100), 0)::bigint AS market_click_cents,
	coalesce(sum(total_clicks) FILTER (WHERE total_median_click_price IS NOT NULL), 0)::bigint AS market_click_weight,
	coalesce(round(sum(total_median_cart_add_price * total_cart_adds) * 100), 0)::bigint AS market_cart_add_cents,
	coalesce(sum(total_cart_adds) FILTER (WHERE total_median_cart_add_price IS NOT NULL), 0)::bigint AS market_cart_add_weight,
	coalesce(round(sum(total_median_purchase_price * total_purchases) * 100), 0)::bigint AS market_purchase_cents,
	coalesce(sum(total_purchases) FILTER (WHERE total_median_purchase_price IS NOT NULL), 0)::bigint AS market_purchase_weight,
	round(sum(click_price_amount) * 100)::bigint AS brand_click_cents,
	sum(priced_clicks)::bigint AS brand_click_weight,
	round(sum(cart_add_price_amount) * 100)::bigint AS brand_cart_add_cents,
	sum(priced_cart_adds)::bigint AS brand_cart_add_weight,
	coalesce(sum(same_day_clicks), 0)::bigint AS same_day_clicks,
	coalesce(sum(total_clicks) FILTER (WHERE same_day_clicks IS NOT NULL), 0)::bigint AS same_day_clicks_of,
	coalesce(sum(one_day_clicks), 0)::bigint AS one_day_clicks,
	coalesce(sum(total_clicks) FILTER (WHERE one_day_clicks IS NOT NULL), 0)::bigint AS one_day_clicks_of,
	coalesce(sum(two_day_clicks), 0)::bigint AS two_day_clicks,
	coalesce(sum(total_clicks) FILTER (WHERE two_day_clicks IS NOT NULL), 0)::bigint AS two_day_clicks_of,
	coalesce(sum(same_day_cart_adds), 0)::bigint AS same_day_cart_adds,
	coalesce(sum(total_cart_adds) FILTER (WHERE same_day_cart_adds IS NOT NULL), 0)::bigint AS same_day_cart_adds_of,
	coalesce(sum(one_day_cart_adds), 0)::bigint AS one_day_cart_adds,
	coalesce(sum(total_cart_adds) FILTER (WHERE one_day_cart_adds IS NOT NULL), 0)::bigint AS one_day_cart_adds_of,
	coalesce(sum(two_day_cart_adds), 0)::bigint AS two_day_cart_adds,
	coalesce(sum(total_cart_adds) FILTER (WHERE two_day_cart_adds IS NOT NULL), 0)::bigint AS two_day_cart_adds_of,
	coalesce(sum(same_day_purchases), 0)::bigint AS same_day_purchases,
	coalesce(sum(total_purchases) FILTER (WHERE same_day_purchases IS NOT NULL), 0)::bigint AS same_day_purchases_of,
	coalesce(sum(one_day_purchases), 0)::bigint AS one_day_purchases,
	coalesce(sum(total_purchases) FILTER (WHERE one_day_purchases IS NOT NULL), 0)::bigint AS one_day_purchases_of,
	coalesce(sum(two_day_purchases), 0)::bigint AS two_day_purchases,
	coalesce(sum(total_purchases) FILTER (WHERE two_day_purchases IS NOT NULL), 0)::bigint AS two_day_purchases_of`

// sumBrandQueryWeeks is every column of brandQueryRow but the total; minParam as for sumBrandQueryMain.
func sumBrandQueryWeeks(minParam string) string {
	return sumBrandQueryMain(minParam) + `,` + sumBrandQueryDetails
}

// brandQueryRow is the scan target of sumBrandQueryWeeks.
type brandQueryRow struct {
	Query     string `db:"query"`
	Volume    int64  `db:"volume"`
	BestScore *int32 `db:"best_score"`
	countsRow
	MarketClickCents     int64    `db:"market_click_cents"`
	MarketClickWeight    int64    `db:"market_click_weight"`
	MarketCartAddCents   int64    `db:"market_cart_add_cents"`
	MarketCartAddWeight  int64    `db:"market_cart_add_weight"`
	MarketPurchaseCents  int64    `db:"market_purchase_cents"`
	MarketPurchaseWeight int64    `db:"market_purchase_weight"`
	BrandClickCents      int64    `db:"brand_click_cents"`
	BrandClickWeight     int64    `db:"brand_click_weight"`
	BrandCartAddCents    int64    `db:"brand_cart_add_cents"`
	BrandCartAddWeight   int64    `db:"brand_cart_add_weight"`
	SameDayClicks        int64    `db:"same_day_clicks"`
	SameDayClicksOf      int64    `db:"same_day_clicks_of"`
	OneDayClicks         int64    `db:"one_day_clicks"`
	OneDayClicksOf       int64    `db:"one_day_clicks_of"`
	TwoDayClicks         int64    `db:"two_day_clicks"`
	TwoDayClicksOf       int64    `db:"two_day_clicks_of"`
	SameDayCartAdds      int64    `db:"same_day_cart_adds"`
	SameDayCartAddsOf    int64    `db:"same_day_cart_adds_of"`
	OneDayCartAdds       int64    `db:"one_day_cart_adds"`
	OneDayCartAddsOf     int64    `db:"one_day_cart_adds_of"`
	TwoDayCartAdds       int64    `db:"two_day_cart_adds"`
	TwoDayCartAddsOf     int64    `db:"two_day_cart_adds_of"`
	SameDayPurchases     int64    `db:"same_day_purchases"`
	SameDayPurchasesOf   int64    `db:"same_day_purchases_of"`
	OneDayPurchases      int64    `db:"one_day_purchases"`
	OneDayPurchasesOf    int64    `db:"one_day_purchases_of"`
	TwoDayPurchases      int64    `db:"two_day_purchases"`
	TwoDayPurchasesOf    int64    `db:"two_day_purchases_of"`
	Weeks                int32    `db:"weeks"`
	MaxASINs             int32    `db:"max_asins"`
	BestPurchaseShare    *float64 `db:"best_purchase_share"`
	Currency             *string  `db:"currency"`
	Total                int64    `db:"total"`
}

func (r brandQueryRow) brandQuery() sqp.BrandQuery {
	c := r.counts()
	q := sqp.BrandQuery{
		Query:  r.Query,
		Volume: r.Volume,
		Counts: c,
		Prices: metrics.Prices{
			MarketClick:    metrics.PriceSum{AmountCents: r.MarketClickCents, Weight: r.MarketClickWeight},
			ASINClick:      metrics.PriceSum{AmountCents: r.BrandClickCents, Weight: r.BrandClickWeight},
			MarketCartAdd:  metrics.PriceSum{AmountCents: r.MarketCartAddCents, Weight: r.MarketCartAddWeight},
			ASINCartAdd:    metrics.PriceSum{AmountCents: r.BrandCartAddCents, Weight: r.BrandCartAddWeight},
			MarketPurchase: metrics.PriceSum{AmountCents: r.MarketPurchaseCents, Weight: r.MarketPurchaseWeight},
			ASINPurchase:   metrics.PriceSum{AmountCents: c.PurchasePriceCents, Weight: c.PricedPurchases},
		},
		Shipping: metrics.Shipping{
			Clicks: metrics.Speeds{
				SameDay: metrics.Part{N: r.SameDayClicks, Of: r.SameDayClicksOf},
				OneDay:  metrics.Part{N: r.OneDayClicks, Of: r.OneDayClicksOf},
				TwoDay:  metrics.Part{N: r.TwoDayClicks, Of: r.TwoDayClicksOf},
			},
			CartAdds: metrics.Speeds{
				SameDay: metrics.Part{N: r.SameDayCartAdds, Of: r.SameDayCartAddsOf},
				OneDay:  metrics.Part{N: r.OneDayCartAdds, Of: r.OneDayCartAddsOf},
				TwoDay:  metrics.Part{N: r.TwoDayCartAdds, Of: r.TwoDayCartAddsOf},
			},
			Purchases: metrics.Speeds{
				SameDay: metrics.Part{N: r.SameDayPurchases, Of: r.SameDayPurchasesOf},
				OneDay:  metrics.Part{N: r.OneDayPurchases, Of: r.OneDayPurchasesOf},
				TwoDay:  metrics.Part{N: r.TwoDayPurchases, Of: r.TwoDayPurchasesOf},
			},
		},
		Weeks:    int(r.Weeks),
		MaxASINs: int(r.MaxASINs),
	}
	if r.BestScore != nil {
		q.BestScore, q.HasScore = int(*r.BestScore), true
	}
	if r.BestPurchaseShare != nil {
		q.BestPurchaseShare = metrics.Known(*r.BestPurchaseShare)
	}
	if r.Currency != nil {
		q.Currency = *r.Currency
	}
	return q
}

// brandQuerySortExpr returns the ORDER BY expression of a query view sort key over the columns of
// sumBrandQueryWeeks.
func brandQuerySortExpr(k sqp.BrandQuerySortKey) (string, bool) {
	switch k {
	case sqp.BrandQuerySortQuery:
		return "query", true
	case sqp.BrandQuerySortVolume:
		return "volume", true
	case sqp.BrandQuerySortScore:
		return "best_score", true
	case sqp.BrandQuerySortMarketImpressions:
		return "total_impressions", true
	case sqp.BrandQuerySortMarketClicks:
		return "total_clicks", true
	case sqp.BrandQuerySortMarketCartAdds:
		return "total_cart_adds", true
	case sqp.BrandQuerySortMarketPurchases:
		return "total_purchases", true
	case sqp.BrandQuerySortOpportunity:
		// metrics.OpportunityFrom: best weekly share x market purchases - brand purchases, never below 0.
		return "greatest(0, best_purchase_share * total_purchases - asin_purchases)", true
	case sqp.BrandQuerySortKey(metrics.CartAddRate):
		return "asin_cart_adds::numeric / nullif(asin_clicks, 0)", true
	}
	return sortExpr(string(k))
}

// BrandQueries returns one page of the brand's query view: its search queries in one marketplace over the
// weeks in the range, summed from brand_query_weeks, ordered and paged in SQL.
func (db *DB) BrandQueries(ctx context.Context, f sqp.BrandQueryFilter) (sqp.BrandQueryPage, error) {
	expr, ok := brandQuerySortExpr(f.Sort)
	if !ok {
		return sqp.BrandQueryPage{}, apperr.Invalid("qvsort", "%q is not a sort key of the query view", f.Sort)
	}
	args := []any{planPerCall, f.BrandID, f.Marketplace, f.Range.From, f.Range.To}
	where := "brand_id = $1 AND marketplace = $2 AND week_start >= $3 AND week_start + 6 <= $4"
	if f.Queries != nil {
		args = append(args, f.Queries)
		where += " AND search_query = ANY($" + strconv.Itoa(len(args)-1) + ")"
	}
	// The filter box and the branded switch; args[0] is the query mode, not a parameter.
	match, params := queryMatchSQL("search_query", f.Match, args[1:])
	args = append([]any{planPerCall}, params...)
	where += " AND " + match
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	args = append(args, minWeekMarketPurchases, limit, f.Offset)
	// Two steps: the page is chosen on the sums its sort reads alone (one or three of them, not all 45
	// figures, over every query of the brand in the range), and every figure is summed for the page's rows
	// only, through the unique index. The second step sums the same rows of each query, so the final
	// order is the page's. docs/performance.md has the figures.
	p := func(i int) string { return "$" + strconv.Itoa(i) }
	q := `
		WITH sums AS (
			SELECT search_query AS query` + sortSums(expr, p(len(args)-3)) + `
			FROM public.brand_query_weeks
			WHERE ` + where + `
			GROUP BY search_query
		), page AS (
			SELECT query, count(*) OVER () AS total
			FROM sums
			` + orderBy(expr, f.Desc, "query") + `
			LIMIT ` + p(len(args)-2) + ` OFFSET ` + p(len(args)-1) + `
		)
		SELECT page.query, page.total, d.*
		FROM page
		CROSS JOIN LATERAL (
			SELECT ` + sumBrandQueryWeeks(p(len(args)-3)) + `
			FROM public.brand_query_weeks w
			WHERE w.brand_id = $1 AND w.marketplace = $2 AND w.search_query = page.query
			  AND w.week_start >= $3 AND w.week_start + 6 <= $4
		) d
		` + orderBy(expr, f.Desc, "page.query")
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return sqp.BrandQueryPage{}, fmt.Errorf("list search queries of brand %s in %s over %s: %w", f.BrandID, f.Marketplace, f.Range, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[brandQueryRow])
	if err != nil {
		return sqp.BrandQueryPage{}, fmt.Errorf("list search queries of brand %s in %s over %s: %w", f.BrandID, f.Marketplace, f.Range, err)
	}
	if len(found) == 0 && f.Offset > 0 {
		// Past the last page: say how many there are, so the caller can name the page parameter.
		f.Offset, f.Limit = 0, 1
		all, err := db.BrandQueries(ctx, f)
		return sqp.BrandQueryPage{Total: all.Total}, err
	}
	page := sqp.BrandQueryPage{Queries: make([]sqp.BrandQuery, len(found))}
	for i, r := range found {
		page.Total = int(r.Total)
		page.Queries[i] = r.brandQuery()
	}
	return page, nil
}

// queryASINSums are the per-ASIN sums of a search query's rows (alias q) that the ASIN table's sort keys
// read, by the column names sortExpr uses, so that the page is chosen on those alone (queryASINPageSums).
func queryASINSums() []brandQuerySum {
	return []brandQuerySum{
		{"asin_impressions", "sum(q.asin_impression_count)"},
		{"total_impressions", "sum(q.total_query_impression_count)"},
		{"asin_clicks", "sum(q.asin_click_count)"},
		{"total_clicks", "sum(q.total_click_count)"},
		{"asin_cart_adds", "sum(q.asin_cart_add_count)"},
		{"total_cart_adds", "sum(q.total_cart_add_count)"},
		{"asin_purchases", "sum(q.asin_purchase_count)"},
		{"total_purchases", "sum(q.total_purchase_count)"},
		{"weeks", "count(*)"},
	}
}

// queryASINPageSums are the columns of queryASINSums that the ORDER BY expression expr reads.
func queryASINPageSums(expr string) string {
	var cols []string
	for _, c := range queryASINSums() {
		if readsColumn(expr, c.name) {
			cols = append(cols, ",\n\t"+c.expr+" AS "+c.name)
		}
	}
	return strings.Join(cols, "")
}

// queryASINSortExpr returns the ORDER BY expression of an ASIN table sort key over the columns of
// queryASINSums.
func queryASINSortExpr(k sqp.QueryASINSortKey) (string, bool) {
	switch k {
	case sqp.QueryASINSortASIN:
		return "asin", true
	case sqp.QueryASINSortWeeks:
		return "weeks", true
	}
	if !slices.Contains(sqp.QueryASINMetrics(), metrics.Key(k)) {
		return "", false
	}
	return sortExpr(string(k))
}

// BrandQueryASINs returns one page of the brand's active ASINs that report search query f.Query in one
// marketplace over the weeks in f.Range, with their counts of that query, ordered by f.Sort (the query
// page's ASIN table, a query row's expansion); and, when f.Base is set, the same ASINs' counts over the
// weeks in *f.Base (the comparison), read by the same statement.
//
// Two steps, as BrandQueries: the page is chosen on the sums its sort reads alone, over the brand's
// reports of the range (its mappings, then each ASIN's weeks through the index on (asin, marketplace,
// start_date) that carries the report id) joined with the query's own rows through the index on
// (search_query, asin_performance_id) that carries the counts, both read without visiting the tables;
// then every figure, the title and the comparison are read for the page's ASINs only. A brand's own name
// as the query is reported by up to 290 ASINs at scale 10: summing and rendering all of them was the
// query page's tail (docs/performance.md).
func (db *DB) BrandQueryASINs(ctx context.Context, f sqp.QueryASINFilter) (sqp.QueryASINPage, error) {
	expr, ok := queryASINSortExpr(f.Sort)
	if !ok {
		return sqp.QueryASINPage{}, apperr.Invalid("asort", "%q is not a sort key of the ASIN table", f.Sort)
	}
	order := orderBy(expr, f.Desc, "asin")
	q := `
		WITH reports AS MATERIALIZED (
			SELECT a.id, a.asin
			FROM public.asin_brand_mapping m
			JOIN public.brands b ON b.id = m.brand_id AND b.is_active
			JOIN sqp.asin_performance_data a ON a.asin = m.asin AND a.marketplace = $2
			 AND a.start_date >= $3::date AND a.start_date <= $4::date - 6 AND a.end_date <= $4::date
			WHERE m.brand_id = $1 AND m.is_active
		), sums AS (
			SELECT r.asin` + queryASINPageSums(expr) + `
			FROM reports r
			JOIN sqp.search_query_performance q ON q.asin_performance_id = r.id AND q.search_query = $5
			GROUP BY r.asin
		), page AS (
			SELECT asin, count(*) OVER () AS total, row_number() OVER (` + order + `) AS ord
			FROM sums
			` + order + `
			LIMIT $8 OFFSET $9
		)
		SELECT page.ord, page.total, p.period, page.asin, coalesce(min(m.product_title), '') AS title, ` + sumQueryCounts + `,
		       count(*)::int AS weeks
		FROM page
		JOIN public.asin_brand_mapping m ON m.asin = page.asin
		JOIN (VALUES (0, $3::date, $4::date), (1, $6::date, $7::date)) p(period, from_date, to_date) ON true
		JOIN sqp.asin_performance_data a ON a.asin = page.asin AND a.marketplace = $2
		 AND a.start_date >= p.from_date AND a.start_date <= p.to_date - 6 AND a.end_date <= p.to_date
		JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id AND q.search_query = $5
		GROUP BY page.ord, page.total, p.period, page.asin
		ORDER BY p.period, page.ord`
	type row struct {
		Ord    int64  `db:"ord"`
		Total  int64  `db:"total"`
		Period int32  `db:"period"`
		ASIN   string `db:"asin"`
		Title  string `db:"title"`
		Weeks  int32  `db:"weeks"`
		countsRow
	}
	// Without a comparison the second period is empty: NULL bounds match no week.
	var baseFrom, baseTo *time.Time
	if f.Base != nil {
		baseFrom, baseTo = &f.Base.From, &f.Base.To
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	fail := func(err error) (sqp.QueryASINPage, error) {
		return sqp.QueryASINPage{}, fmt.Errorf("list ASINs of brand %s for query %q in %s over %s: %w", f.BrandID, f.Query, f.Marketplace, f.Range, err)
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, f.BrandID, f.Marketplace, f.Range.From, f.Range.To, f.Query, baseFrom, baseTo, limit, f.Offset)
	if err != nil {
		return fail(err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return fail(err)
	}
	if len(found) == 0 && f.Offset > 0 {
		// Past the last page: say how many there are, so the caller can name the page parameter.
		f.Offset, f.Limit, f.Base = 0, 1, nil
		all, err := db.BrandQueryASINs(ctx, f)
		return sqp.QueryASINPage{Total: all.Total}, err
	}
	var page sqp.QueryASINPage
	for _, r := range found {
		page.Total = int(r.Total)
		a := sqp.QueryASIN{ASIN: r.ASIN, Title: r.Title, Counts: r.counts(), Weeks: int(r.Weeks)}
		if r.Period == 0 {
			page.ASINs = append(page.ASINs, a)
		} else {
			page.Base = append(page.Base, a)
		}
	}
	return page, nil
}
