package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/queryfilter"
	"github.com/sqpdash/sqpdash/views"
)

// adminBrandTermsUpdate serves POST /admin/brands/:brandID/terms (admins only; the CSRF middleware has
// checked the token): it sets the brand's terms from the form field terms and returns to the brand terms
// page. Terms that cannot be used are a 400 showing the page again with the text as typed and the reason
// next to it; nothing is stored then.
func (s *Server) adminBrandTermsUpdate(c echo.Context) error {
	if s.terms == nil {
		return apperr.NotFound("brand terms are not available on this server")
	}
	brand, err := s.brandOf(c)
	if err != nil {
		return err
	}
	text := c.FormValue("terms")
	terms, err := queryfilter.ParseTerms(text)
	if err != nil {
		return s.renderAdminBrands(c, http.StatusBadRequest, func(b *views.AdminBrandTerms) {
			if b.ID == brand.ID {
				b.Text, b.Error = text, "terms: "+err.Error()
			}
		})
	}
	ctx := c.Request().Context()
	if err := s.terms.SetBrandTerms(ctx, brand.ID, terms); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "brand terms set", "by", s.requester(c), "brand_id", brand.ID, "brand", brand.Name, "terms", terms)
	back := s.echo.Reverse(routeAdminBrands) + "?" + url.Values{paramSaved: {brand.ID}}.Encode() + "#brand-" + brand.ID
	return c.Redirect(http.StatusSeeOther, back)
}
