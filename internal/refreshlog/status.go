package refreshlog

import "time"

// SegmentsStatus is the state of brand_product_segments and of the data it is built from, for the admin
// page.
type SegmentsStatus struct {
	// Populated is false until the first refresh; an unpopulated view cannot be read.
	Populated bool
	Rows      int64
	SizeBytes int64
	// LastSuccess is the last successful refresh, valid when HasSuccess.
	LastSuccess Run
	HasSuccess  bool
	// ChangedSince is true when base data changed after LastSuccess (or there never was one).
	ChangedSince bool
	// ChangeSeq is the base data's change counter now (segment_source_state.change_seq).
	ChangeSeq int64
	// Validation is the validation result logged with the last successful refresh, as JSON text.
	Validation string
	// ValidationViolations counts the violations in Validation (0 when it passed).
	ValidationViolations int
	Coverage             Coverage
}

// Coverage is how much base data there is.
type Coverage struct {
	Brands     int64
	ASINs      int64
	Weeks      int64
	NewestWeek time.Time // zero when there is no data
}
