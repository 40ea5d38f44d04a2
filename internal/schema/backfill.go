package schema

import (
	"slices"
	"strings"

	atlasschema "ariga.io/atlas/sql/schema"
)

// backfill is data a new column needs beyond its default: a declarative schema can add a NOT NULL column
// with a default to a table that has rows, but only one value for all of them. When Atlas's plan adds the
// column, the backfill's statement runs right after the table statements, in the plan's one transaction
// (so it shows in --dry-run, and a failure changes nothing), before the views are created again. A column
// that already exists is never backfilled again.
type backfill struct {
	schema, table, column string
	comment               string
	sql                   string
}

// backfills are the engine's data migrations, one per column that needed one.
var backfills = []backfill{
	{
		// corrections #15: reports carried no marketplace, and every import so far defaulted to US, so the
		// column's default ('US') is right for them, unless the prices say otherwise: a Seller Central file
		// named UK_... was imported with GBP prices, an SP-API report with its own currency. A currency used
		// by one marketplace only decides it. Euros are used by DE, FR, IT, ES, NL, BE and IE, and the
		// country was never stored: those reports go to 'EU' (a euro marketplace, country not recorded), kept
		// apart instead of guessed into one country or mixed with US dollars. A report without prices keeps
		// 'US'.
		schema: "sqp", table: "asin_performance_data", column: "marketplace",
		comment: "backfill sqp.asin_performance_data.marketplace from the reports' currency (US unless it says otherwise)",
		sql: `UPDATE sqp.asin_performance_data a
   SET marketplace = c.marketplace
  FROM (SELECT q.asin_performance_id,
               CASE min(q.currency_code)
                 WHEN 'CAD' THEN 'CA' WHEN 'MXN' THEN 'MX' WHEN 'BRL' THEN 'BR' WHEN 'GBP' THEN 'UK'
                 WHEN 'SEK' THEN 'SE' WHEN 'PLN' THEN 'PL' WHEN 'TRY' THEN 'TR' WHEN 'AED' THEN 'AE'
                 WHEN 'SAR' THEN 'SA' WHEN 'EGP' THEN 'EG' WHEN 'ZAR' THEN 'ZA' WHEN 'INR' THEN 'IN'
                 WHEN 'JPY' THEN 'JP' WHEN 'AUD' THEN 'AU' WHEN 'SGD' THEN 'SG' WHEN 'EUR' THEN 'EU'
                 ELSE 'US' END AS marketplace
          FROM sqp.search_query_performance q
         WHERE q.currency_code IS NOT NULL
         GROUP BY q.asin_performance_id
        HAVING min(q.currency_code) = max(q.currency_code)) c
 WHERE a.id = c.asin_performance_id AND c.marketplace <> a.marketplace`,
	},
	{
		// sqp.report_totals repeats its report's key (asin, marketplace, start_date) for the index of a
		// product's weekly top queries, and says whether they fit that index (top_queries_indexed): the four
		// columns came together, and this fills them all, as sqp.report_totals_recompute sets them
		// (TestReportWeekTopsMigration checks that recomputing after it changes no row). Only these columns
		// change, so the totals' triggers recompute no segment.
		schema: "sqp", table: "report_totals", column: "asin",
		comment: "backfill sqp.report_totals' report keys (asin, marketplace, start_date) and top_queries_indexed",
		sql: `UPDATE sqp.report_totals t
   SET asin = a.asin, marketplace = a.marketplace, start_date = a.start_date,
       top_queries_indexed = octet_length(array_to_string(t.top_queries, '')) <= 2000
  FROM sqp.asin_performance_data a
 WHERE a.id = t.asin_performance_id`,
	},
}

// tableFill is the data a new table derives from existing tables: the rows its triggers would have written
// had the table always existed. When Atlas's plan creates the table, the fill's statements run right after
// the table statements, in the plan's one transaction, before the views (which may read the table) are
// created again. The triggers that keep the table exact are created later in the same transaction.
type tableFill struct {
	schema, table string
	steps         []Statement
}

// tableFills are the engine's fills, one per derived table.
var tableFills = []tableFill{
	{
		// sqp.report_totals (schema.hcl): the totals of sqp.report_totals_recompute(NULL), whose statement
		// this is for every report (the report keys come from their backfill, right after); the function
		// does not exist yet at this point of the plan (TestReportTotalsMigration checks that recomputing
		// after the fill changes no row).
		// The lock keeps writers of query rows out from the fill to the commit: the triggers that would
		// record their rows are created only later in the plan.
		schema: "sqp", table: "report_totals",
		steps: []Statement{
			{Comment: "lock sqp.search_query_performance against writers until the fill of sqp.report_totals commits", SQL: `LOCK TABLE sqp.search_query_performance IN SHARE MODE`},
			{Comment: "fill sqp.report_totals from the existing query rows", SQL: `INSERT INTO sqp.report_totals
       (asin_performance_id, query_rows, total_impressions, asin_impressions, total_clicks, asin_clicks,
        total_cart_adds, asin_cart_adds, total_purchases, asin_purchases, priced_purchases,
        purchase_price_amount, top_queries, top_query_purchases, top_query_clicks)
SELECT a.id, s.query_rows, s.total_impressions, s.asin_impressions, s.total_clicks, s.asin_clicks,
       s.total_cart_adds, s.asin_cart_adds, s.total_purchases, s.asin_purchases, s.priced_purchases,
       s.purchase_price_amount, s.top_queries, s.top_query_purchases, s.top_query_clicks
  FROM sqp.asin_performance_data a
 CROSS JOIN LATERAL (
       SELECT count(*)::integer AS query_rows,
              coalesce(sum(q.total_query_impression_count), 0)::bigint AS total_impressions,
              coalesce(sum(q.asin_impression_count), 0)::bigint AS asin_impressions,
              coalesce(sum(q.total_click_count), 0)::bigint AS total_clicks,
              coalesce(sum(q.asin_click_count), 0)::bigint AS asin_clicks,
              coalesce(sum(q.total_cart_add_count), 0)::bigint AS total_cart_adds,
              coalesce(sum(q.asin_cart_add_count), 0)::bigint AS asin_cart_adds,
              coalesce(sum(q.total_purchase_count), 0)::bigint AS total_purchases,
              coalesce(sum(q.asin_purchase_count), 0)::bigint AS asin_purchases,
              coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL), 0)::bigint AS priced_purchases,
              coalesce(sum(q.asin_median_purchase_price * q.asin_purchase_count), 0)::numeric AS purchase_price_amount,
              coalesce((array_agg(q.search_query ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query))[1:3], '{}') AS top_queries,
              coalesce((array_agg(q.asin_purchase_count ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query))[1:3], '{}') AS top_query_purchases,
              coalesce((array_agg(q.asin_click_count ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query))[1:3], '{}') AS top_query_clicks
         FROM sqp.search_query_performance q
        WHERE q.asin_performance_id = a.id) AS s`},
		},
	},
	{
		// sqp.segment_sums (schema.hcl): every segment's sums from sqp.report_totals (filled just before when
		// the same plan creates it: fills run in this list's order), as sqp.segment_sums_rebuild(NULL) computes
		// them; the functions do not exist yet at this point of the plan (TestSegmentSumsMigration checks that
		// rebuilding after the fill changes nothing). The lock keeps writers of the tables it reads out until
		// the commit: the triggers that would recompute their segments are created only later in the plan.
		schema: "sqp", table: "segment_sums",
		steps: []Statement{
			{Comment: "lock the tables sqp.segment_sums sums against writers until its fill commits", SQL: `LOCK TABLE sqp.report_totals, sqp.asin_performance_data, public.asin_brand_mapping, public.brands IN SHARE MODE`},
			{Comment: "fill sqp.segment_sums from sqp.report_totals", SQL: `INSERT INTO sqp.segment_sums
SELECT a.brand_id, a.marketplace, a.asin, a.segment_type, a.period_start, a.period_end, a.total_impressions,
       a.asin_impressions, a.total_clicks, a.asin_clicks, a.total_cart_adds, a.asin_cart_adds, a.total_purchases,
       a.asin_purchases,
       round(100.0 * a.asin_impressions / nullif(a.total_impressions, 0), 2),
       round(100.0 * a.asin_clicks / nullif(a.total_clicks, 0), 2),
       round(100.0 * a.asin_cart_adds / nullif(a.total_cart_adds, 0), 2),
       round(100.0 * a.asin_purchases / nullif(a.total_purchases, 0), 2),
       round(100.0 * a.asin_clicks / nullif(a.asin_impressions, 0), 2),
       round(100.0 * a.asin_purchases / nullif(a.asin_clicks, 0), 2),
       round(a.purchase_price_amount / nullif(a.priced_purchases, 0), 2),
       a.data_points_count, a.earliest_date, a.latest_date, a.purchase_price_amount, a.priced_purchases
  FROM (SELECT m.brand_id, r.marketplace, r.asin, g.segment_type, g.period_start, g.period_end,
               sum(t.total_impressions)::bigint AS total_impressions, sum(t.asin_impressions)::bigint AS asin_impressions,
               sum(t.total_clicks)::bigint AS total_clicks, sum(t.asin_clicks)::bigint AS asin_clicks,
               sum(t.total_cart_adds)::bigint AS total_cart_adds, sum(t.asin_cart_adds)::bigint AS asin_cart_adds,
               sum(t.total_purchases)::bigint AS total_purchases, sum(t.asin_purchases)::bigint AS asin_purchases,
               sum(t.purchase_price_amount) AS purchase_price_amount, sum(t.priced_purchases)::bigint AS priced_purchases,
               count(*)::integer AS data_points_count, min(r.start_date) AS earliest_date, max(r.end_date) AS latest_date
          FROM sqp.report_totals t
          JOIN sqp.asin_performance_data r ON r.id = t.asin_performance_id
          JOIN public.asin_brand_mapping m ON m.asin = r.asin AND m.is_active
          JOIN public.brands b ON b.id = m.brand_id AND b.is_active
         CROSS JOIN LATERAL (SELECT r.start_date - extract(dow FROM r.start_date)::integer AS week) w
         CROSS JOIN LATERAL (VALUES
               ('weekly'::text, w.week, w.week + 6),
               ('monthly', date_trunc('month', w.week::timestamp)::date,
                (date_trunc('month', w.week::timestamp) + interval '1 month' - interval '1 day')::date),
               ('quarterly', date_trunc('quarter', w.week::timestamp)::date,
                (date_trunc('quarter', w.week::timestamp) + interval '3 months' - interval '1 day')::date)
              ) AS g (segment_type, period_start, period_end)
         WHERE t.query_rows > 0
         GROUP BY m.brand_id, r.marketplace, r.asin, g.segment_type, g.period_start, g.period_end) AS a
 -- In the order the view reads the rows (its primary key): the heap starts in index order.
 ORDER BY a.brand_id, a.marketplace, a.asin, a.segment_type, a.period_start`},
		},
	},
}

// backfillStatements returns the backfills of the columns that Atlas's changes add to existing tables and
// the fills of the tables they create.
func backfillStatements(changes []atlasschema.Change) []Statement {
	var out []Statement
	created := map[string]*atlasschema.Table{}
	for _, c := range changes {
		if add, ok := c.(*atlasschema.AddTable); ok && add.T.Schema != nil {
			created[add.T.Schema.Name+"."+add.T.Name] = add.T
			continue
		}
		m, ok := c.(*atlasschema.ModifyTable)
		if !ok || m.T.Schema == nil {
			continue
		}
		for _, tc := range m.Changes {
			add, ok := tc.(*atlasschema.AddColumn)
			if !ok {
				continue
			}
			for _, b := range backfills {
				if b.schema == m.T.Schema.Name && b.table == m.T.Name && b.column == add.C.Name {
					out = append(out, Statement{SQL: b.sql, Comment: b.comment})
				}
			}
		}
	}
	// Fills run in tableFills' order, whatever the order of Atlas's changes: a table filled from another
	// derived table comes after it.
	for _, f := range tableFills {
		t := created[f.schema+"."+f.table]
		if t == nil {
			continue
		}
		out = append(out, f.steps...)
		// The fill writes the columns the table first had; the backfills of columns it gained later derive
		// the rest, as they do when the columns are added to the existing table. A schema from before such a
		// column (the migration tests apply them) creates the table without it, and its backfill does not run.
		for _, b := range backfills {
			if _, ok := t.Column(b.column); ok && b.schema == f.schema && b.table == f.table {
				out = append(out, Statement{SQL: b.sql, Comment: b.comment})
			}
		}
	}
	return out
}

// fill is the data a new table needs: a table that holds derived rows (what a materialized view of the same
// name held before) is filled in the plan's one transaction when Atlas creates it, after every other
// statement (the functions and triggers it uses exist by then, and the triggers that track later changes
// are in place: a writer waits for the plan's locks and is tracked). An existing table is never filled
// again: keeping it up to date is the refresh's job.
type fill struct {
	tables  []string // schema.name of the tables it fills
	comment string
	sql     string
}

// fills are the engine's table fills.
var fills = []fill{
	{
		// The brand-level tables that were materialized views until the refresh maintained them per changed
		// slice (schema.hcl, "Brand-level tables"): filled from their definitions, as a REFRESH filled the views.
		tables:  []string{"public.brand_query_weeks", "public.brand_marketplace_segments"},
		comment: "fill public.brand_query_weeks and public.brand_marketplace_segments from their definitions (brand_level_refresh)",
		sql:     "SELECT public.brand_level_refresh(true)",
	},
}

// hasFill reports whether a fill rebuilds table (schema.name) when the plan creates it.
func hasFill(table string) bool {
	return slices.ContainsFunc(fills, func(f fill) bool { return slices.Contains(f.tables, table) })
}

// fillStatements returns the fills of the tables Atlas's changes create (created holds schema.name keys).
func fillStatements(created map[string]bool) []Statement {
	var out []Statement
	for _, f := range fills {
		if slices.ContainsFunc(f.tables, func(t string) bool { return created[t] }) {
			out = append(out, Statement{SQL: f.sql, Comment: f.comment, Action: ActionFill, Kind: KindTable, Object: strings.Join(f.tables, ", ")})
		}
	}
	return out
}
