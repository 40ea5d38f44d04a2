package web

import (
	"context"
	"slices"
	"sync"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// marketplaceCache remembers each brand's marketplaces and their newest weeks
// (ProductStore.BrandMarketplaces) for one data version. Every page and partial resolves its marketplace
// and date range against them. It also keeps what it knew at older versions: after a change (a new week
// imported, a refresh) the brand's marketplaces are most likely the same, and a reader that gets the
// current ones back with its data (loadProductRow, through SegmentStore.ProductExpansion) can start from
// that guess and save the read.
type marketplaceCache struct {
	mu      sync.Mutex
	version string
	brands  map[string][]sqp.MarketplaceData
	// older holds each brand's marketplaces as last read at an older version: a guess, never an answer.
	older map[string][]sqp.MarketplaceData
}

// brandMarketplaces returns BrandMarketplaces of the brand, from the cache when the data version has not
// changed. Without a version store it asks the store every time.
func (s *Server) brandMarketplaces(ctx context.Context, brandID string) ([]sqp.MarketplaceData, error) {
	if s.versions == nil || s.markets == nil {
		return s.products.BrandMarketplaces(ctx, brandID)
	}
	version, err := s.dataVersion(ctx)
	if err != nil {
		return nil, err
	}
	if m, current := s.markets.lookup(version, brandID); current {
		return m, nil
	}
	m, err := s.products.BrandMarketplaces(ctx, brandID)
	if err != nil {
		return nil, err
	}
	s.markets.store(version, brandID, m)
	return m, nil
}

// guessMarketplaces is brandMarketplaces for a reader that learns the current marketplaces with its data:
// the cached ones when they are current (checked true), otherwise the ones known from an older version
// (checked false: to be compared with what the data says, rememberMarketplaces), and only when there are
// none, a read.
func (s *Server) guessMarketplaces(ctx context.Context, brandID string) (m []sqp.MarketplaceData, checked bool, err error) {
	if s.versions != nil && s.markets != nil {
		version, err := s.dataVersion(ctx)
		if err != nil {
			return nil, false, err
		}
		m, current := s.markets.lookup(version, brandID)
		if current || m != nil {
			return m, current, nil
		}
	}
	m, err = s.brandMarketplaces(ctx, brandID)
	return m, true, err
}

// rememberMarketplaces records the brand's marketplaces as read with the data of the request's version.
func (s *Server) rememberMarketplaces(ctx context.Context, brandID string, m []sqp.MarketplaceData) error {
	if s.versions == nil || s.markets == nil {
		return nil
	}
	version, err := s.dataVersion(ctx)
	if err != nil {
		return err
	}
	s.markets.store(version, brandID, m)
	return nil
}

// pinDataVersion returns ctx with the request's data version in it, read now when no cached response
// (cachedResponse) read it already: the reads of one answer then agree on it and ask for it once.
func (s *Server) pinDataVersion(ctx context.Context) (context.Context, error) {
	if s.versions == nil {
		return ctx, nil
	}
	if _, ok := ctx.Value(dataVersionKey{}).(string); ok {
		return ctx, nil
	}
	v, err := s.versions.DataVersion(ctx)
	if err != nil {
		return ctx, err
	}
	return withDataVersion(ctx, v), nil
}

// lookup returns the brand's marketplaces at version (current true), or else the latest known from an
// older version (current false; nil when none).
func (c *marketplaceCache) lookup(version, brandID string) ([]sqp.MarketplaceData, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.brands[brandID]
	if ok && c.version == version {
		return m, true
	}
	if ok {
		return m, false
	}
	return c.older[brandID], false
}

// store records the brand's marketplaces at version; a new version moves what was known to older.
func (c *marketplaceCache) store(version, brandID string, m []sqp.MarketplaceData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		if c.older == nil {
			c.older = map[string][]sqp.MarketplaceData{}
		}
		for b, old := range c.brands {
			c.older[b] = old
		}
		c.version, c.brands = version, map[string][]sqp.MarketplaceData{}
	}
	c.brands[brandID] = m
}

// sameMarketplaces reports whether two lists of marketplaces resolve every view state alike: the same
// marketplaces in the same order with the same newest weeks.
func sameMarketplaces(a, b []sqp.MarketplaceData) bool {
	return slices.EqualFunc(a, b, func(x, y sqp.MarketplaceData) bool {
		return x.Marketplace.Code == y.Marketplace.Code && x.LastWeekEnd.Equal(y.LastWeekEnd)
	})
}
