package web

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// scopedBrands is the BrandStore the handlers use: it shows each user only the brands they may see. A
// brand the user may not see is reported exactly like a brand that does not exist, so a manager cannot
// learn which other brands are there.
type scopedBrands struct {
	all BrandStore
}

// ActiveBrands lists the active brands the request's user may see; none without a user.
func (b scopedBrands) ActiveBrands(ctx context.Context) ([]sqp.Brand, error) {
	u, ok := UserFrom(ctx)
	if !ok {
		return nil, nil
	}
	all, err := b.all.ActiveBrands(ctx)
	if err != nil || u.IsAdmin() {
		return all, err
	}
	visible := make([]sqp.Brand, 0, len(all))
	for _, brand := range all {
		if u.CanSeeBrand(brand.ID) {
			visible = append(visible, brand)
		}
	}
	return visible, nil
}

// Brand returns the brand when the request's user may see it, and the store's not-found otherwise.
func (b scopedBrands) Brand(ctx context.Context, id string) (sqp.Brand, error) {
	if !maySeeBrand(ctx, id) {
		return sqp.Brand{}, brandNotFound(id)
	}
	return b.all.Brand(ctx, id)
}

// maySeeBrand reports whether the request's user may see brand id (a parsed, lower-case id).
func maySeeBrand(ctx context.Context, id string) bool {
	u, ok := UserFrom(ctx)
	return ok && u.CanSeeBrand(id)
}

// brandNotFound is the error of internal/postgres's Brand for a missing brand, word for word; the tests
// compare the two responses.
func brandNotFound(id string) error { return apperr.NotFound("no brand %s", id) }

// guardBrandParam refuses, before the handler runs, any route with a :brandID the user may not see. It
// backs up brandOf: a handler that forgot to load its brand still cannot leak another brand's rows.
// A malformed id passes through, so the handler answers 400 as it does for everyone.
func guardBrandParam(c echo.Context) error {
	raw := c.Param("brandID")
	if raw == "" {
		return nil
	}
	id, err := viewstate.ParseBrandID(raw)
	if err != nil {
		return nil
	}
	if !maySeeBrand(c.Request().Context(), id) {
		return brandNotFound(id)
	}
	return nil
}
