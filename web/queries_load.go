package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
	"github.com/sqpdash/sqpdash/views"
)

// queryViewTarget is the id of the query table region, the htmx target of sorting and paging.
const queryViewTarget = "query-view"

// queryRowRequest validates a request for one query row of a brand: the brand (access is checked there),
// the view state and the query text (?query=).
func (s *Server) queryRowRequest(c echo.Context) (sqp.Brand, string, viewstate.State, error) {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return brand, "", st, err
	}
	v, err := queryValues(c)
	if err != nil {
		return brand, "", st, err
	}
	q, err := viewstate.ParseQueryValue(v)
	return brand, q, st, err
}

// brandQueryFilter is the query view's query of a view state in a marketplace: its page, or every row when
// paging is off, narrowed by the filter box and the branded switch.
func brandQueryFilter(brand sqp.Brand, market string, st viewstate.State, r period.Range) sqp.BrandQueryFilter {
	return sqp.BrandQueryFilter{
		BrandID:     brand.ID,
		Marketplace: market,
		Range:       r,
		Match:       queryMatch(brand, st),
		Sort:        st.ViewSort,
		Desc:        st.ViewDesc,
		Limit:       st.Size,
		Offset:      (st.ViewPage - 1) * st.Size,
	}
}

// loadQueryView reads everything the query view shows.
func (s *Server) loadQueryView(ctx context.Context, brand sqp.Brand, st viewstate.State) (views.QueryViewData, error) {
	d := views.QueryViewData{Brand: brand, State: st}
	rr, err := s.resolveRange(ctx, brand.ID, st)
	d.Market, d.Markets = rr.Market, rr.Markets
	if err != nil || !rr.HasData {
		return d, err
	}
	d.HasData, d.Range, d.Base, d.HasBase = true, rr.Range, rr.Base, rr.HasBase
	d.Page, d.BaseByQuery, err = s.loadBrandQueries(ctx, rr, brandQueryFilter(brand, rr.Market.Code, st, rr.Range))
	return d, err
}

// loadBrandQueries reads a page of the query view and, with a comparison on, the same queries over the
// base range.
func (s *Server) loadBrandQueries(ctx context.Context, rr resolvedRange, f sqp.BrandQueryFilter) (sqp.BrandQueryPage, map[string]sqp.BrandQuery, error) {
	page, err := s.queries.BrandQueries(ctx, f)
	if err == nil && f.Limit > 0 {
		err = checkPageInRange(viewstate.ParamViewPage, f.Offset/f.Limit+1, f.Limit, page.Total)
	}
	if err != nil || !rr.HasBase || len(page.Queries) == 0 {
		return page, nil, err
	}
	bf := f
	bf.Range, bf.Limit, bf.Offset = rr.Base, 0, 0
	bf.Queries = make([]string, len(page.Queries))
	for i, q := range page.Queries {
		bf.Queries[i] = q.Query
	}
	base, err := s.queries.BrandQueries(ctx, bf)
	if err != nil {
		return page, nil, err
	}
	byQuery := make(map[string]sqp.BrandQuery, len(base.Queries))
	for _, q := range base.Queries {
		byQuery[q.Query] = q
	}
	return page, byQuery, nil
}

// loadQueryRow reads one query row of the view (apperr.NotFound when the brand has no data for the query in
// the range) and, with expand, the brand's ASINs of the query.
func (s *Server) loadQueryRow(ctx context.Context, brandID, query string, st viewstate.State, expand bool) (views.QueryViewRow, error) {
	rr, err := s.resolveRange(ctx, brandID, st)
	if err != nil {
		return views.QueryViewRow{}, err
	}
	if !rr.HasData {
		return views.QueryViewRow{}, apperr.NotFound("no data for search query %q in this marketplace", query)
	}
	f := brandQueryFilter(sqp.Brand{ID: brandID}, rr.Market.Code, st, rr.Range)
	// A row asked for by its query is shown whatever the filter says.
	f.Queries, f.Limit, f.Offset, f.Match = []string{query}, 0, 0, sqp.QueryMatch{}
	page, base, err := s.loadBrandQueries(ctx, rr, f)
	if err != nil {
		return views.QueryViewRow{}, err
	}
	if len(page.Queries) == 0 {
		return views.QueryViewRow{}, apperr.NotFound("no data for search query %q of this brand in this range", query)
	}
	q := page.Queries[0]
	var b *sqp.BrandQuery
	if rr.HasBase {
		bq := base[q.Query]
		b = &bq
	}
	var asins *sqp.QueryASINPage
	if expand {
		page, err := s.queries.BrandQueryASINs(ctx, sqp.QueryASINFilter{BrandID: brandID, Marketplace: rr.Market.Code, Query: query,
			Range: rr.Range, Sort: sqp.QueryASINSortKey(metrics.Purchases), Desc: true, Limit: views.ExpansionASINs})
		if err != nil {
			return views.QueryViewRow{}, err
		}
		asins = &page
	}
	return views.NewQueryViewRow(brandID, rr.Market.Currency, q, b, asins, st, links{s.echo}), nil
}
