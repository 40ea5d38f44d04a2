package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
)

// marketColumn is one summed column of a product's market figures and the field it is scanned into.
type marketColumn struct {
	expr  string
	field func(*metrics.MarketFigures) *int64
}

// priceColumns sum one median price column (of alias q) weighted by the step's count (metrics.PriceSum):
// the amount in cents, exact (numeric(12,2) x bigint), and the weight of the priced rows. Only prices in
// the marketplace's currency ($2) count: the importer refuses others, and this keeps any other from being
// averaged in.
func priceColumns(price, count string, sum func(*metrics.MarketFigures) *metrics.PriceSum) []marketColumn {
	return []marketColumn{
		{fmt.Sprintf("coalesce(round(sum(q.%s * q.%s) FILTER (WHERE q.currency_code = $2) * 100), 0)::bigint", price, count),
			func(m *metrics.MarketFigures) *int64 { return &sum(m).AmountCents }},
		{fmt.Sprintf("coalesce(sum(q.%s) FILTER (WHERE q.%s IS NOT NULL AND q.currency_code = $2), 0)::bigint", count, price),
			func(m *metrics.MarketFigures) *int64 { return &sum(m).Weight }},
	}
}

// speedColumns sum one shipping-speed count and, as its whole, the step's market count over the rows that
// report that speed (metrics.Speeds).
func speedColumns(speed, count string, part func(*metrics.MarketFigures) *metrics.Part) []marketColumn {
	return []marketColumn{
		{fmt.Sprintf("coalesce(sum(q.%s), 0)::bigint", speed),
			func(m *metrics.MarketFigures) *int64 { return &part(m).N }},
		{fmt.Sprintf("coalesce(sum(q.%s) FILTER (WHERE q.%s IS NOT NULL), 0)::bigint", count, speed),
			func(m *metrics.MarketFigures) *int64 { return &part(m).Of }},
	}
}

// marketColumns are every summed column of metrics.MarketFigures, in scan order.
var marketColumns = func() []marketColumn {
	p := func(m *metrics.MarketFigures) *metrics.Prices { return &m.Prices }
	s := func(m *metrics.MarketFigures) *metrics.Shipping { return &m.Shipping }
	var cols []marketColumn
	for _, c := range []struct {
		price, count string
		sum          func(*metrics.MarketFigures) *metrics.PriceSum
	}{
		{"total_median_click_price", "total_click_count", func(m *metrics.MarketFigures) *metrics.PriceSum { return &p(m).MarketClick }},
		{"asin_median_click_price", "asin_click_count", func(m *metrics.MarketFigures) *metrics.PriceSum { return &p(m).ASINClick }},
		{"total_median_cart_add_price", "total_cart_add_count", func(m *metrics.MarketFigures) *metrics.PriceSum { return &p(m).MarketCartAdd }},
		{"asin_median_cart_add_price", "asin_cart_add_count", func(m *metrics.MarketFigures) *metrics.PriceSum { return &p(m).ASINCartAdd }},
		{"total_median_purchase_price", "total_purchase_count", func(m *metrics.MarketFigures) *metrics.PriceSum { return &p(m).MarketPurchase }},
		{"asin_median_purchase_price", "asin_purchase_count", func(m *metrics.MarketFigures) *metrics.PriceSum { return &p(m).ASINPurchase }},
	} {
		cols = append(cols, priceColumns(c.price, c.count, c.sum)...)
	}
	for _, step := range []struct {
		name, count string
		speeds      func(*metrics.MarketFigures) *metrics.Speeds
	}{
		{"click", "total_click_count", func(m *metrics.MarketFigures) *metrics.Speeds { return &s(m).Clicks }},
		{"cart_add", "total_cart_add_count", func(m *metrics.MarketFigures) *metrics.Speeds { return &s(m).CartAdds }},
		{"purchase", "total_purchase_count", func(m *metrics.MarketFigures) *metrics.Speeds { return &s(m).Purchases }},
	} {
		for _, sp := range []struct {
			name string
			part func(*metrics.Speeds) *metrics.Part
		}{
			{"same_day", func(v *metrics.Speeds) *metrics.Part { return &v.SameDay }},
			{"one_day", func(v *metrics.Speeds) *metrics.Part { return &v.OneDay }},
			{"two_day", func(v *metrics.Speeds) *metrics.Part { return &v.TwoDay }},
		} {
			speeds, part := step.speeds, sp.part
			cols = append(cols, speedColumns("total_"+sp.name+"_shipping_"+step.name+"_count", step.count,
				func(m *metrics.MarketFigures) *metrics.Part { return part(speeds(m)) })...)
		}
	}
	return cols
}()

// marketSelect is the select list of marketColumns.
var marketSelect = func() string {
	exprs := make([]string, len(marketColumns))
	for i, c := range marketColumns {
		exprs[i] = c.expr
	}
	return strings.Join(exprs, ",\n\t")
}()

// scanMarket scans a row of a key column followed by marketColumns.
func scanMarket(row pgx.CollectableRow) (string, metrics.MarketFigures, error) {
	var key string
	var m metrics.MarketFigures
	dest := make([]any, 1+len(marketColumns))
	dest[0] = &key
	for i, c := range marketColumns {
		dest[i+1] = c.field(&m)
	}
	err := row.Scan(dest...)
	return key, m, err
}

// ProductMarket returns the market figures (median prices and delivery speeds, metrics.MarketFigures) of
// all of asin's search queries in one marketplace over the weeks in r, from the base tables; currency is
// the marketplace's (prices in any other are left out). Without data it is zero.
func (db *DB) ProductMarket(ctx context.Context, market, currency, asin string, r period.Range) (metrics.MarketFigures, error) {
	q := `
		SELECT ''::text, ` + marketSelect + `
		FROM sqp.asin_performance_data a
		JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
		WHERE a.asin = $1 AND a.marketplace = $3 AND a.start_date >= $4 AND a.end_date <= $5`
	rows, err := db.pool.Query(ctx, q, planPerCall, asin, currency, market, r.From, r.To)
	if err != nil {
		return metrics.MarketFigures{}, fmt.Errorf("sum market figures of %s over %s: %w", asin, r, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (metrics.MarketFigures, error) {
		_, m, err := scanMarket(row)
		return m, err
	})
	if err != nil {
		return metrics.MarketFigures{}, fmt.Errorf("sum market figures of %s over %s: %w", asin, r, err)
	}
	return m, nil
}

// QueryMarket returns the market figures of the given search queries of asin in one marketplace over the
// weeks in r, by query (a page of the product page's query table); currency as for ProductMarket. A query
// without rows is missing from the map.
func (db *DB) QueryMarket(ctx context.Context, market, currency, asin string, r period.Range, queries []string) (map[string]metrics.MarketFigures, error) {
	q := `
		SELECT q.search_query, ` + marketSelect + `
		FROM sqp.asin_performance_data a
		JOIN sqp.search_query_performance q ON q.asin_performance_id = a.id
		WHERE a.asin = $1 AND a.marketplace = $3 AND a.start_date >= $4 AND a.end_date <= $5
		  AND q.search_query = ANY($6)
		GROUP BY q.search_query`
	rows, err := db.pool.Query(ctx, q, planPerCall, asin, currency, market, r.From, r.To, queries)
	if err != nil {
		return nil, fmt.Errorf("sum market figures of queries of %s over %s: %w", asin, r, err)
	}
	out := make(map[string]metrics.MarketFigures, len(queries))
	_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		k, m, err := scanMarket(row)
		out[k] = m
		return struct{}{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("sum market figures of queries of %s over %s: %w", asin, r, err)
	}
	return out, nil
}
