// Package web is the HTTP face of sqpdash: an Echo server with one route table (routes.go), one handler
// per file (<resource>_<action>.go), handlers that return errors, and one error handler (errors.go) that
// turns them into an HTML page, an htmx partial or JSON.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/static"
)

// BrandStore reads brands. Brand returns an apperr.NotFound for an unknown or inactive brand.
type BrandStore interface {
	ActiveBrands(ctx context.Context) ([]sqp.Brand, error)
	Brand(ctx context.Context, id string) (sqp.Brand, error)
}

// ProductStore reads the product table and the brand's weekly totals from brand_product_segments.
type ProductStore interface {
	// BrandMarketplaces lists the marketplaces the brand has data in with their newest week, the brand's
	// default marketplace (the one with the most recent data) first; empty without data.
	BrandMarketplaces(ctx context.Context, brandID string) ([]sqp.MarketplaceData, error)
	Products(ctx context.Context, f sqp.ProductFilter) (sqp.ProductPage, error)
	// ProductCounts sums the weekly segments in r of the given ASINs in one marketplace (the comparison of
	// a page), with the weeks each has data in.
	ProductCounts(ctx context.Context, brandID, market string, r period.Range, asins []string) (map[string]sqp.PeriodCounts, error)
	// Product returns an active ASIN of the brand, or an apperr.NotFound.
	Product(ctx context.Context, brandID, asin string) (sqp.Product, error)
	// ProductSummary returns the product table's row of an active ASIN of the brand in one marketplace
	// over r (zero counts without data), or an apperr.NotFound.
	ProductSummary(ctx context.Context, brandID, market, asin string, r period.Range) (sqp.ProductSummary, error)
	// BrandWeeks sums the brand's products per week in r in one marketplace (the KPI cards and their
	// trend lines).
	BrandWeeks(ctx context.Context, brandID, market string, r period.Range) ([]sqp.WeekCounts, error)
}

// SegmentStore reads one product's segments and their top search queries.
type SegmentStore interface {
	// Segments returns the segments of type t in one marketplace lying wholly inside r, oldest first.
	Segments(ctx context.Context, brandID, market, asin string, t period.SegmentType, r period.Range) ([]sqp.Segment, error)
	// TopQueries returns, per segment start, the n search queries with the most purchases, then clicks
	// (only those two counts set).
	TopQueries(ctx context.Context, market, asin string, t period.SegmentType, r period.Range, n int) (map[time.Time][]sqp.QueryCounts, error)
	// ProductExpansion reads, in one statement, what a product row shows, expanded or not, and the
	// brand's marketplaces as they are (sqp.ExpansionQuery); apperr.NotFound for an inactive or unknown
	// brand (worded as BrandStore.Brand's) or product.
	ProductExpansion(ctx context.Context, q sqp.ExpansionQuery) (sqp.ProductExpansion, error)
}

// QueryStore reads search queries: a product's from the base tables, a brand's from brand_query_weeks.
type QueryStore interface {
	Queries(ctx context.Context, f sqp.QueryFilter) (sqp.QueryPage, error)
	// QueryCounts sums the given queries of asin in one marketplace over r (the comparison of a page of
	// queries).
	QueryCounts(ctx context.Context, market, asin string, r period.Range, queries []string) (map[string]metrics.Counts, error)
	// ProductMarket returns asin's median prices and its market's delivery speeds in one marketplace over
	// r (prices in currency only); QueryMarket the same per search query.
	ProductMarket(ctx context.Context, market, currency, asin string, r period.Range) (metrics.MarketFigures, error)
	QueryMarket(ctx context.Context, market, currency, asin string, r period.Range, queries []string) (map[string]metrics.MarketFigures, error)
	// BrandQueries returns a page of the brand's query view (sqp.BrandQueryFilter).
	BrandQueries(ctx context.Context, f sqp.BrandQueryFilter) (sqp.BrandQueryPage, error)
	// BrandQueryASINs returns a page of the brand's active ASINs reporting a search query in one
	// marketplace over a range and, for those, over the comparison period (sqp.QueryASINFilter).
	BrandQueryASINs(ctx context.Context, f sqp.QueryASINFilter) (sqp.QueryASINPage, error)
	// BrandQueryWeeks returns the weeks of one search query of the brand in one marketplace over r (the
	// query page's trend).
	BrandQueryWeeks(ctx context.Context, brandID, market, query string, r period.Range) ([]sqp.BrandQueryWeek, error)
	// BrandHasQuery reports whether the brand has the query in any week of the given marketplaces.
	BrandHasQuery(ctx context.Context, brandID, query string, markets []string) (bool, error)
}

// BrandTermsStore sets the brand terms that decide which search queries are branded (the admin's brand
// terms page).
type BrandTermsStore interface {
	// SetBrandTerms replaces a brand's terms (normalised); none returns it to its names. An unknown brand
	// is an apperr.NotFound.
	SetBrandTerms(ctx context.Context, brandID string, terms []string) error
}

// Options is what the server is built from.
type Options struct {
	Logger   *slog.Logger
	Brands   BrandStore
	Products ProductStore
	Segments SegmentStore
	Queries  QueryStore
	// BrandTerms stores the brand terms admins set; nil turns the brand terms page off.
	BrandTerms BrandTermsStore
	// Ops are the dependencies of the admin page and the operations endpoints (admin_options.go).
	Ops OpsOptions
	// Auth is sign-in, sessions and the security middleware (auth_user.go).
	Auth AuthOptions
	// Importer imports the SQP report files uploaded on the admin page; nil turns the upload off.
	Importer ReportImporter
	// UploadLimit caps the size of one upload request; 0 means DefaultUploadLimit.
	UploadLimit int64
	// Versions names the current data version; set, the expansion partial is cached per version
	// (partial_cache.go). nil turns the cache off.
	Versions DataVersionStore
	// ResponseCacheBytes bounds that cache (partial_cache.go); 0 means DefaultResponseCacheBytes.
	ResponseCacheBytes int
	// Reads routes each request's reads to a read replica or the primary (read_routing.go); nil: the
	// stores read from wherever they are connected.
	Reads ReadRouter
}

// Server is the dashboard's HTTP server.
type Server struct {
	echo     *echo.Echo
	log      *slog.Logger
	assets   *static.Assets
	brands   BrandStore
	products ProductStore
	segments SegmentStore
	queries  QueryStore
	terms    BrandTermsStore
	ops      OpsOptions
	authOpts AuthOptions
	// importer and uploadLimit serve the admin upload (admin_upload.go).
	importer    ReportImporter
	uploadLimit int64
	// versions, partials and markets cache the expansion partial (partial_cache.go) and each brand's
	// marketplaces and newest weeks (marketplace_cache.go) per data version; nil without Options.Versions.
	versions DataVersionStore
	partials *partialCache
	markets  *marketplaceCache
	// reads routes reads to replicas; nil without Options.Reads.
	reads ReadRouter
}

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	assets, err := static.Load()
	if err != nil {
		return nil, fmt.Errorf("new web server: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{
		echo:     e,
		log:      log,
		assets:   assets,
		brands:   scopedBrands{all: opts.Brands}, // each user sees only their brands (auth_brands.go)
		products: opts.Products,
		segments: opts.Segments,
		queries:  opts.Queries,
		terms:    opts.BrandTerms,
		ops:      opts.Ops,
		authOpts: opts.Auth,
		importer: opts.Importer,
		reads:    opts.Reads,
	}
	if len(opts.Auth.CSRFSecret) < minCSRFSecretSize {
		return nil, fmt.Errorf("new web server: the CSRF secret must have at least %d bytes (postgres.DB.ServerSecret)", minCSRFSecretSize)
	}
	if opts.Versions != nil {
		cacheBytes := opts.ResponseCacheBytes
		if cacheBytes <= 0 {
			cacheBytes = DefaultResponseCacheBytes
		}
		s.versions, s.partials = opts.Versions, newPartialCache(cacheBytes)
		s.markets = &marketplaceCache{}
	}
	if opts.Reads != nil && opts.Ops.Metrics != nil {
		opts.Ops.Metrics.observeReplicas(opts.Reads.Replicas)
	}
	s.uploadLimit = opts.UploadLimit
	if s.uploadLimit <= 0 {
		s.uploadLimit = DefaultUploadLimit
	}
	e.HTTPErrorHandler = s.handleError
	s.useOpsMiddleware()
	s.useSecurityMiddleware()
	s.useReadRouting()
	e.Use(limitUpload(s.uploadLimit)) // before the CSRF check, which may parse the upload's form
	// CSRF last, just before the session and the handlers: every unsafe request is checked before any work.
	e.Use(s.protectCSRF())
	s.useSessionMiddleware()
	s.routes()
	return s, nil
}

// Handler returns the server as an http.Handler, for http.Server and httptest.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the Echo instance, for middleware and routes added by other files of this package.
func (s *Server) Echo() *echo.Echo { return s.echo }
