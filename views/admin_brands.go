package views

import (
	"strings"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// AdminBrandsPage is the admin page of brand terms: one form per active brand.
type AdminBrandsPage struct {
	Brands []AdminBrandTerms
	// BackURL is the admin page.
	BackURL string
}

// AdminBrandTerms is one brand's form on the brand terms page.
type AdminBrandTerms struct {
	ID        string
	Name      string // the display name
	ImportKey string // brand_name
	// Text is the textarea's content: the terms set, one per line, or what the admin typed when it was
	// refused.
	Text string
	// Effective lists the terms in use; IsDefault: none are set, the brand's names are used.
	Effective string
	IsDefault bool
	ActionURL string
	CSRFToken string
	Error     string // why the last post was refused
	Saved     bool   // the last post set these terms
}

// NewAdminBrandTerms builds a brand's form from the stored brand. actionURL is where the form posts.
func NewAdminBrandTerms(b sqp.Brand, actionURL, csrfToken string) AdminBrandTerms {
	return AdminBrandTerms{
		ID:        b.ID,
		Name:      b.DisplayName,
		ImportKey: b.Name,
		Text:      strings.Join(b.Terms, "\n"),
		Effective: strings.Join(b.SearchTerms(), ", "),
		IsDefault: len(b.Terms) == 0,
		ActionURL: actionURL,
		CSRFToken: csrfToken,
	}
}

// FormID is the id of the brand's form section, the anchor a save returns to.
func (b AdminBrandTerms) FormID() string { return "brand-" + b.ID }
