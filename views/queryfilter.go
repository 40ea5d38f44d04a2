package views

import (
	"net/url"
	"sort"
	"strings"

	"github.com/sqpdash/sqpdash/internal/queryfilter"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// QueryFilterBox is the filter box and the branded switch above a table of search queries (the product
// page's and the brand's query view). It is a GET form: without JavaScript it loads the page, with htmx
// it swaps the table region it sits in; either way the URL holds the filter.
type QueryFilterBox struct {
	Action  string   // the table's page, without query: the form's target
	Text    string   // the filter as the URL has it (qf)
	Branded []Option // the switch: all, branded, non-branded
	// Hidden is the rest of the view state, which a new filter keeps (the table's page goes back to 1).
	Hidden []Option
	// Terms are the brand's terms, named in the help text so the switch is not a mystery.
	Terms string
	// ClearURL shows the table without filter and switch; "" when neither is set.
	ClearURL string
}

// NewQueryFilterBox builds the box of a table whose URL for a state is tableURL; firstPage returns a
// state on the table's first page (each table has its own page parameter).
func NewQueryFilterBox(s viewstate.State, brand sqp.Brand, tableURL func(viewstate.State) string, firstPage func(viewstate.State) viewstate.State) QueryFilterBox {
	b := QueryFilterBox{Text: s.QueryFilter.String(), Terms: strings.Join(brand.SearchTerms(), ", ")}
	labels := map[queryfilter.Branding]string{queryfilter.AllQueries: "All", queryfilter.Branded: "Branded", queryfilter.NonBranded: "Non-branded"}
	for _, v := range queryfilter.Brandings() {
		b.Branded = append(b.Branded, Option{Value: string(v), Label: labels[v], Selected: v == s.Branded})
	}
	cleared := firstPage(s)
	cleared.QueryFilter, cleared.Branded = queryfilter.Filter{}, queryfilter.AllQueries
	path, rawQuery, _ := strings.Cut(tableURL(cleared), "?")
	b.Action = path
	keep, _ := url.ParseQuery(rawQuery) // built by State.Values: always well formed
	names := make([]string, 0, len(keep))
	for name := range keep {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.Hidden = append(b.Hidden, Option{Label: name, Value: keep.Get(name)})
	}
	if !s.QueryFilter.IsZero() || s.Branded != queryfilter.AllQueries {
		b.ClearURL = tableURL(cleared)
	}
	return b
}
