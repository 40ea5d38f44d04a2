package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// productRow is the scan target of one product table row.
type productRow struct {
	ASIN              string `db:"asin"`
	Title             string `db:"title"`
	WeeklySegments    int32  `db:"weekly_count"`
	MonthlySegments   int32  `db:"monthly_count"`
	QuarterlySegments int32  `db:"quarterly_count"`
	DataWeeks         int32  `db:"data_weeks"`
	Total             int64  `db:"total"`
	// BestShare is bestWeeklyPurchaseShare: NULL when no week of the range has enough market purchases.
	BestShare *float64 `db:"best_purchase_share"`
	countsRow
}

func (r productRow) summary() sqp.ProductSummary {
	s := sqp.ProductSummary{
		ASIN:              r.ASIN,
		Title:             r.Title,
		Counts:            r.counts(),
		WeeklySegments:    int(r.WeeklySegments),
		MonthlySegments:   int(r.MonthlySegments),
		QuarterlySegments: int(r.QuarterlySegments),
		Weeks:             int(r.DataWeeks),
	}
	if r.BestShare != nil {
		s.BestPurchaseShare = metrics.Known(*r.BestShare)
	}
	return s
}

// bestWeeklyPurchaseShare is metrics.BestPurchaseShare over weekly rows with the given purchase columns:
// the highest brand / market purchases, capped at 1, of the weeks with at least minParam market purchases
// (the placeholder of the parameter bound to metrics.MinWeekMarketPurchases, so the threshold is written
// once, in Go); NULL when no week has that many. A float8 fraction so Go and SQL divide the same integers
// the same way. The cap is inside max, per week: least() outside would turn the NULL of no week into 1.
func bestWeeklyPurchaseShare(brand, market, minParam string) string {
	return `max(least(1, ` + brand + `::float8 / ` + market + `)) FILTER (WHERE ` + market + ` >= ` + minParam +
		` AND ` + market + ` > 0) AS best_purchase_share`
}

// minWeekMarketPurchases is metrics.MinWeekMarketPurchases as a query argument: int64, the type of the
// purchase columns it is compared with.
const minWeekMarketPurchases = int64(metrics.MinWeekMarketPurchases)

// opportunityExpr is metrics.OpportunityFrom over the columns of a product row, for sorting: NULL (last)
// without a best share, never below 0.
const opportunityExpr = `CASE WHEN best_purchase_share IS NOT NULL THEN greatest(0, best_purchase_share * total_purchases - asin_purchases) END`

// productSortExpr returns the ORDER BY expression of a product table sort key.
func productSortExpr(k sqp.SortKey) (string, bool) {
	switch k {
	case sqp.SortASIN:
		return "asin", true
	case sqp.SortTitle:
		return "lower(title)", true
	case sqp.SortSegments:
		return "weekly_count + monthly_count + quarterly_count", true
	case sqp.SortOpportunity:
		return opportunityExpr, true
	}
	return sortExpr(string(k))
}

// Products returns one page of the product table: an ASIN's weekly segments in the range summed (shares
// are computed from the sums, never averaged), with the segment counts of get_product_segment_metadata.
// Those counts are computed here with the function's own definition (segments wholly inside the range
// with ASIN impressions) rather than by calling it: the call aggregated every product of the brand
// even for one row (26 ms for one product over a year at scale 10, 0.2 ms inline), and the tests check
// that both agree. They are counted for the page's rows only (productPageCounts), unless the page is
// sorted by them.
func (db *DB) Products(ctx context.Context, f sqp.ProductFilter) (sqp.ProductPage, error) {
	expr, ok := productSortExpr(f.Sort)
	if !ok {
		return sqp.ProductPage{}, apperr.Invalid("sort", "%q is not a sort key", f.Sort)
	}
	q := productPageCounts(expr, f.Desc)
	if f.Sort == sqp.SortSegments {
		q = productAllCounts(expr, f.Desc)
	}
	var limit *int
	if f.Limit > 0 {
		limit = &f.Limit
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, f.BrandID, f.Range.From, f.Range.To, f.Search, likePattern(f.Search), f.MinImpressions, limit, f.Offset, f.ASIN, f.Marketplace, minWeekMarketPurchases)
	if err != nil {
		return sqp.ProductPage{}, fmt.Errorf("list products of brand %s: %w", f.BrandID, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[productRow])
	if err != nil {
		return sqp.ProductPage{}, fmt.Errorf("list products of brand %s: %w", f.BrandID, err)
	}
	if len(found) == 0 && f.Offset > 0 {
		// A page past the end: still report how many products there are.
		f.Offset, f.Limit = 0, 1
		all, err := db.Products(ctx, f)
		return sqp.ProductPage{Total: all.Total}, err
	}
	page := sqp.ProductPage{Products: make([]sqp.ProductSummary, len(found))}
	for i, r := range found {
		page.Total = int(r.Total)
		page.Products[i] = r.summary()
	}
	return page, nil
}

// productSums is the first part of both product table statements: each ASIN's weekly segments in the
// range summed, and the rows the filter keeps ($1 brand, $2-$3 range, $4-$5 search, $6 minimum
// impressions, $9 one ASIN or the empty string, $10 marketplace, $11 metrics.MinWeekMarketPurchases).
var productSums = `
		WITH sums AS (
			SELECT asin, ` + sumSegmentCounts + `, count(*)::int AS data_weeks, ` + bestWeeklyPurchaseShare("asin_purchases", "total_purchases", "$11") + `
			FROM public.brand_product_segments
			WHERE brand_id = $1 AND marketplace = $10 AND segment_type = 'weekly'
			  AND period_start >= $2 AND period_end <= $3
			  AND ($9 = '' OR asin = $9)
			GROUP BY asin
		), rows AS (
			SELECT s.*, coalesce(m.product_title, '') AS title
			FROM sums s
			JOIN public.asin_brand_mapping m ON m.asin = s.asin AND m.brand_id = $1
			WHERE ($4 = '' OR s.asin ILIKE $5 OR m.product_title ILIKE $5)
			  AND s.asin_impressions >= $6
		)`

// productPageCounts is the product table's statement when it is not sorted by the segment counts: the
// page is chosen on the sums ($7 limit, $8 offset), then the counts are read for its rows only, through
// the view's (brand, marketplace, ASIN, ...) index. Counting them for every ASIN of the brand read the
// brand's segments a second time: at scale 25, for a brand of 454 ASINs (28,488 segments over a year),
// 1,795 buffers and 57-62 ms of backend CPU, against 1,149 buffers and 36-38 ms this way
// (docs/performance.md, "The brand page's first request").
func productPageCounts(expr string, desc bool) string {
	return productSums + `, page AS (
			SELECT *, count(*) OVER () AS total
			FROM rows
			` + orderBy(expr, desc, "asin") + `
			LIMIT $7 OFFSET $8
		)
		SELECT p.*, md.weekly_count, md.monthly_count, md.quarterly_count
		FROM page p
		CROSS JOIN LATERAL (
			SELECT count(*) FILTER (WHERE segment_type = 'weekly')::int AS weekly_count,
			       count(*) FILTER (WHERE segment_type = 'monthly')::int AS monthly_count,
			       count(*) FILTER (WHERE segment_type = 'quarterly')::int AS quarterly_count
			FROM public.brand_product_segments
			WHERE brand_id = $1 AND marketplace = $10 AND asin = p.asin AND ` + segmentInRange("$2", "$3") + `
			  AND asin_impressions > 0
		) md
		` + orderBy(expr, desc, "asin")
}

// productAllCounts is the product table's statement sorted by the segment counts: they are counted for
// every ASIN of the brand before the page is chosen.
func productAllCounts(expr string, desc bool) string {
	return productSums + `, md AS (
			SELECT asin,
			       count(*) FILTER (WHERE segment_type = 'weekly') AS weekly_count,
			       count(*) FILTER (WHERE segment_type = 'monthly') AS monthly_count,
			       count(*) FILTER (WHERE segment_type = 'quarterly') AS quarterly_count
			FROM public.brand_product_segments
			WHERE brand_id = $1 AND marketplace = $10 AND ` + segmentInRange("$2", "$3") + `
			  AND asin_impressions > 0
			  AND ($9 = '' OR asin = $9)
			GROUP BY asin
		), counted AS (
			SELECT r.*,
			       coalesce(md.weekly_count, 0)::int AS weekly_count,
			       coalesce(md.monthly_count, 0)::int AS monthly_count,
			       coalesce(md.quarterly_count, 0)::int AS quarterly_count
			FROM rows r
			LEFT JOIN md ON md.asin = r.asin
		)
		SELECT *, count(*) OVER () AS total
		FROM counted
		` + orderBy(expr, desc, "asin") + `
		LIMIT $7 OFFSET $8`
}

// ProductCounts sums the weekly segments in r of the given ASINs of the brand in one marketplace, with the
// number of weeks each has data in (the comparison is fair only against as many weeks, sqp.LikeForLike).
func (db *DB) ProductCounts(ctx context.Context, brandID, market string, r period.Range, asins []string) (map[string]sqp.PeriodCounts, error) {
	q := `
		SELECT asin, ` + sumSegmentCounts + `, count(*)::int AS data_weeks
		FROM public.brand_product_segments
		WHERE brand_id = $1 AND marketplace = $5 AND segment_type = 'weekly'
		  AND period_start >= $2 AND period_end <= $3
		  AND asin = ANY($4)
		GROUP BY asin`
	type row struct {
		ASIN      string `db:"asin"`
		DataWeeks int32  `db:"data_weeks"`
		countsRow
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, brandID, r.From, r.To, asins, market)
	if err != nil {
		return nil, fmt.Errorf("sum products of brand %s over %s: %w", brandID, r, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("sum products of brand %s over %s: %w", brandID, r, err)
	}
	out := make(map[string]sqp.PeriodCounts, len(found))
	for _, f := range found {
		out[f.ASIN] = sqp.PeriodCounts{Counts: f.counts(), Weeks: int(f.DataWeeks)}
	}
	return out, nil
}

// ProductSummary returns one row of the product table, as Products would, for an active ASIN of an active
// brand, with zero counts when it has no segment in r; anything else is an apperr.NotFound. An expanded
// or collapsed row needs both the check and the numbers: one read instead of Product and Products.
func (db *DB) ProductSummary(ctx context.Context, brandID, market, asin string, r period.Range) (sqp.ProductSummary, error) {
	q := `
		SELECT m.asin, coalesce(m.product_title, '') AS title,
		       coalesce(s.asin_impressions, 0)  AS asin_impressions,
		       coalesce(s.total_impressions, 0) AS total_impressions,
		       coalesce(s.asin_clicks, 0)       AS asin_clicks,
		       coalesce(s.total_clicks, 0)      AS total_clicks,
		       coalesce(s.asin_cart_adds, 0)    AS asin_cart_adds,
		       coalesce(s.total_cart_adds, 0)   AS total_cart_adds,
		       coalesce(s.asin_purchases, 0)    AS asin_purchases,
		       coalesce(s.total_purchases, 0)   AS total_purchases,
		       s.price_cents, s.priced_purchases, s.best_purchase_share,
		       md.weekly_count, md.monthly_count, md.quarterly_count, s.data_weeks, 1::bigint AS total
		FROM public.asin_brand_mapping m
		JOIN public.brands b ON b.id = m.brand_id
		CROSS JOIN LATERAL (
			SELECT ` + sumSegmentCounts + `, count(*)::int AS data_weeks, ` + bestWeeklyPurchaseShare("asin_purchases", "total_purchases", "$6") + `
			FROM public.brand_product_segments
			WHERE brand_id = m.brand_id AND marketplace = $5 AND asin = m.asin AND segment_type = 'weekly'
			  AND period_start >= $3 AND period_end <= $4
		) s
		CROSS JOIN LATERAL (
			SELECT count(*) FILTER (WHERE segment_type = 'weekly')::int AS weekly_count,
			       count(*) FILTER (WHERE segment_type = 'monthly')::int AS monthly_count,
			       count(*) FILTER (WHERE segment_type = 'quarterly')::int AS quarterly_count
			FROM public.brand_product_segments
			WHERE brand_id = m.brand_id AND marketplace = $5 AND asin = m.asin AND ` + segmentInRange("$3", "$4") + `
			  AND asin_impressions > 0
		) md
		WHERE m.brand_id = $1 AND m.asin = $2 AND m.is_active AND b.is_active`
	rows, err := db.pool.Query(ctx, q, planPerCall, brandID, asin, r.From, r.To, market, minWeekMarketPurchases)
	if err != nil {
		return sqp.ProductSummary{}, fmt.Errorf("load product %s of brand %s over %s: %w", asin, brandID, r, err)
	}
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[productRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return sqp.ProductSummary{}, apperr.NotFound("no product %s in this brand", asin)
	}
	if err != nil {
		return sqp.ProductSummary{}, fmt.Errorf("load product %s of brand %s over %s: %w", asin, brandID, r, err)
	}
	return row.summary(), nil
}

// Product returns an active ASIN of an active brand; anything else is an apperr.NotFound.
func (db *DB) Product(ctx context.Context, brandID, asin string) (sqp.Product, error) {
	const q = `
		SELECT m.brand_id::text AS brand_id, m.asin, coalesce(m.product_title, '') AS title
		FROM public.asin_brand_mapping m
		JOIN public.brands b ON b.id = m.brand_id
		WHERE m.brand_id = $1 AND m.asin = $2 AND m.is_active AND b.is_active`
	type row struct {
		BrandID string `db:"brand_id"`
		ASIN    string `db:"asin"`
		Title   string `db:"title"`
	}
	rows, err := db.pool.Query(ctx, q, brandID, asin)
	if err != nil {
		return sqp.Product{}, fmt.Errorf("load product %s of brand %s: %w", asin, brandID, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[row])
	if errors.Is(err, pgx.ErrNoRows) {
		return sqp.Product{}, apperr.NotFound("no product %s in this brand", asin)
	}
	if err != nil {
		return sqp.Product{}, fmt.Errorf("load product %s of brand %s: %w", asin, brandID, err)
	}
	return sqp.Product{BrandID: r.BrandID, ASIN: r.ASIN, Title: r.Title}, nil
}

// LastWeekEnd returns the end of the brand's newest weekly segment in a marketplace: the default range
// ends there.
func (db *DB) LastWeekEnd(ctx context.Context, brandID, market string) (time.Time, bool, error) {
	const q = `
		SELECT max(period_end)
		FROM public.brand_product_segments
		WHERE brand_id = $1 AND marketplace = $2 AND segment_type = 'weekly'`
	var end *time.Time
	if err := db.pool.QueryRow(ctx, q, planPerCall, brandID, market).Scan(&end); err != nil {
		return time.Time{}, false, fmt.Errorf("find newest week of brand %s: %w", brandID, err)
	}
	if end == nil {
		return time.Time{}, false, nil
	}
	return *end, true, nil
}

// BrandWeeks returns the brand's counts per week in r in one marketplace, oldest first, as metrics.Brand
// defines them (corrections #14): the brand's ASIN counts summed, each search query's market totals
// counted once per week. They come from brand_marketplace_segments, not from summing the product
// segments, which would count a query's market once per ASIN that reports it.
func (db *DB) BrandWeeks(ctx context.Context, brandID, market string, r period.Range) ([]sqp.WeekCounts, error) {
	q := `
		SELECT period_start AS week_start, ` + sumSegmentCounts + `
		FROM public.brand_marketplace_segments
		WHERE brand_id = $1 AND marketplace = $4 AND segment_type = 'weekly'
		  AND period_start >= $2 AND period_end <= $3
		GROUP BY period_start
		ORDER BY period_start`
	type row struct {
		WeekStart time.Time `db:"week_start"`
		countsRow
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, brandID, r.From, r.To, market)
	if err != nil {
		return nil, fmt.Errorf("sum weeks of brand %s over %s: %w", brandID, r, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("sum weeks of brand %s over %s: %w", brandID, r, err)
	}
	out := make([]sqp.WeekCounts, len(found))
	for i, f := range found {
		out[i] = sqp.WeekCounts{WeekStart: f.WeekStart.UTC(), Counts: f.counts()}
	}
	return out, nil
}

// BrandMarketplaces lists the marketplaces the brand has weekly segments in, with the end of the newest
// week of each. The first is the brand's default marketplace, the one with the most recent data, ordered
// as public.brand_default_marketplace() orders them (most recent week, then most weekly segments, then
// code). It reads the brand-level weeks (brandMarketplacesSQL).
func (db *DB) BrandMarketplaces(ctx context.Context, brandID string) ([]sqp.MarketplaceData, error) {
	q := `SELECT marketplace, last_week_end FROM (` + brandMarketplacesSQL("$1") + `) m ORDER BY ord`
	type row struct {
		Marketplace string    `db:"marketplace"`
		LastWeekEnd time.Time `db:"last_week_end"`
	}
	rows, err := db.pool.Query(ctx, q, planPerCall, brandID)
	if err != nil {
		return nil, fmt.Errorf("list marketplaces of brand %s: %w", brandID, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return nil, fmt.Errorf("list marketplaces of brand %s: %w", brandID, err)
	}
	out := make([]sqp.MarketplaceData, len(found))
	for i, f := range found {
		out[i] = sqp.MarketplaceData{Marketplace: sqp.MarketplaceOf(f.Marketplace), LastWeekEnd: f.LastWeekEnd.UTC()}
	}
	return out, nil
}

// brandMarketplacesSQL lists the marketplaces of the brand (a placeholder) with the end of their newest
// week (last_week_end) and their order (ord, from 1: the default first), as brand_default_marketplace()
// orders them. It reads brand_marketplace_segments, a row per week of the brand, by its unique index:
// about 50 rows for a year, where brand_product_segments has one per product and week (13,700 rows, 7.5 ms
// for a brand of 260 products at scale 10). A weekly row's data_points_count counts the brand's ASIN
// reports of the week, which are its product segments: the sum is brand_default_marketplace's count(*).
func brandMarketplacesSQL(brand string) string {
	return `
		SELECT marketplace, max(period_end) AS last_week_end,
		       row_number() OVER (ORDER BY max(period_end) DESC, sum(data_points_count) DESC, marketplace) AS ord
		FROM public.brand_marketplace_segments
		WHERE brand_id = ` + brand + ` AND segment_type = 'weekly'
		GROUP BY marketplace`
}
