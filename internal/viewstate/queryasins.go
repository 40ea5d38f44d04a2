package viewstate

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Query parameters of the query page's ASIN table (/brands/{id}/queries/{query}): its own sort,
// direction and page, so that the other tables' settings travel along unchanged. The page size is the
// shared size parameter.
const (
	ParamASINSort = "asort"
	ParamASINDir  = "adir"
	ParamASINPage = "apage"
)

// parseQueryASINs reads the ASIN table's parameters into s.
func parseQueryASINs(v url.Values, s *State) error {
	if raw := v.Get(ParamASINSort); raw != "" {
		allowed := sqp.QueryASINSortKeys()
		if !slices.Contains(allowed, sqp.QueryASINSortKey(raw)) {
			names := make([]string, len(allowed))
			for i, k := range allowed {
				names[i] = string(k)
			}
			return apperr.Invalid(ParamASINSort, "%q is not a sort key of the ASIN table (one of %s)", truncate(raw), strings.Join(names, ", "))
		}
		s.ASINSort = sqp.QueryASINSortKey(raw)
	}
	var err error
	if s.ASINDesc, err = parseDir(v, ParamASINDir, s.ASINDesc); err != nil {
		return err
	}
	s.ASINPage, err = parseInt(v, ParamASINPage, 1, maxPage, 1)
	return err
}

// queryASINValues adds the ASIN table's parameters that differ from the defaults to v.
func (s State) queryASINValues(v url.Values) {
	d := Default()
	if s.ASINSort != d.ASINSort {
		v.Set(ParamASINSort, string(s.ASINSort))
	}
	if s.ASINDesc != d.ASINDesc {
		v.Set(ParamASINDir, dirText(s.ASINDesc))
	}
	if s.ASINPage != d.ASINPage {
		v.Set(ParamASINPage, strconv.Itoa(s.ASINPage))
	}
}

// WithoutASINTable returns s with the query page's ASIN table at its defaults, for every link to another
// search query's page or away from the query page: one query's ASIN page and sort mean nothing for the
// next (page 3 of one query's ASINs is past the last page of a query with fewer).
func (s State) WithoutASINTable() State {
	d := Default()
	s.ASINSort, s.ASINDesc, s.ASINPage = d.ASINSort, d.ASINDesc, d.ASINPage
	return s
}
