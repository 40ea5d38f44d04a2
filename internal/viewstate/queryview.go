package viewstate

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Query parameters of the brand's query view (/brands/{id}/queries): its own sort, direction and page, so
// that the product table's and the product page's query table's settings travel along unchanged. The page
// size is the shared size parameter.
const (
	ParamViewSort = "qvsort"
	ParamViewDir  = "qvdir"
	ParamViewPage = "qvpage"
)

// parseQueryView reads the query view's parameters into s.
func parseQueryView(v url.Values, s *State) error {
	if raw := v.Get(ParamViewSort); raw != "" {
		allowed := sqp.BrandQuerySortKeys()
		if !slices.Contains(allowed, sqp.BrandQuerySortKey(raw)) {
			names := make([]string, len(allowed))
			for i, k := range allowed {
				names[i] = string(k)
			}
			return apperr.Invalid(ParamViewSort, "%q is not a sort key of the query view (one of %s)", truncate(raw), strings.Join(names, ", "))
		}
		s.ViewSort = sqp.BrandQuerySortKey(raw)
	}
	var err error
	if s.ViewDesc, err = parseDir(v, ParamViewDir, s.ViewDesc); err != nil {
		return err
	}
	s.ViewPage, err = parseInt(v, ParamViewPage, 1, maxPage, 1)
	return err
}

// queryViewValues adds the query view's parameters that differ from the defaults to v.
func (s State) queryViewValues(v url.Values) {
	d := Default()
	if s.ViewSort != d.ViewSort {
		v.Set(ParamViewSort, string(s.ViewSort))
	}
	if s.ViewDesc != d.ViewDesc {
		v.Set(ParamViewDir, dirText(s.ViewDesc))
	}
	if s.ViewPage != d.ViewPage {
		v.Set(ParamViewPage, strconv.Itoa(s.ViewPage))
	}
}

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
