package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
	"github.com/sqpdash/sqpdash/views"
)

// queryShow renders the page of one search query of a brand: its weekly trend, funnel and the brand's
// ASINs on it.
func (s *Server) queryShow(c echo.Context) error {
	// Answered once per data version for the same user, URL and CSRF cookie (partial_cache.go).
	return s.cachedResponse(c, true, s.queryBuild)
}

// queryBuild reads and renders the query page.
func (s *Server) queryBuild(c echo.Context) error {
	brand, st, err := s.brandRequest(c)
	if err != nil {
		return err
	}
	query, err := queryParam(c)
	if err != nil {
		return err
	}
	d, err := s.loadQueryPage(c.Request().Context(), brand, query, st)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.QueryPageView(views.NewQueryPage(s.shell(query), d, links{s.echo})))
}

// queryParam is the search query of the query page's path. Echo matches routes on the escaped path
// (URL.RawPath) when the URL has one, and then hands the parameter over still escaped; otherwise on the
// decoded URL.Path. Either way the text is decoded exactly once here.
func queryParam(c echo.Context) (string, error) {
	seg := c.Param(viewstate.ParamQuery)
	if c.Request().URL.RawPath != "" {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", apperr.Invalid(viewstate.ParamQuery, "the search query is not valid percent-encoding")
		}
		seg = dec
	}
	return viewstate.ParseQueryText(seg)
}

// loadQueryPage reads the query's weeks, its sums and the brand's ASINs on it over the range, and the sums
// over the comparison period, all in the chosen marketplace. A query the brand never had is a 404; one it
// had outside the range shows the page without numbers.
func (s *Server) loadQueryPage(ctx context.Context, brand sqp.Brand, query string, st viewstate.State) (views.QueryPageData, error) {
	d := views.QueryPageData{Brand: brand, Query: query, State: st}
	rr, err := s.resolveRange(ctx, brand.ID, st)
	d.Market = rr.Market
	if err != nil {
		return d, err
	}
	if rr.HasData {
		d.HasData, d.Range, d.Base, d.HasBase = true, rr.Range, rr.Base, rr.HasBase
		if d.Weeks, err = s.queries.BrandQueryWeeks(ctx, brand.ID, rr.Market.Code, query, rr.Range); err != nil {
			return d, err
		}
	}
	if len(d.Weeks) == 0 {
		markets := make([]string, len(rr.Markets))
		for i, m := range rr.Markets {
			markets[i] = m.Marketplace.Code
		}
		ok, err := s.queries.BrandHasQuery(ctx, brand.ID, query, markets)
		if err != nil {
			return d, err
		}
		if !ok {
			return d, apperr.NotFound("%s has no search query %q", brand.DisplayName, query)
		}
		return d, nil
	}
	if d.Sum, err = s.brandQuerySum(ctx, brand.ID, rr.Market.Code, query, rr.Range); err != nil {
		return d, err
	}
	// One page of the ASINs, chosen by the table's sort: the chart and the funnel above are the query's
	// over all of them (brand_query_weeks).
	f := sqp.QueryASINFilter{BrandID: brand.ID, Marketplace: rr.Market.Code, Query: query, Range: rr.Range,
		Sort: st.ASINSort, Desc: st.ASINDesc, Limit: st.Size, Offset: (st.ASINPage - 1) * st.Size}
	if rr.HasBase {
		f.Base = &rr.Base
	}
	page, err := s.queries.BrandQueryASINs(ctx, f)
	if err != nil {
		return d, err
	}
	if err := checkPageInRange(viewstate.ParamASINPage, st.ASINPage, st.Size, page.Total); err != nil {
		return d, err
	}
	d.ASINs, d.BaseASINs, d.ASINTotal = page.ASINs, page.Base, page.Total
	if !rr.HasBase {
		return d, nil
	}
	d.BaseSum, err = s.brandQuerySum(ctx, brand.ID, rr.Market.Code, query, rr.Base)
	return d, err
}

// brandQuerySum is the query view's row of one query over r: the same read and the same numbers as the
// query view shows (zero figures when the brand has no week of it in r).
func (s *Server) brandQuerySum(ctx context.Context, brandID, market, query string, r period.Range) (sqp.BrandQuery, error) {
	page, err := s.queries.BrandQueries(ctx, sqp.BrandQueryFilter{
		BrandID: brandID, Marketplace: market, Range: r, Queries: []string{query},
		Sort: sqp.BrandQuerySortQuery, Limit: 1,
	})
	if err != nil || len(page.Queries) == 0 {
		return sqp.BrandQuery{Query: query}, err
	}
	return page.Queries[0], nil
}
