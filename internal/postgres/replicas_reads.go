package postgres

import (
	"context"
	"time"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// The dashboard's reads, routed (ReadRouter.Route): every method web's BrandStore, ProductStore,
// SegmentStore, QueryStore and DataVersionStore name. DataVersion is among them on purpose: the version
// a response is cached by must be read from the server the response is read from.

// ActiveBrands is DB.ActiveBrands on the request's read server.
func (r *ReadRouter) ActiveBrands(ctx context.Context) ([]sqp.Brand, error) {
	return routed(r, ctx, func(db *DB) ([]sqp.Brand, error) { return db.ActiveBrands(ctx) })
}

// Brand is DB.Brand on the request's read server.
func (r *ReadRouter) Brand(ctx context.Context, id string) (sqp.Brand, error) {
	return routed(r, ctx, func(db *DB) (sqp.Brand, error) { return db.Brand(ctx, id) })
}

// BrandMarketplaces is DB.BrandMarketplaces on the request's read server.
func (r *ReadRouter) BrandMarketplaces(ctx context.Context, brandID string) ([]sqp.MarketplaceData, error) {
	return routed(r, ctx, func(db *DB) ([]sqp.MarketplaceData, error) { return db.BrandMarketplaces(ctx, brandID) })
}

// Products is DB.Products on the request's read server.
func (r *ReadRouter) Products(ctx context.Context, f sqp.ProductFilter) (sqp.ProductPage, error) {
	return routed(r, ctx, func(db *DB) (sqp.ProductPage, error) { return db.Products(ctx, f) })
}

// ProductCounts is DB.ProductCounts on the request's read server.
func (r *ReadRouter) ProductCounts(ctx context.Context, brandID, market string, rg period.Range, asins []string) (map[string]sqp.PeriodCounts, error) {
	return routed(r, ctx, func(db *DB) (map[string]sqp.PeriodCounts, error) {
		return db.ProductCounts(ctx, brandID, market, rg, asins)
	})
}

// Product is DB.Product on the request's read server.
func (r *ReadRouter) Product(ctx context.Context, brandID, asin string) (sqp.Product, error) {
	return routed(r, ctx, func(db *DB) (sqp.Product, error) { return db.Product(ctx, brandID, asin) })
}

// ProductSummary is DB.ProductSummary on the request's read server.
func (r *ReadRouter) ProductSummary(ctx context.Context, brandID, market, asin string, rg period.Range) (sqp.ProductSummary, error) {
	return routed(r, ctx, func(db *DB) (sqp.ProductSummary, error) {
		return db.ProductSummary(ctx, brandID, market, asin, rg)
	})
}

// BrandWeeks is DB.BrandWeeks on the request's read server.
func (r *ReadRouter) BrandWeeks(ctx context.Context, brandID, market string, rg period.Range) ([]sqp.WeekCounts, error) {
	return routed(r, ctx, func(db *DB) ([]sqp.WeekCounts, error) { return db.BrandWeeks(ctx, brandID, market, rg) })
}

// Segments is DB.Segments on the request's read server.
func (r *ReadRouter) Segments(ctx context.Context, brandID, market, asin string, t period.SegmentType, rg period.Range) ([]sqp.Segment, error) {
	return routed(r, ctx, func(db *DB) ([]sqp.Segment, error) { return db.Segments(ctx, brandID, market, asin, t, rg) })
}

// TopQueries is DB.TopQueries on the request's read server.
func (r *ReadRouter) TopQueries(ctx context.Context, market, asin string, t period.SegmentType, rg period.Range, n int) (map[time.Time][]sqp.QueryCounts, error) {
	return routed(r, ctx, func(db *DB) (map[time.Time][]sqp.QueryCounts, error) {
		return db.TopQueries(ctx, market, asin, t, rg, n)
	})
}

// ProductExpansion is DB.ProductExpansion on the request's read server.
func (r *ReadRouter) ProductExpansion(ctx context.Context, q sqp.ExpansionQuery) (sqp.ProductExpansion, error) {
	return routed(r, ctx, func(db *DB) (sqp.ProductExpansion, error) { return db.ProductExpansion(ctx, q) })
}

// Queries is DB.Queries on the request's read server.
func (r *ReadRouter) Queries(ctx context.Context, f sqp.QueryFilter) (sqp.QueryPage, error) {
	return routed(r, ctx, func(db *DB) (sqp.QueryPage, error) { return db.Queries(ctx, f) })
}

// QueryCounts is DB.QueryCounts on the request's read server.
func (r *ReadRouter) QueryCounts(ctx context.Context, market, asin string, rg period.Range, queries []string) (map[string]metrics.Counts, error) {
	return routed(r, ctx, func(db *DB) (map[string]metrics.Counts, error) {
		return db.QueryCounts(ctx, market, asin, rg, queries)
	})
}

// ProductMarket is DB.ProductMarket on the request's read server.
func (r *ReadRouter) ProductMarket(ctx context.Context, market, currency, asin string, rg period.Range) (metrics.MarketFigures, error) {
	return routed(r, ctx, func(db *DB) (metrics.MarketFigures, error) {
		return db.ProductMarket(ctx, market, currency, asin, rg)
	})
}

// QueryMarket is DB.QueryMarket on the request's read server.
func (r *ReadRouter) QueryMarket(ctx context.Context, market, currency, asin string, rg period.Range, queries []string) (map[string]metrics.MarketFigures, error) {
	return routed(r, ctx, func(db *DB) (map[string]metrics.MarketFigures, error) {
		return db.QueryMarket(ctx, market, currency, asin, rg, queries)
	})
}

// BrandQueries is DB.BrandQueries on the request's read server.
func (r *ReadRouter) BrandQueries(ctx context.Context, f sqp.BrandQueryFilter) (sqp.BrandQueryPage, error) {
	return routed(r, ctx, func(db *DB) (sqp.BrandQueryPage, error) { return db.BrandQueries(ctx, f) })
}

// BrandQueryASINs is DB.BrandQueryASINs on the request's read server.
func (r *ReadRouter) BrandQueryASINs(ctx context.Context, f sqp.QueryASINFilter) (sqp.QueryASINPage, error) {
	return routed(r, ctx, func(db *DB) (sqp.QueryASINPage, error) { return db.BrandQueryASINs(ctx, f) })
}

// BrandQueryWeeks is DB.BrandQueryWeeks on the request's read server.
func (r *ReadRouter) BrandQueryWeeks(ctx context.Context, brandID, market, query string, rg period.Range) ([]sqp.BrandQueryWeek, error) {
	return routed(r, ctx, func(db *DB) ([]sqp.BrandQueryWeek, error) { return db.BrandQueryWeeks(ctx, brandID, market, query, rg) })
}

// BrandHasQuery is DB.BrandHasQuery on the request's read server.
func (r *ReadRouter) BrandHasQuery(ctx context.Context, brandID, query string, markets []string) (bool, error) {
	return routed(r, ctx, func(db *DB) (bool, error) { return db.BrandHasQuery(ctx, brandID, query, markets) })
}

// DataVersion is the data version of the request's read server, from its VersionSource
// (ReadRouterOptions.Versions): the version a response is cached by is the one of the rows it was read
// from.
func (r *ReadRouter) DataVersion(ctx context.Context) (string, error) {
	return routedTo(r, ctx, func(rep *replica) (string, error) {
		if rep == nil {
			return r.versions.DataVersion(ctx)
		}
		return rep.versions.DataVersion(ctx)
	})
}
