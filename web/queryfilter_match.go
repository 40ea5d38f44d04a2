package web

import (
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// queryMatch is what the filter box and the branded switch of a view state keep of a brand's search
// queries: every table of queries (the product page's, the query view, its CSV and JSON) reads it here.
func queryMatch(brand sqp.Brand, st viewstate.State) sqp.QueryMatch {
	return sqp.QueryMatch{Filter: st.QueryFilter, Branded: st.Branded, BrandTerms: brand.SearchTerms()}
}
