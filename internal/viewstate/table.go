package viewstate

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

// tableParams names the query parameters of one sortable, paged table: its sort key, direction and page
// (the page size is shared), and the table in error messages ("" for the product table).
type tableParams struct {
	sort, dir, page string
	name            string
}

// The tables whose settings travel in the URL, each with its own parameters so that the others'
// settings travel along unchanged.
var (
	productTable = tableParams{sort: ParamSort, dir: ParamDir, page: ParamPage}
	queryTable   = tableParams{sort: ParamQuerySort, dir: ParamQueryDir, page: ParamQueryPage}
	viewTable    = tableParams{sort: ParamViewSort, dir: ParamViewDir, page: ParamViewPage, name: "the query view"}
	asinTable    = tableParams{sort: ParamASINSort, dir: ParamASINDir, page: ParamASINPage, name: "the ASIN table"}
)

// parseTable reads a table's sort key (one of allowed), direction and page; a parameter that is absent
// leaves sort and desc as given and the page at 1.
func parseTable[K ~string](v url.Values, t tableParams, allowed []K, sort *K, desc *bool, page *int) error {
	var err error
	if *sort, err = parseSortKey(v, t, allowed, *sort); err != nil {
		return err
	}
	if *desc, err = parseDir(v, t.dir, *desc); err != nil {
		return err
	}
	*page, err = parseInt(v, t.page, 1, maxPage, 1)
	return err
}

func parseSortKey[K ~string](v url.Values, t tableParams, allowed []K, def K) (K, error) {
	s := v.Get(t.sort)
	if s == "" {
		return def, nil
	}
	if !slices.Contains(allowed, K(s)) {
		names := make([]string, len(allowed))
		for i, k := range allowed {
			names[i] = string(k)
		}
		what := "a sort key"
		if t.name != "" {
			what += " of " + t.name
		}
		return "", apperr.Invalid(t.sort, "%q is not %s (one of %s)", truncate(s), what, strings.Join(names, ", "))
	}
	return K(s), nil
}

// setTable adds a table's sort key, direction and page to v where they differ from the defaults (page 1).
func setTable[K ~string](v url.Values, t tableParams, sort, defSort K, desc, defDesc bool, page int) {
	if sort != defSort {
		v.Set(t.sort, string(sort))
	}
	if desc != defDesc {
		v.Set(t.dir, dirText(desc))
	}
	if page != 1 {
		v.Set(t.page, strconv.Itoa(page))
	}
}
