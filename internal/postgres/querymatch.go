package postgres

import (
	"strconv"
	"strings"

	"github.com/sqpdash/sqpdash/internal/queryfilter"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// queryMatchSQL returns a boolean SQL expression that is true for the search queries in the text column
// col that m keeps (the rules of package queryfilter), and args with the expression's values appended: its
// parameters are numbered after the ones args already holds. Every value is a parameter, never SQL text, so
// no filter can change the statement. This is the one translation of a filter into SQL: the product
// page's query table and the brand's query view both use it.
//
// A term is compared with position() on lower() of both sides, so %, _ and \ are plain characters and
// there is no pattern to escape. The branded rule reduces the query to its words in SQL the way
// queryfilter.NormalizeTerm does in Go (runs of letters and digits, lower case, one space between) and
// looks for a term's words between spaces.
func queryMatchSQL(col string, m sqp.QueryMatch, args []any) (string, []any) {
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var conds []string
	if !m.Filter.IsZero() {
		var ors []string
		for _, g := range m.Filter.Groups() {
			ands := make([]string, len(g))
			for i, t := range g {
				var c string
				if t.Exact {
					c = "lower(" + col + ") = lower(" + param(t.Text) + "::text)"
				} else {
					c = "position(lower(" + param(t.Text) + "::text) in lower(" + col + ")) > 0"
				}
				if t.Exclude {
					c = "NOT (" + c + ")"
				}
				ands[i] = c
			}
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if m.Branded != queryfilter.AllQueries {
		padded := make([]string, 0, len(m.BrandTerms))
		for _, t := range m.BrandTerms {
			if t != "" {
				padded = append(padded, " "+t+" ")
			}
		}
		branded := "EXISTS (SELECT 1 FROM unnest(" + param(padded) + "::text[]) AS t(term) " +
			"WHERE position(t.term in ' ' || btrim(regexp_replace(lower(" + col + "), '[^[:alnum:]]+', ' ', 'g')) || ' ') > 0)"
		if m.Branded == queryfilter.NonBranded {
			branded = "NOT " + branded
		}
		conds = append(conds, branded)
	}
	if len(conds) == 0 {
		return "true", args
	}
	return strings.Join(conds, " AND "), args
}
