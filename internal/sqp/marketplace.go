package sqp

import "strings"

// Marketplace is an Amazon marketplace, named by the country code Seller Central file names start with
// (US, UK, DE, ...). Amazon reports SQP per marketplace: the same ASIN and week has one report in each
// marketplace it sells in, with prices in that marketplace's currency. Every stored report, segment and
// figure belongs to exactly one marketplace, and nothing sums or averages across marketplaces.
type Marketplace struct {
	Code     string // country code as Seller Central writes it ("UK", not "GB")
	ID       string // SP-API marketplaceId; empty for LegacyEuro
	Name     string
	Currency string // ISO 4217 code of its prices
}

// LegacyEuro is the marketplace code given to reports stored before marketplaces were recorded whose
// prices are in euros: the country (DE, FR, IT, ES, ...) was never stored and cannot be recovered, so
// they are kept apart from every real marketplace instead of being guessed into one. The importer never
// produces it.
const LegacyEuro = "EU"

// DefaultMarketplace is the marketplace of the reports stored before marketplaces were recorded whose
// currency does not say otherwise: every import so far defaulted to it.
const DefaultMarketplace = "US"

// marketplaces are Amazon's marketplaces with an SP-API marketplaceId (Amazon's "Marketplace IDs" page).
var marketplaces = []Marketplace{
	{"US", "ATVPDKIKX0DER", "United States", "USD"},
	{"CA", "A2EUQ1WTGCTBG2", "Canada", "CAD"},
	{"MX", "A1AM78C64UM0Y8", "Mexico", "MXN"},
	{"BR", "A2Q3Y263D00KWC", "Brazil", "BRL"},
	{"UK", "A1F83G8C2ARO7P", "United Kingdom", "GBP"},
	{"DE", "A1PA6795UKMFR9", "Germany", "EUR"},
	{"FR", "A13V1IB3VIYZZH", "France", "EUR"},
	{"IT", "APJ6JRA9NG5V4", "Italy", "EUR"},
	{"ES", "A1RKKUPIHCS9HS", "Spain", "EUR"},
	{"NL", "A1805IZSGTT6HS", "Netherlands", "EUR"},
	{"BE", "AMEN7PMS3EDWL", "Belgium", "EUR"},
	{"IE", "A28R8C7NBKEWEA", "Ireland", "EUR"},
	{"SE", "A2NODRKZP88ZB9", "Sweden", "SEK"},
	{"PL", "A1C3SOZRARQ6R3", "Poland", "PLN"},
	{"TR", "A33AVAJ2PDY3EV", "Turkey", "TRY"},
	{"AE", "A2VIGQ35RCS4UG", "United Arab Emirates", "AED"},
	{"SA", "A17E79C6D8DWNP", "Saudi Arabia", "SAR"},
	{"EG", "ARBP9OOSHTCHU", "Egypt", "EGP"},
	{"ZA", "AE08WJ6YKNBMC", "South Africa", "ZAR"},
	{"IN", "A21TJRUUN4KGV", "India", "INR"},
	{"JP", "A1VC38T7YXB528", "Japan", "JPY"},
	{"AU", "A39IBJ37TRP1C6", "Australia", "AUD"},
	{"SG", "A19VAU5U5O7RUS", "Singapore", "SGD"},
}

var legacyEuro = Marketplace{Code: LegacyEuro, Name: "Euro marketplace (country not recorded)", Currency: "EUR"}

// Marketplaces lists Amazon's marketplaces an import accepts.
func Marketplaces() []Marketplace { return append([]Marketplace(nil), marketplaces...) }

// MarketplaceByCode finds a marketplace by its country code, case-insensitively; "GB" is "UK", as in
// Seller Central. It also knows LegacyEuro, which stored data may hold; importers must refuse it.
func MarketplaceByCode(code string) (Marketplace, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "GB" {
		code = "UK"
	}
	if code == LegacyEuro {
		return legacyEuro, true
	}
	for _, m := range marketplaces {
		if m.Code == code {
			return m, true
		}
	}
	return Marketplace{}, false
}

// MarketplaceByID finds a marketplace by its SP-API marketplaceId.
func MarketplaceByID(id string) (Marketplace, bool) {
	id = strings.TrimSpace(id)
	for _, m := range marketplaces {
		if m.ID == id {
			return m, true
		}
	}
	return Marketplace{}, false
}

// MarketplaceOf returns the marketplace of a stored code: a code storage holds that this table does not
// know (a newer Amazon marketplace, say) is shown as itself, with an unknown currency, rather than hidden.
func MarketplaceOf(code string) Marketplace {
	if m, ok := MarketplaceByCode(code); ok {
		return m
	}
	return Marketplace{Code: code, Name: code}
}

// IsImportable reports whether an import may store reports under code: a known Amazon marketplace, not
// LegacyEuro.
func IsImportable(code string) bool {
	m, ok := MarketplaceByCode(code)
	return ok && m.Code != LegacyEuro
}
