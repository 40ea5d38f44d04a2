package sqp

import "time"

// BrandQueryWeek is one week of one search query of a brand in one marketplace (a row of the query
// page's trend): the figures of the query view for that week alone.
type BrandQueryWeek struct {
	WeekStart time.Time
	BrandQuery
}
