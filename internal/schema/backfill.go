package schema

import (
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
}

// backfillStatements returns the backfills of the columns that Atlas's changes add to existing tables.
func backfillStatements(changes []atlasschema.Change) []Statement {
	var out []Statement
	for _, c := range changes {
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
	return out
}
