package viewstate

import (
	"net/url"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// Query parameters of the brand's query view (/brands/{id}/queries): its own sort, direction and page, so
// that the product table's and the product page's query table's settings travel along unchanged. The page
// size is the shared size parameter.
const (
	ParamViewSort = "qvsort"
	ParamViewDir  = "qvdir"
	ParamViewPage = "qvpage"
)

// ParseQueryValue validates the search query of a query row request of the query view (?query=..., the
// same parameter name as the query page's path segment, ParamQuery) by the importer's rule, as the query
// page does (sqp.CheckQueryText). It is kept as given (not trimmed): it names a stored query exactly.
func ParseQueryValue(v url.Values) (string, error) {
	s := v.Get(ParamQuery)
	if s == "" {
		return "", apperr.Invalid(ParamQuery, "a search query is required")
	}
	return checkQueryText(s)
}
