package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// DataVersion names the state of everything the dashboard reads: the change counter of the base tables
// (segment_source_state, bumped by every statement that changes brands, mappings or reports) and the
// last successful refresh of brand_product_segments. Two reads that see the same version read the same
// rows, so a response computed at one version may be served again until it changes (web's response
// cache). A REFRESH run by hand outside refresh_brand_product_segments() is not logged and not seen.
func (db *DB) DataVersion(ctx context.Context) (string, error) {
	return readDataVersion(ctx, db.pool)
}

// dataVersionQuery reads the two parts of the data version. schema.hcl's notify_data_version() computes
// the same pair for the notifications.
const dataVersionQuery = `
		SELECT s.change_seq,
		       coalesce((SELECT l.id
		                 FROM public.materialized_view_refresh_log l
		                 WHERE l.view_name = 'brand_product_segments' AND l.status = 'success'
		                 ORDER BY l.id DESC
		                 LIMIT 1), 0)
		FROM public.segment_source_state s`

// readDataVersion runs dataVersionQuery on q (the pool, or the event listener's connection).
func readDataVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (string, error) {
	var seq, refresh int64
	if err := q.QueryRow(ctx, dataVersionQuery).Scan(&seq, &refresh); err != nil {
		return "", fmt.Errorf("read data version: %w", err)
	}
	return strconv.FormatInt(seq, 10) + "." + strconv.FormatInt(refresh, 10), nil
}
