package postgres

import (
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// LiveTopQueries is liveTopQueries for the tests of package postgres_test.
func LiveTopQueries(t *testing.T, db *DB, market, asin string, r period.Range) map[time.Time][]sqp.QueryCounts {
	return liveTopQueries(t, db, market, asin, r)
}
