package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/views"
)

// apiQueries is the query view in one marketplace, with the page's parameters, numbers and paging.
type apiQueries struct {
	apiListing
	Queries []apiQuery `json:"queries"`
}

// apiQuery is one search query: its counts, the page's figures (views.QueryViewFigures keys; null when
// undefined) and the expansion's (queryExtras), and its comparison.
type apiQuery struct {
	Query    string              `json:"query"`
	Weeks    int                 `json:"weeks"`
	MaxASINs int                 `json:"max_asins"`
	Counts   metrics.Counts      `json:"counts"`
	Figures  map[string]*float64 `json:"figures"`
	// Diagnosis is the query's funnel diagnosis (docs/diagnosis.md); its opportunity is
	// Figures["opportunity"].
	Diagnosis apiDiagnosis `json:"diagnosis"`
	// Comparison is the query over the comparison range: its weeks of data, whether the comparison is
	// like-for-like (sqp.LikeForLike), its figures and the changes (null where there is none).
	Comparison *apiQueryCompared `json:"comparison"`
}

type apiQueryCompared struct {
	Weeks       int                   `json:"weeks"`
	LikeForLike bool                  `json:"like_for_like"`
	Figures     map[string]*float64   `json:"figures"`
	Changes     map[string]*apiChange `json:"changes"`
}

// queryFigureMap maps the page's and the expansion's figure names of q to their values.
func queryFigureMap(q sqp.BrandQuery, figs []views.QueryViewFigure) map[string]*float64 {
	out := map[string]*float64{}
	put := func(name string, v metrics.Value) {
		if v.OK {
			x := v.V
			out[name] = &x
		} else {
			out[name] = nil
		}
	}
	for _, f := range figs {
		put(f.Key, f.Value)
	}
	for _, e := range queryExtras(q) {
		put(e.name, e.v)
	}
	return out
}

// apiQueriesList returns the query view as JSON: the same parameters, numbers and paging as the page.
func (s *Server) apiQueriesList(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rr, err := s.resolveRange(ctx, brand.ID, st)
	if err != nil {
		return err
	}
	out := apiQueries{apiListing: newAPIListing(brand, rr, st, string(st.ViewSort), st.ViewDesc, st.ViewPage), Queries: []apiQuery{}}
	if !rr.HasData {
		return c.JSON(http.StatusOK, out)
	}
	page, base, err := s.loadBrandQueries(ctx, rr, brandQueryFilter(brand, rr.Market.Code, st, rr.Range))
	if err != nil {
		return err
	}
	out.Total = page.Total
	for _, q := range page.Queries {
		aq := apiQuery{Query: q.Query, Weeks: q.Weeks, MaxASINs: q.MaxASINs, Counts: q.Counts, Figures: queryFigureMap(q, views.QueryViewFigures(q, nil, false)),
			Diagnosis: newAPIDiagnosis(q.Counts)}
		if rr.HasBase {
			b := base[q.Query]
			cmp := &apiQueryCompared{Weeks: b.Weeks, LikeForLike: sqp.LikeForLike(q.Weeks, b.Weeks),
				Figures: queryFigureMap(b, views.QueryViewFigures(b, nil, false)), Changes: map[string]*apiChange{}}
			for _, f := range views.QueryViewFigures(q, &b, false) {
				if f.Change != nil {
					cmp.Changes[f.Key] = newAPIChange(*f.Change)
				}
			}
			aq.Comparison = cmp
		}
		out.Queries = append(out.Queries, aq)
	}
	return c.JSON(http.StatusOK, out)
}
