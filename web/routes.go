package web

import "github.com/sqpdash/sqpdash/views"

// Route names, for reverse routing: links are built with s.echo.Reverse(name, params...), never by hand.
const (
	routeHome        = "home"
	routeDashboard   = "dashboard"
	routeProductsCSV = "products.csv"
	routeProduct     = "product"
	routeQuery       = "query"
	routeSegments    = "segments"
	routeProductRow  = "product.row"
	routeSegmentsCSV = "segments.csv"
	routeAPIProducts = "api.products"
	routeAPISegments = "api.segments"
	routeQueries     = "queries"
	routeQueriesCSV  = "queries.csv"
	routeQueryASINs  = "query.asins"
	routeQueryRow    = "query.row"
	routeAPIQueries  = "api.queries"
	routeStatic      = "static"
	routeLogin       = "login"
	routeLogout      = "logout"
	routeGlossary    = "glossary"

	routeAdmin            = "admin"
	routeAdminRefresh     = "admin.refresh"
	routeAdminRefreshPoll = "admin.refresh.poll"
	routeAdminHistory     = "admin.history"
	routeAdminImports     = "admin.imports"
	routeAdminBrands      = "admin.brands"
	routeAdminBrandTerms  = "admin.brand.terms"
)

// routes is the one route table of the server.
func (s *Server) routes() {
	e := s.echo

	// Static files: fingerprinted URLs, cached for a year.
	e.GET("/static/*", s.staticServe).Name = routeStatic
	e.GET("/favicon.ico", s.faviconServe) // for browsers and tools that ask for it without reading the page

	// Signing in and out (who may use which route: routeAccess in auth_authorize.go).
	e.GET("/login", s.loginShow).Name = routeLogin
	e.POST("/login", s.loginSubmit)
	e.POST("/logout", s.logout).Name = routeLogout

	// Brand dashboard: page, htmx partials of the product table, CSV export.
	e.GET("/", s.homeRedirect).Name = routeHome
	e.GET("/brands/:brandID", s.dashboardShow).Name = routeDashboard
	e.GET("/brands/:brandID/products.csv", s.productsExport).Name = routeProductsCSV
	e.GET("/brands/:brandID/products/:asin/segments", s.segmentsShow).Name = routeSegments
	e.GET("/brands/:brandID/products/:asin/row", s.productRowShow).Name = routeProductRow
	e.GET("/brands/:brandID/products/:asin/segments.csv", s.segmentsExport).Name = routeSegmentsCSV

	// Product page.
	e.GET("/brands/:brandID/products/:asin", s.productShow).Name = routeProduct

	// Glossary: the definition of every figure, linked from each header (views.GlossaryPath#term).
	e.GET(views.GlossaryPath, s.glossaryShow).Name = routeGlossary

	// Query page: one search query of the brand (the text is one escaped path segment, query_show.go).
	e.GET("/brands/:brandID/queries/:query", s.queryShow).Name = routeQuery
	// The brand's query view: page, CSV, a query row expanded to the brand's ASINs and collapsed. The
	// query text travels as ?query= (any text; /brands/:brandID/queries/:query is the query page).
	e.GET("/brands/:brandID/queries", s.queriesShow).Name = routeQueries
	e.GET("/brands/:brandID/queries.csv", s.queriesExport).Name = routeQueriesCSV
	e.GET("/brands/:brandID/query-asins", s.queryASINsShow).Name = routeQueryASINs
	e.GET("/brands/:brandID/query-row", s.queryRowShow).Name = routeQueryRow

	// JSON API: the same numbers as the pages.
	e.GET("/api/brands/:brandID/products", s.apiProductsList).Name = routeAPIProducts
	e.GET("/api/brands/:brandID/products/:asin/segments", s.apiSegmentsList).Name = routeAPISegments
	e.GET("/api/brands/:brandID/queries", s.apiQueriesList).Name = routeAPIQueries

	// ---- Admin and operations (owned by the admin/ops engineer: /admin, /healthz, /readyz, /metrics) ----
	e.GET("/admin", s.adminShow).Name = routeAdmin
	e.POST("/admin/refresh", s.adminRefreshCreate).Name = routeAdminRefresh
	e.GET("/admin/refresh", s.adminRefreshShow).Name = routeAdminRefreshPoll
	e.GET("/admin/history", s.adminHistoryList).Name = routeAdminHistory
	e.POST("/admin/imports", s.adminUploadCreate).Name = routeAdminImports // upload of SQP report files
	e.GET("/admin/brands", s.adminBrandsList).Name = routeAdminBrands      // brand terms (branded queries)
	e.POST("/admin/brands/:brandID/terms", s.adminBrandTermsUpdate).Name = routeAdminBrandTerms
	e.GET("/healthz", handleHealthz)
	e.GET("/readyz", handleReadyz(s.ops.Ready, s.log))
	e.GET("/metrics", handleMetrics(s.ops.Metrics))
}
