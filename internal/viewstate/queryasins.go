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
