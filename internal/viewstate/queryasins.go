package viewstate

// Query parameters of the query page's ASIN table (/brands/{id}/queries/{query}): its own sort,
// direction and page, so that the other tables' settings travel along unchanged. The page size is the
// shared size parameter.
const (
	ParamASINSort = "asort"
	ParamASINDir  = "adir"
	ParamASINPage = "apage"
)

// WithoutASINTable returns s with the query page's ASIN table at its defaults, for every link to another
// search query's page or away from the query page: one query's ASIN page and sort mean nothing for the
// next (page 3 of one query's ASINs is past the last page of a query with fewer).
func (s State) WithoutASINTable() State {
	d := Default()
	s.ASINSort, s.ASINDesc, s.ASINPage = d.ASINSort, d.ASINDesc, d.ASINPage
	return s
}
