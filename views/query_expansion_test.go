package views

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

func TestQueryExpansionListsAPageAndLinksTheRest(t *testing.T) {
	q := sqp.BrandQuery{Query: "acme", Counts: metrics.Counts{ASINImpressions: 10, TotalImpressions: 100}, Weeks: 1}
	asins := func(n int) []sqp.QueryASIN {
		var out []sqp.QueryASIN
		for i := range n {
			out = append(out, sqp.QueryASIN{ASIN: fmt.Sprintf("B0EXP%05d", i), Counts: q.Counts, Weeks: 1})
		}
		return out
	}
	st := viewstate.Default()
	st.ASINPage, st.Size = 4, 50 // left over from the query page: the link starts at its first page
	for _, tc := range []struct {
		name       string
		page       sqp.QueryASINPage
		rows       int
		more, href string
	}{
		{"every ASIN fits: no link", sqp.QueryASINPage{ASINs: asins(3), Total: 3}, 3, "", ""},
		{"more ASINs than the row lists: how many, and the query page", sqp.QueryASINPage{ASINs: asins(ExpansionASINs), Total: 290}, ExpansionASINs,
			"25 of 290 ASINs, most purchases first: all of them on the query page", "/query/acme?size=50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewQueryViewRow("b1", "USD", q, nil, &tc.page, st, fakeLinks{})
			var buf bytes.Buffer
			if err := QueryViewBody(r).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			d := parseRows(t, buf.String())
			if n := d.Find("tr[data-testid=query-asin]").Length(); n != tc.rows {
				t.Errorf("%d ASIN rows, want %d", n, tc.rows)
			}
			more := d.Find("a[data-testid=query-asins-more]")
			if got := strings.TrimSpace(more.Text()); got != tc.more {
				t.Errorf("more %q, want %q", got, tc.more)
			}
			if got := more.AttrOr("href", ""); got != tc.href {
				t.Errorf("link %q, want %q", got, tc.href)
			}
			if want := fmt.Sprintf("ASINs of %q: %d ASINs", "acme", tc.page.Total); r.Expansion.Status != want {
				t.Errorf("status %q, want %q", r.Expansion.Status, want)
			}
		})
	}
}

// TestLinksToAnotherQueryStartItsASINTableAfresh: the ASIN table's sort and page of one query page never
// travel to another query's page or away from it (page 4 of one query's ASINs is past the last page of a
// query with fewer: that link would answer 404).
func TestLinksToAnotherQueryStartItsASINTableAfresh(t *testing.T) {
	st := viewstate.Default()
	st.ASINSort, st.ASINDesc, st.ASINPage = sqp.QueryASINSortWeeks, false, 4
	q := sqp.BrandQuery{Query: "acme", Counts: metrics.Counts{ASINImpressions: 10, TotalImpressions: 100}, Weeks: 1}
	row := NewQueryViewRow("b1", "USD", q, nil, nil, st, fakeLinks{})
	page := NewQueryPage(Shell{}, QueryPageData{Brand: sqp.Brand{ID: "b1"}, Query: "acme", State: st}, fakeLinks{})
	for name, link := range map[string]string{"query view row": row.QueryURL, "its expansion": row.ToggleURL,
		"query page, back": page.BackURL, "query page, to the query view": page.QueriesURL} {
		for _, p := range []string{viewstate.ParamASINSort, viewstate.ParamASINDir, viewstate.ParamASINPage} {
			if strings.Contains(link, p+"=") {
				t.Errorf("%s: %s carries %s", name, link, p)
			}
		}
	}
}
