package web

import (
	"context"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
	"github.com/sqpdash/sqpdash/views"
)

// topQueriesPerSegment is how many search queries a segment row lists.
const topQueriesPerSegment = 3

// resolvedRange is the state's marketplace (the brand's default when the state names none), and its range
// (and comparison) against the brand's newest week of data in that marketplace.
type resolvedRange struct {
	// Market is the marketplace shown; Markets are the brand's marketplaces with data, default first.
	Market  sqp.Marketplace
	Markets []sqp.MarketplaceData
	HasData bool
	Range   period.Range
	Base    period.Range
	HasBase bool
}

func (s *Server) resolveRange(ctx context.Context, brandID string, st viewstate.State) (resolvedRange, error) {
	markets, err := s.brandMarketplaces(ctx, brandID)
	if err != nil {
		return resolvedRange{}, err
	}
	return resolveIn(markets, st), nil
}

// resolveIn resolves the state's marketplace and range against the brand's marketplaces.
func resolveIn(markets []sqp.MarketplaceData, st viewstate.State) resolvedRange {
	rr := resolvedRange{Markets: markets}
	if st.Marketplace != "" {
		rr.Market = sqp.MarketplaceOf(st.Marketplace)
	} else if len(markets) > 0 {
		rr.Market = markets[0].Marketplace
	}
	for _, m := range markets {
		if m.Marketplace.Code == rr.Market.Code {
			rr.HasData, rr.Range = true, st.Range(m.LastWeekEnd)
			rr.Base, rr.HasBase = st.Base(rr.Range)
		}
	}
	return rr
}

// loadDashboard reads everything the dashboard page shows.
func (s *Server) loadDashboard(ctx context.Context, brand sqp.Brand, st viewstate.State) (views.DashboardData, error) {
	d := views.DashboardData{Brand: brand, State: st}
	var err error
	if d.Brands, err = s.brands.ActiveBrands(ctx); err != nil {
		return d, err
	}
	rr, err := s.resolveRange(ctx, brand.ID, st)
	d.Market, d.Markets = rr.Market, rr.Markets
	if err != nil || !rr.HasData {
		return d, err
	}
	d.HasData, d.Range, d.Base, d.HasBase = true, rr.Range, rr.Base, rr.HasBase
	if d.Weeks, err = s.products.BrandWeeks(ctx, brand.ID, rr.Market.Code, d.Range); err != nil {
		return d, err
	}
	if d.HasBase {
		baseWeeks, err := s.products.BrandWeeks(ctx, brand.ID, rr.Market.Code, d.Base)
		if err != nil {
			return d, err
		}
		for _, w := range baseWeeks {
			d.BaseSum = d.BaseSum.Add(w.Counts)
			d.BaseWeeks++
		}
	}
	if d.Page, d.BaseByID, err = s.loadProducts(ctx, brand.ID, st, rr, productFilter(brand.ID, rr.Market.Code, st, rr.Range)); err != nil {
		return d, err
	}
	d.Expanded = map[string]views.SegmentData{}
	for _, p := range d.Page.Products {
		if t := st.Expanded(p.ASIN); t != "" {
			if d.Expanded[p.ASIN], err = s.loadSegments(ctx, brand.ID, rr.Market.Code, p.ASIN, t, d.Range); err != nil {
				return d, err
			}
		}
	}
	return d, nil
}

// productFilter is the product table query of a view state in a marketplace: its page, or every row when
// paging is off.
func productFilter(brandID, market string, st viewstate.State, r period.Range) sqp.ProductFilter {
	return sqp.ProductFilter{
		BrandID:        brandID,
		Marketplace:    market,
		Range:          r,
		Search:         st.Search,
		MinImpressions: st.MinImpressions,
		Sort:           st.Sort,
		Desc:           st.Desc,
		Limit:          st.Size,
		Offset:         (st.Page - 1) * st.Size,
	}
}

// loadProducts reads a page of products and, with a comparison on, the same products over the base range.
func (s *Server) loadProducts(ctx context.Context, brandID string, st viewstate.State, rr resolvedRange, f sqp.ProductFilter) (sqp.ProductPage, map[string]sqp.PeriodCounts, error) {
	page, err := s.products.Products(ctx, f)
	if err == nil && f.Limit > 0 {
		err = checkPageInRange(viewstate.ParamPage, f.Offset/f.Limit+1, f.Limit, page.Total)
	}
	if err != nil || !rr.HasBase || len(page.Products) == 0 {
		return page, nil, err
	}
	asins := make([]string, len(page.Products))
	for i, p := range page.Products {
		asins[i] = p.ASIN
	}
	base, err := s.products.ProductCounts(ctx, brandID, rr.Market.Code, rr.Base, asins)
	return page, base, err
}

// loadSegments reads a product's segments of type t in a marketplace in r, plus the segment right before r
// (the comparison of the first row), and each segment's top search queries.
func (s *Server) loadSegments(ctx context.Context, brandID, market, asin string, t period.SegmentType, r period.Range) (views.SegmentData, error) {
	ext := r
	ext.From = t.Previous(r.From)
	segs, err := s.segments.Segments(ctx, brandID, market, asin, t, ext)
	if err != nil {
		return views.SegmentData{}, err
	}
	top, err := s.segments.TopQueries(ctx, market, asin, t, r, topQueriesPerSegment)
	if err != nil {
		return views.SegmentData{}, err
	}
	return views.SegmentData{Type: t, Range: r, Segments: segs, Top: top, Currency: sqp.MarketplaceOf(market).Currency}, nil
}

// loadProductRow reads one product of the table, with its numbers, and, when t is set, its expansion. It
// is where an expand or collapse request learns that the brand and the product exist (apperr.NotFound
// otherwise). Everything comes from one statement (SegmentStore.ProductExpansion), which also returns the
// brand's marketplaces: the range is resolved from the ones known (from an older data version after a
// change, marketplaceCache), and only when the data says they moved is the statement run again with the
// right range. The first expansion after an import or a refresh costs one read, not four.
func (s *Server) loadProductRow(ctx context.Context, brandID, asin string, st viewstate.State, t period.SegmentType) (views.ProductRow, error) {
	ctx, err := s.pinDataVersion(ctx)
	if err != nil {
		return views.ProductRow{}, err
	}
	markets, checked, err := s.guessMarketplaces(ctx, brandID)
	if err != nil {
		return views.ProductRow{}, err
	}
	for {
		rr := resolveIn(markets, st)
		q := sqp.ExpansionQuery{BrandID: brandID, ASIN: asin, Marketplace: rr.Market.Code, Range: rr.Range, Base: rr.Base,
			HasBase: rr.HasBase, TopQueries: topQueriesPerSegment}
		if rr.HasData {
			q.Type = t
		}
		e, err := s.segments.ProductExpansion(ctx, q)
		if err != nil {
			return views.ProductRow{}, err
		}
		if !checked && !sameMarketplaces(e.Markets, markets) {
			// The guess was stale (a new week arrived): once more with the marketplaces read just now.
			markets, checked = e.Markets, true
			continue
		}
		if err := s.rememberMarketplaces(ctx, brandID, e.Markets); err != nil {
			return views.ProductRow{}, err
		}
		return newProductRow(brandID, rr, e, st, t, links{s.echo}), nil
	}
}

// newProductRow builds the row of a product from its expansion read over rr.
func newProductRow(brandID string, rr resolvedRange, e sqp.ProductExpansion, st viewstate.State, t period.SegmentType, l links) views.ProductRow {
	if !rr.HasData {
		// Nothing to sum or expand yet: the row as it would be shown, without numbers.
		return views.NewProductRow(brandID, rr.Market.Currency, sqp.ProductSummary{ASIN: e.Product.ASIN, Title: e.Product.Title}, nil, nil, st, l)
	}
	var b *sqp.PeriodCounts
	if rr.HasBase {
		b = &e.Base
	}
	var seg *views.SegmentData
	if t != "" {
		seg = &views.SegmentData{Type: t, Range: rr.Range, Segments: e.Segments, Top: e.Top, Currency: rr.Market.Currency}
	}
	return views.NewProductRow(brandID, rr.Market.Currency, e.Product, b, seg, st, l)
}
