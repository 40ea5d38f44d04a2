package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// The kinds of rows of the expansion statement, in the order it returns them.
const (
	expansionProduct = iota // the product's row over the range (none: no such active brand)
	expansionBase           // its sums over the comparison range
	expansionSegment        // one segment, oldest first; a week carries its top search queries
	expansionTop            // one top search query of a month or quarter, best first
	expansionMarket         // one of the brand's marketplaces, default first
)

// expansionSQL is ProductExpansion's one statement: every part of an expanded product row, as rows of
// one shape told apart by kind. The product's rows of brand_product_segments in the marketplace (about 70
// for a year: weeks, months and quarters) are read once, by the unique index, and every sum is taken
// from them; the weekly top queries are the reports' precomputed ones (sqp.report_totals, read from the
// index of the report key: reportWeekTops), as three arrays on the week's own row, monthly and quarterly
// ones are ranked from the query rows as TopQueries does, a row each; the marketplaces come from
// brand_marketplace_segments (brandMarketplacesSQL). Parameters: $1 brand, $2 ASIN, $3 marketplace,
// $4..$5 range, $6 metrics.MinWeekMarketPurchases, $7 comparison on, $8..$9 comparison range, $10
// segment type ("" for none), $11 start of the segment before the range, $12 top queries per segment.
//
// It is a prepared statement (one text per segment type, expansionSQL): its plan does not depend on the
// values (every read goes by an index on the product's key), so PostgreSQL plans it once per connection
// instead of on every call (about 1.7 ms, as long as the execution).
var expansionHead = `
	WITH product AS (
		SELECT m.asin, coalesce(m.product_title, '') AS title
		FROM public.brands b
		LEFT JOIN public.asin_brand_mapping m ON m.brand_id = b.id AND m.asin = $2 AND m.is_active
		WHERE b.id = $1 AND b.is_active
	), seg AS MATERIALIZED (
		SELECT *
		FROM public.brand_product_segments
		WHERE brand_id = $1 AND marketplace = $3 AND asin = $2
		  AND EXISTS (SELECT 1 FROM product WHERE asin IS NOT NULL)
	)
	SELECT ` + fmt.Sprint(expansionProduct) + ` AS kind, NULL::date AS period_start, NULL::date AS period_end,
	       NULL::date AS earliest_date, NULL::date AS latest_date, s.data_weeks AS data_points, NULL::text AS query,
	       p.asin, p.title, md.weekly_count, md.monthly_count, md.quarterly_count, s.best_purchase_share,
	       coalesce(s.asin_impressions, 0) AS asin_impressions, coalesce(s.total_impressions, 0) AS total_impressions,
	       coalesce(s.asin_clicks, 0) AS asin_clicks, coalesce(s.total_clicks, 0) AS total_clicks,
	       coalesce(s.asin_cart_adds, 0) AS asin_cart_adds, coalesce(s.total_cart_adds, 0) AS total_cart_adds,
	       coalesce(s.asin_purchases, 0) AS asin_purchases, coalesce(s.total_purchases, 0) AS total_purchases,
	       s.price_cents, s.priced_purchases, NULL::text[] AS top_queries, NULL::bigint[] AS top_purchases,
	       NULL::bigint[] AS top_clicks
	FROM product p
	CROSS JOIN LATERAL (
		SELECT ` + sumSegmentCounts + `, count(*)::int AS data_weeks, ` + bestWeeklyPurchaseShare("asin_purchases", "total_purchases", "$6") + `
		FROM seg
		WHERE segment_type = 'weekly' AND period_start >= $4 AND period_end <= $5
	) s
	CROSS JOIN LATERAL (
		SELECT count(*) FILTER (WHERE segment_type = 'weekly')::int AS weekly_count,
		       count(*) FILTER (WHERE segment_type = 'monthly')::int AS monthly_count,
		       count(*) FILTER (WHERE segment_type = 'quarterly')::int AS quarterly_count
		FROM seg
		WHERE ` + segmentInRange("$4", "$5") + ` AND asin_impressions > 0
	) md
	UNION ALL
	SELECT ` + fmt.Sprint(expansionBase) + `, NULL, NULL, NULL, NULL, b.data_weeks, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	       coalesce(b.asin_impressions, 0), coalesce(b.total_impressions, 0), coalesce(b.asin_clicks, 0), coalesce(b.total_clicks, 0),
	       coalesce(b.asin_cart_adds, 0), coalesce(b.total_cart_adds, 0), coalesce(b.asin_purchases, 0), coalesce(b.total_purchases, 0),
	       b.price_cents, b.priced_purchases, NULL, NULL, NULL
	FROM (
		SELECT ` + sumSegmentCounts + `, count(*)::int AS data_weeks
		FROM seg
		WHERE segment_type = 'weekly' AND period_start >= $8 AND period_end <= $9
	) b
	WHERE $7
	UNION ALL`

// expansionSegments are the segment rows of months and quarters (and of no type: none), and
// expansionWeeks those of weeks, each with its report's top queries (up to $12; the week before the
// range, only the first row's comparison, without).
var (
	expansionSegments = `
	SELECT ` + fmt.Sprint(expansionSegment) + `, period_start, period_end, earliest_date, latest_date, data_points_count, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	       asin_impressions, total_impressions, asin_clicks, total_clicks, asin_cart_adds, total_cart_adds, asin_purchases, total_purchases,
	       coalesce(round(purchase_price_amount * 100), 0)::bigint, coalesce(priced_purchases, 0)::bigint, NULL, NULL, NULL
	FROM seg
	WHERE segment_type = $10 AND ` + segmentInRange("$11", "$5")
	// The range rule's columns are seg's alone: the lateral's are queries, purchases and clicks.
	expansionWeeks = `
	SELECT ` + fmt.Sprint(expansionSegment) + `, s.period_start, s.period_end, s.earliest_date, s.latest_date, s.data_points_count, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	       s.asin_impressions, s.total_impressions, s.asin_clicks, s.total_clicks, s.asin_cart_adds, s.total_cart_adds, s.asin_purchases, s.total_purchases,
	       coalesce(round(s.purchase_price_amount * 100), 0)::bigint, coalesce(s.priced_purchases, 0)::bigint,
	       top.queries, top.purchases, top.clicks
	FROM seg s
	LEFT JOIN LATERAL (` + reportTopQueryArraysSQL("$2", "$3", "s.period_start", "$12") + `) top ON s.period_start >= $4
	WHERE segment_type = $10 AND ` + segmentInRange("$11", "$5")
)

// expansionLiveTop are the top query rows of months and quarters (ranked from the query rows).
var expansionLiveTop = `	UNION ALL
	SELECT ` + fmt.Sprint(expansionTop) + `, segment_start, NULL, NULL, NULL, rank::int, query, NULL, NULL, NULL, NULL, NULL, NULL,
	       0, 0, asin_clicks, 0, 0, 0, asin_purchases, 0, 0, 0, NULL, NULL, NULL
	FROM (` + liveTopQueriesSQL("$2", "$3", "$4", "$5", "$10") + `) top
	WHERE rank <= $12
	  AND EXISTS (SELECT 1 FROM product WHERE asin IS NOT NULL)`

// expansionMarkets are the marketplace rows, and the order of all rows.
var expansionMarkets = `	UNION ALL
	SELECT ` + fmt.Sprint(expansionMarket) + `, NULL, last_week_end, NULL, NULL, ord::int, marketplace, NULL, NULL, NULL, NULL, NULL, NULL,
	       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL
	FROM (` + brandMarketplacesSQL("$1") + `) markets
	ORDER BY kind, period_start, data_points`

// expansionSQL is the statement of each segment type.
var expansionSQL = map[period.SegmentType]string{
	"":               expansionHead + expansionSegments + expansionMarkets,
	period.Weekly:    expansionHead + expansionWeeks + expansionMarkets,
	period.Monthly:   expansionHead + expansionSegments + expansionLiveTop + expansionMarkets,
	period.Quarterly: expansionHead + expansionSegments + expansionLiveTop + expansionMarkets,
}

// expansionRow is the scan target of one row of expansionSQL; what is set depends on its kind. It is
// scanned by position into value types (scan): a year of weeks is about 200 rows, and scanning them by
// name, with a pointer allocated per non-NULL column, was a tenth of the server's CPU per uncached
// expansion (docs/performance.md, "The cold expansion").
type expansionRow struct {
	Kind           int32
	Start          pgtype.Date
	End            pgtype.Date
	DataStart      pgtype.Date
	DataEnd        pgtype.Date
	DataPoints     pgtype.Int4 // data points of a segment, weeks of a sum, rank of a query
	Query          pgtype.Text // a top query, a marketplace's code
	ASIN           pgtype.Text
	Title          pgtype.Text
	WeeklyCount    pgtype.Int4
	MonthlyCount   pgtype.Int4
	QuarterlyCount pgtype.Int4
	BestShare      pgtype.Float8
	countsRow
	// A week's top queries, best first (NULL otherwise).
	TopQueries   []string
	TopPurchases []int64
	TopClicks    []int64
}

// scan reads the current row of rows into r, in the columns' order of expansionSQL.
func (r *expansionRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.Kind, &r.Start, &r.End, &r.DataStart, &r.DataEnd, &r.DataPoints, &r.Query, &r.ASIN, &r.Title,
		&r.WeeklyCount, &r.MonthlyCount, &r.QuarterlyCount, &r.BestShare,
		&r.ASINImpressions, &r.TotalImpressions, &r.ASINClicks, &r.TotalClicks, &r.ASINCartAdds, &r.TotalCartAdds,
		&r.ASINPurchases, &r.TotalPurchases, &r.PriceCents, &r.PricedPurchases, &r.TopQueries, &r.TopPurchases, &r.TopClicks)
}

// ProductExpansion reads everything a product row of the table shows (sqp.ExpansionQuery) in one
// statement, so that the first, uncached expansion of a product costs one round trip. An inactive or
// unknown brand is the apperr.NotFound of Brand, an ASIN the brand does not have (active) that of Product.
func (db *DB) ProductExpansion(ctx context.Context, q sqp.ExpansionQuery) (sqp.ProductExpansion, error) {
	before := q.Range.From
	if q.Type != "" {
		before = q.Type.Previous(q.Range.From)
	}
	stmt, ok := expansionSQL[q.Type]
	if !ok {
		return sqp.ProductExpansion{}, apperr.Invalid("type", "%q is not a segment type", q.Type)
	}
	args := []any{q.BrandID, q.ASIN, q.Marketplace, q.Range.From, q.Range.To,
		minWeekMarketPurchases, q.HasBase, q.Base.From, q.Base.To, string(q.Type), before, q.TopQueries}
	if q.Type == "" {
		args = args[:11] // no top queries: $12 is not in the statement
	}
	rows, err := db.pool.Query(ctx, stmt, args...)
	if err != nil {
		return sqp.ProductExpansion{}, fmt.Errorf("expand product %s of brand %s over %s: %w", q.ASIN, q.BrandID, q.Range, err)
	}
	defer rows.Close()
	out := sqp.ProductExpansion{Top: map[time.Time][]sqp.QueryCounts{}}
	brand := false
	var r expansionRow
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return sqp.ProductExpansion{}, fmt.Errorf("expand product %s of brand %s over %s: %w", q.ASIN, q.BrandID, q.Range, err)
		}
		switch r.Kind {
		case expansionProduct:
			brand = true
			if !r.ASIN.Valid {
				return sqp.ProductExpansion{}, apperr.NotFound("no product %s in this brand", q.ASIN)
			}
			out.Product = sqp.ProductSummary{ASIN: r.ASIN.String, Title: r.Title.String, Counts: r.counts(), WeeklySegments: int(r.WeeklyCount.Int32),
				MonthlySegments: int(r.MonthlyCount.Int32), QuarterlySegments: int(r.QuarterlyCount.Int32), Weeks: int(r.DataPoints.Int32)}
			if r.BestShare.Valid {
				out.Product.BestPurchaseShare = metrics.Known(r.BestShare.Float64)
			}
		case expansionBase:
			out.Base = sqp.PeriodCounts{Counts: r.counts(), Weeks: int(r.DataPoints.Int32)}
		case expansionSegment:
			start := r.Start.Time.UTC()
			out.Segments = append(out.Segments, sqp.Segment{Type: q.Type, Start: start, End: r.End.Time.UTC(),
				DataStart: r.DataStart.Time.UTC(), DataEnd: r.DataEnd.Time.UTC(), Counts: r.counts(), DataPoints: int(r.DataPoints.Int32)})
			if n := len(r.TopQueries); n > 0 && len(r.TopPurchases) == n && len(r.TopClicks) == n {
				top := make([]sqp.QueryCounts, n)
				for i, query := range r.TopQueries {
					top[i] = sqp.QueryCounts{Query: query, Counts: metrics.Counts{ASINPurchases: r.TopPurchases[i], ASINClicks: r.TopClicks[i]}}
				}
				out.Top[start] = top
			}
		case expansionTop:
			k := r.Start.Time.UTC()
			out.Top[k] = append(out.Top[k], sqp.QueryCounts{Query: r.Query.String, Counts: r.counts()})
		case expansionMarket:
			out.Markets = append(out.Markets, sqp.MarketplaceData{Marketplace: sqp.MarketplaceOf(r.Query.String), LastWeekEnd: r.End.Time.UTC()})
		}
	}
	if err := rows.Err(); err != nil {
		return sqp.ProductExpansion{}, fmt.Errorf("expand product %s of brand %s over %s: %w", q.ASIN, q.BrandID, q.Range, err)
	}
	if !brand {
		return sqp.ProductExpansion{}, apperr.NotFound("no brand %s", q.BrandID)
	}
	return out, nil
}
