package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
	"github.com/sqpdash/sqpdash/views"
)

// queryTableTarget is the id of the search query table, the htmx target of its sorting and paging.
const queryTableTarget = "query-table"

// productShow renders the product page, or only its search query table when htmx sorts or pages it.
func (s *Server) productShow(c echo.Context) error {
	// Answered once per data version for the same user, URL and CSRF cookie (partial_cache.go).
	return s.cachedResponse(c, true, s.productBuild)
}

// productBuild reads and renders the product page or its search query table.
func (s *Server) productBuild(c echo.Context) error {
	brand, product, st, err := s.productRowRequest(c)
	if err != nil {
		return err
	}
	d, err := s.loadProductPage(c.Request().Context(), brand, product, st)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	l := links{s.echo}
	if hx := htmxOf(c.Request()); hx.Partial() && hx.Target == queryTableTarget {
		// The filter form sends every field, blank ones too: the address bar gets the URL the links use.
		pushURL(c, l.Product(brand.ID, product.ASIN, st))
		return render(c, http.StatusOK, views.QueryTableRegion(views.NewQueryTable(d, l)))
	}
	title := product.Title
	if title == "" {
		title = product.ASIN
	}
	return render(c, http.StatusOK, views.ProductPageView(views.NewProductPage(s.shell(title), d, l)))
}

// loadProductPage reads the product's weekly segments, its comparison and a page of its search queries.
func (s *Server) loadProductPage(ctx context.Context, brand sqp.Brand, product sqp.Product, st viewstate.State) (views.ProductPageData, error) {
	d := views.ProductPageData{Brand: brand, Product: product, State: st}
	rr, err := s.resolveRange(ctx, brand.ID, st)
	d.Market = rr.Market
	if err != nil || !rr.HasData {
		return d, err
	}
	d.HasData, d.Range, d.Base, d.HasBase = true, rr.Range, rr.Base, rr.HasBase
	segs, err := s.segments.Segments(ctx, brand.ID, rr.Market.Code, product.ASIN, period.Weekly, rr.Range)
	if err != nil {
		return d, err
	}
	for _, sg := range segs {
		d.Weeks = append(d.Weeks, sqp.WeekCounts{WeekStart: sg.Start, Counts: sg.Counts})
	}
	if rr.HasBase {
		base, err := s.products.ProductCounts(ctx, brand.ID, rr.Market.Code, rr.Base, []string{product.ASIN})
		if err != nil {
			return d, err
		}
		d.BaseSum, d.BaseWeeks = base[product.ASIN].Counts, base[product.ASIN].Weeks
	}
	d.Queries, err = s.queries.Queries(ctx, sqp.QueryFilter{
		BrandID: brand.ID, Marketplace: rr.Market.Code, ASIN: product.ASIN, Range: rr.Range,
		Match: queryMatch(brand, st),
		Sort:  st.QuerySort, Desc: st.QueryDesc,
		Limit: views.QueryPageSize, Offset: (st.QueryPage - 1) * views.QueryPageSize,
	})
	if err == nil {
		err = checkPageInRange(viewstate.ParamQueryPage, st.QueryPage, views.QueryPageSize, d.Queries.Total)
	}
	if err != nil {
		return d, err
	}
	names := make([]string, len(d.Queries.Queries))
	for i, q := range d.Queries.Queries {
		names[i] = q.Query
	}
	if err := s.loadProductMarket(ctx, &d, rr.Market, product.ASIN, names); err != nil {
		return d, err
	}
	if !rr.HasBase || len(d.Queries.Queries) == 0 {
		return d, nil
	}
	d.QueryBase, err = s.queries.QueryCounts(ctx, rr.Market.Code, product.ASIN, rr.Base, names)
	return d, err
}

// loadProductMarket reads the market figures of the product and of the queries on the page (names).
func (s *Server) loadProductMarket(ctx context.Context, d *views.ProductPageData, m sqp.Marketplace, asin string, names []string) error {
	var err error
	if d.MarketFigures, err = s.queries.ProductMarket(ctx, m.Code, m.Currency, asin, d.Range); err != nil || len(names) == 0 {
		return err
	}
	d.QueryMarket, err = s.queries.QueryMarket(ctx, m.Code, m.Currency, asin, d.Range, names)
	return err
}
