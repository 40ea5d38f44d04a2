package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// brandRow is the scan target of a brand.
type brandRow struct {
	ID          string   `db:"id"`
	Name        string   `db:"brand_name"`
	DisplayName string   `db:"display_name"`
	Active      bool     `db:"is_active"`
	Terms       []string `db:"search_terms"`
}

func (r brandRow) brand() sqp.Brand {
	if len(r.Terms) == 0 {
		r.Terms = nil // none set: the same Brand as one built without terms
	}
	return sqp.Brand{ID: r.ID, Name: r.Name, DisplayName: r.DisplayName, Active: r.Active, Terms: r.Terms}
}

// ActiveBrands lists the brands the dashboard offers, by display name.
func (db *DB) ActiveBrands(ctx context.Context) ([]sqp.Brand, error) {
	const q = `
		SELECT id::text AS id, brand_name, display_name, is_active, search_terms
		FROM public.brands
		WHERE is_active
		ORDER BY display_name, brand_name`
	rows, err := db.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list active brands: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[brandRow])
	if err != nil {
		return nil, fmt.Errorf("list active brands: %w", err)
	}
	out := make([]sqp.Brand, len(found))
	for i, r := range found {
		out[i] = r.brand()
	}
	return out, nil
}

// Brand returns an active brand; an unknown or inactive brand is an apperr.NotFound.
func (db *DB) Brand(ctx context.Context, id string) (sqp.Brand, error) {
	const q = `
		SELECT id::text AS id, brand_name, display_name, is_active, search_terms
		FROM public.brands
		WHERE id = $1 AND is_active`
	rows, err := db.pool.Query(ctx, q, id)
	if err != nil {
		return sqp.Brand{}, fmt.Errorf("load brand %s: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[brandRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return sqp.Brand{}, apperr.NotFound("no brand %s", id)
	}
	if err != nil {
		return sqp.Brand{}, fmt.Errorf("load brand %s: %w", id, err)
	}
	return r.brand(), nil
}

// SetBrandTerms replaces the search terms of a brand (normalised by the caller, queryfilter.ParseTerms);
// none returns the brand to its default terms, its names. An unknown brand is an apperr.NotFound. The
// update is a change of brands, which bumps the data version: cached pages follow at once.
func (db *DB) SetBrandTerms(ctx context.Context, id string, terms []string) error {
	if terms == nil {
		terms = []string{}
	}
	tag, err := db.pool.Exec(ctx, `UPDATE public.brands SET search_terms = $2 WHERE id = $1`, id, terms)
	if err != nil {
		return fmt.Errorf("set the search terms of brand %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return apperr.NotFound("no brand %s", id)
	}
	return nil
}
