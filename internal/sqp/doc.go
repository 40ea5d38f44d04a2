// Package sqp holds the domain types of Amazon Search Query Performance data that storage, the importer
// and the web share: brands and their products, the weekly report that is the unit of import,
// segments and the product and query tables with their filters and sort keys. It depends on the standard
// library and the other domain packages only (period, metrics), so every layer can import it; how
// these values travel in a URL is internal/viewstate's business, how they are stored internal/postgres's.
package sqp
