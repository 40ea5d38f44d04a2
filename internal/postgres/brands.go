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
