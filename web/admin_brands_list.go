package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/viewstate"
	"github.com/sqpdash/sqpdash/views"
)

// paramSaved names the brand whose terms were just saved (the redirect after a post), so its form says so.
const paramSaved = "saved"

// adminBrandsList serves GET /admin/brands: every active brand's terms, each in a form an admin posts to
// adminBrandTermsUpdate.
func (s *Server) adminBrandsList(c echo.Context) error {
	v, err := queryValues(c)
	if err != nil {
		return err
	}
	saved := ""
	if raw := v.Get(paramSaved); raw != "" {
		if saved, err = viewstate.ParseBrandID(raw); err != nil {
			return apperr.Invalid(paramSaved, "%q is not a brand id", raw)
		}
	}
	return s.renderAdminBrands(c, http.StatusOK, func(b *views.AdminBrandTerms) { b.Saved = b.ID == saved })
}

// renderAdminBrands renders the brand terms page; adjust changes a brand's form (a message, a refused text).
func (s *Server) renderAdminBrands(c echo.Context, status int, adjust func(*views.AdminBrandTerms)) error {
	if s.terms == nil {
		return apperr.NotFound("brand terms are not available on this server")
	}
	brands, err := s.brands.ActiveBrands(c.Request().Context())
	if err != nil {
		return err
	}
	p := views.AdminBrandsPage{BackURL: s.echo.Reverse(routeAdmin)}
	for _, b := range brands {
		f := views.NewAdminBrandTerms(b, s.echo.Reverse(routeAdminBrandTerms, b.ID), CSRFToken(c))
		adjust(&f)
		p.Brands = append(p.Brands, f)
	}
	return render(c, status, views.AdminBrandsView(s.shell("Brand terms"), p))
}
