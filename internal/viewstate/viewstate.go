// Package viewstate is the HTTP query-string contract of the dashboard: the one place where its user
// input is validated. It turns path parameters and every query parameter of the pages, partials,
// exports and the JSON API into a State, or into an apperr.Invalid naming the parameter, and a State
// back into url.Values, so every link the server renders carries the whole view and parses back to it.
package viewstate

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/queryfilter"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Query parameter names.
const (
	ParamMarketplace = "mp"
	ParamPreset      = "preset"
	ParamFrom        = "from"
	ParamTo          = "to"
	ParamCompare     = "cmp"
	ParamCompareFrom = "cmp_from"
	ParamCompareTo   = "cmp_to"
	ParamSort        = "sort"
	ParamDir         = "dir"
	ParamPage        = "page"
	ParamSize        = "size"
	ParamSearch      = "q"
	ParamMinImpr     = "min_impr"
	ParamOpen        = "open"
	ParamQuerySort   = "qsort"
	ParamQueryDir    = "qdir"
	ParamQueryPage   = "qpage"
	ParamType        = "type"
	ParamBrandID     = "brandID"
	ParamASIN        = "asin"
	ParamQueryFilter = "qf"
	ParamBranded     = "branded"
)

// Limits of the accepted input.
const (
	DefaultPageSize = 25
	// MaxRangeWeeks is the longest range: the whole weeks that any span of five years (1,827 days, leap
	// days included) touches. The limit applies to the snapped range, so a snapped range parses again.
	MaxRangeWeeks    = 262
	maxSearchLen     = 100
	maxOpen          = 50
	maxPage          = 100000
	maxMinImpression = 1_000_000_000_000
	dateLayout       = "2006-01-02"
)

// PageSizes are the page sizes the product and query tables offer.
func PageSizes() []int { return []int{10, 25, 50, 100} }

// Expansion is an expanded product row and the segment type it shows.
type Expansion struct {
	ASIN string
	Type period.SegmentType
}

// State is everything a user can set on the dashboard and product page. The URL holds all of it, so
// reload, back/forward and a shared link reproduce the same view.
type State struct {
	// Marketplace is the country code of the marketplace shown; empty: the brand's default, its
	// marketplace with the most recent data. Kept when switching brand.
	Marketplace string

	Preset      period.Preset
	From, To    time.Time // set when Preset is Custom: whole weeks
	Compare     period.Comparison
	CompareFrom time.Time // set when Compare is CompareCustom: whole weeks
	CompareTo   time.Time

	Sort           sqp.SortKey
	Desc           bool
	Page           int
	Size           int
	Search         string
	MinImpressions int64
	Open           []Expansion

	// The product page's search query table.
	QuerySort sqp.SortKey
	QueryDesc bool
	QueryPage int

	// The brand's query view (queryview.go).
	ViewSort sqp.BrandQuerySortKey
	ViewDesc bool
	ViewPage int

	// The query page's ASIN table (queryasins.go).
	ASINSort sqp.QueryASINSortKey
	ASINDesc bool
	ASINPage int

	// QueryFilter and Branded narrow every table of search queries (the product page's and the brand
	// query view): the filter syntax of package queryfilter, and the branded / non-branded switch.
	QueryFilter queryfilter.Filter
	Branded     queryfilter.Branding
}

// Default is the view of a URL without parameters.
func Default() State {
	return State{
		Preset:    period.DefaultPreset,
		Compare:   period.DefaultComparison,
		Sort:      sqp.SortKey("impressions"),
		Desc:      true,
		Page:      1,
		Size:      DefaultPageSize,
		QuerySort: sqp.SortKey("purchases"),
		QueryDesc: true,
		QueryPage: 1,
		ViewSort:  sqp.BrandQuerySortVolume,
		ViewDesc:  true,
		ViewPage:  1,
		ASINSort:  sqp.QueryASINSortKey("purchases"),
		ASINDesc:  true,
		ASINPage:  1,
	}
}

// Parse validates the query parameters of a dashboard URL, as ParseQuery read them. Unknown parameters
// are ignored.
func Parse(v url.Values) (State, error) {
	s := Default()
	var err error
	if s.Marketplace, err = parseMarketplace(v); err != nil {
		return s, err
	}
	if s.Preset, s.From, s.To, err = parseRange(v); err != nil {
		return s, err
	}
	if s.Compare, s.CompareFrom, s.CompareTo, err = parseComparison(v); err != nil {
		return s, err
	}
	if err = parseTable(v, productTable, sqp.ProductSortKeys(), &s.Sort, &s.Desc, &s.Page); err != nil {
		return s, err
	}
	if s.Size, err = parsePageSize(v); err != nil {
		return s, err
	}
	if s.Search, err = parseSearch(v); err != nil {
		return s, err
	}
	minImpr, err := parseInt(v, ParamMinImpr, 0, maxMinImpression, 0)
	if err != nil {
		return s, err
	}
	s.MinImpressions = int64(minImpr)
	if s.Open, err = parseOpen(v); err != nil {
		return s, err
	}
	if err = parseTable(v, queryTable, sqp.QuerySortKeys(), &s.QuerySort, &s.QueryDesc, &s.QueryPage); err != nil {
		return s, err
	}
	if err = parseTable(v, viewTable, sqp.BrandQuerySortKeys(), &s.ViewSort, &s.ViewDesc, &s.ViewPage); err != nil {
		return s, err
	}
	if err = parseTable(v, asinTable, sqp.QueryASINSortKeys(), &s.ASINSort, &s.ASINDesc, &s.ASINPage); err != nil {
		return s, err
	}
	if s.QueryFilter, err = parseQueryFilter(v); err != nil {
		return s, err
	}
	if s.Branded, err = queryfilter.ParseBranding(v.Get(ParamBranded)); err != nil {
		return s, apperr.Invalid(ParamBranded, "%s", err)
	}
	return s, nil
}

// parseQueryFilter reads the search query filter; a syntax error names its position.
func parseQueryFilter(v url.Values) (queryfilter.Filter, error) {
	f, err := queryfilter.Parse(v.Get(ParamQueryFilter))
	if err != nil {
		return queryfilter.Filter{}, apperr.Invalid(ParamQueryFilter, "%s", err)
	}
	return f, nil
}

// parseMarketplace reads the marketplace: a country code of an Amazon marketplace (any case; GB is UK),
// or the code stored reports from before marketplaces were recorded may carry.
func parseMarketplace(v url.Values) (string, error) {
	code := v.Get(ParamMarketplace)
	if code == "" {
		return "", nil
	}
	m, ok := sqp.MarketplaceByCode(code)
	if !ok {
		return "", apperr.Invalid(ParamMarketplace, "%q is not an Amazon marketplace (a country code such as US, UK, DE, JP)", truncate(code))
	}
	return m.Code, nil
}

// ParseBrandID validates a brand id: a UUID in its canonical text form.
func ParseBrandID(s string) (string, error) {
	if len(s) != 36 {
		return "", apperr.Invalid(ParamBrandID, "%q is not a brand id (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)", truncate(s))
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return "", apperr.Invalid(ParamBrandID, "%q is not a brand id (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)", truncate(s))
			}
		default:
			if !isHex(r) {
				return "", apperr.Invalid(ParamBrandID, "%q is not a brand id (a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e)", truncate(s))
			}
		}
	}
	return strings.ToLower(s), nil
}

// ParseASIN validates an ASIN: ten letters or digits. Lower case is accepted and upper-cased.
func ParseASIN(s string) (string, error) {
	u := strings.ToUpper(s)
	if len(u) != 10 || strings.IndexFunc(u, func(r rune) bool { return (r < 'A' || r > 'Z') && (r < '0' || r > '9') }) >= 0 {
		return "", apperr.Invalid(ParamASIN, "%q is not an ASIN (ten letters or digits, such as B0C1234567)", truncate(s))
	}
	return u, nil
}

// ParseSegmentType validates the segment type of an expansion; absent means weekly.
func ParseSegmentType(v url.Values) (period.SegmentType, error) {
	return segmentType(ParamType, v.Get(ParamType))
}

func segmentType(param, s string) (period.SegmentType, error) {
	switch period.SegmentType(s) {
	case "", period.Weekly:
		return period.Weekly, nil
	case period.Monthly, period.Quarterly:
		return period.SegmentType(s), nil
	}
	return "", apperr.Invalid(param, "%q is not a segment type (weekly, monthly or quarterly)", truncate(s))
}

func parseRange(v url.Values) (period.Preset, time.Time, time.Time, error) {
	preset := period.Preset(v.Get(ParamPreset))
	hasDates := v.Get(ParamFrom) != "" || v.Get(ParamTo) != ""
	switch {
	case preset == "" && hasDates:
		preset = period.Custom
	case preset == "":
		return period.DefaultPreset, time.Time{}, time.Time{}, nil
	case !slices.Contains(period.Presets(), preset):
		return "", time.Time{}, time.Time{}, apperr.Invalid(ParamPreset, "%q is not a date preset (4w, 13w, 52w, ytd or custom)", truncate(string(preset)))
	case preset != period.Custom:
		// A preset wins over leftover dates, which the picker submits along with it.
		return preset, time.Time{}, time.Time{}, nil
	}
	r, err := parseDates(v, ParamFrom, ParamTo)
	return preset, r.From, r.To, err
}

func parseComparison(v url.Values) (period.Comparison, time.Time, time.Time, error) {
	c := period.Comparison(v.Get(ParamCompare))
	switch {
	case c == "":
		return period.DefaultComparison, time.Time{}, time.Time{}, nil
	case !slices.Contains(period.Comparisons(), c):
		return "", time.Time{}, time.Time{}, apperr.Invalid(ParamCompare, "%q is not a comparison (prev, yoy, custom or off)", truncate(string(c)))
	case c != period.CompareCustom:
		return c, time.Time{}, time.Time{}, nil
	}
	r, err := parseDates(v, ParamCompareFrom, ParamCompareTo)
	return c, r.From, r.To, err
}

// parseDates reads an inclusive date range and snaps it to whole weeks.
func parseDates(v url.Values, fromParam, toParam string) (period.Range, error) {
	from, err := parseDate(v, fromParam)
	if err != nil {
		return period.Range{}, err
	}
	to, err := parseDate(v, toParam)
	if err != nil {
		return period.Range{}, err
	}
	if from.After(to) {
		return period.Range{}, apperr.Invalid(fromParam, "%s is after %s %s", from.Format(dateLayout), toParam, to.Format(dateLayout))
	}
	r := period.Snap(from, to)
	if r.Weeks() > MaxRangeWeeks {
		return period.Range{}, apperr.Invalid(toParam, "the range %s to %s is longer than 5 years", from.Format(dateLayout), to.Format(dateLayout))
	}
	return r, nil
}

func parseDate(v url.Values, param string) (time.Time, error) {
	s := v.Get(param)
	if s == "" {
		return time.Time{}, apperr.Invalid(param, "a date (YYYY-MM-DD) is required")
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, apperr.Invalid(param, "%q is not a date (YYYY-MM-DD)", truncate(s))
	}
	// Bounds are checked on the week a date snaps to, so a snapped date parses again.
	if w := period.WeekEnd(t); w.Year() < 2000 {
		return time.Time{}, apperr.Invalid(param, "%s is before the year 2000", s)
	}
	if w := period.WeekStart(t); w.Year() > 2100 {
		return time.Time{}, apperr.Invalid(param, "%s is after the year 2100", s)
	}
	return t, nil
}

func parseDir(v url.Values, param string, def bool) (bool, error) {
	switch s := v.Get(param); s {
	case "":
		return def, nil
	case "asc":
		return false, nil
	case "desc":
		return true, nil
	default:
		return false, apperr.Invalid(param, "%q is not a sort direction (asc or desc)", truncate(s))
	}
}

func parseInt(v url.Values, param string, lo, hi, def int) (int, error) {
	s := v.Get(param)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Invalid(param, "%q is not a whole number from %d to %d", truncate(s), lo, hi)
	}
	return n, nil
}

func parsePageSize(v url.Values) (int, error) {
	s := v.Get(ParamSize)
	if s == "" {
		return DefaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || !slices.Contains(PageSizes(), n) {
		return 0, apperr.Invalid(ParamSize, "%q is not a page size (10, 25, 50 or 100)", truncate(s))
	}
	return n, nil
}

func parseSearch(v url.Values) (string, error) {
	s := strings.TrimSpace(v.Get(ParamSearch))
	// PostgreSQL rejects text that is not UTF-8: caught here, it is the user's error, not a 500.
	if !utf8.ValidString(s) {
		return "", apperr.Invalid(ParamSearch, "the search is not valid UTF-8 text")
	}
	if len([]rune(s)) > maxSearchLen {
		return "", apperr.Invalid(ParamSearch, "the search is longer than %d characters", maxSearchLen)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", apperr.Invalid(ParamSearch, "the search contains control characters")
	}
	return s, nil
}

// parseOpen reads the expanded rows: open=ASIN:weekly,ASIN:monthly,ASIN:quarterly (":weekly" may be left out).
func parseOpen(v url.Values) ([]Expansion, error) {
	var out []Expansion
	for _, raw := range v[ParamOpen] {
		for _, item := range strings.Split(raw, ",") {
			if item == "" {
				continue
			}
			asinText, typeText, _ := strings.Cut(item, ":")
			asin, err := ParseASIN(asinText)
			if err != nil {
				return nil, apperr.Invalid(ParamOpen, "%q is not an ASIN (ten letters or digits)", truncate(asinText))
			}
			t, err := segmentType(ParamOpen, typeText)
			if err != nil {
				return nil, err
			}
			out = withExpansion(out, Expansion{ASIN: asin, Type: t})
		}
	}
	if len(out) > maxOpen {
		return nil, apperr.Invalid(ParamOpen, "more than %d expanded products", maxOpen)
	}
	return out, nil
}

// withExpansion returns open with e set, replacing an earlier expansion of the same ASIN.
func withExpansion(open []Expansion, e Expansion) []Expansion {
	out := slices.DeleteFunc(slices.Clone(open), func(x Expansion) bool { return x.ASIN == e.ASIN })
	return append(out, e)
}

// Expanded returns the segment type shown for asin, or "" when its row is collapsed.
func (s State) Expanded(asin string) period.SegmentType {
	for _, e := range s.Open {
		if e.ASIN == asin {
			return e.Type
		}
	}
	return ""
}

// WithExpanded returns s with asin's row expanded to type t, or collapsed when t is "".
func (s State) WithExpanded(asin string, t period.SegmentType) State {
	if t == "" {
		s.Open = slices.DeleteFunc(slices.Clone(s.Open), func(x Expansion) bool { return x.ASIN == asin })
		return s
	}
	s.Open = withExpansion(s.Open, Expansion{ASIN: asin, Type: t})
	return s
}

// Range resolves the selected range against the newest complete week with data.
func (s State) Range(lastWeekEnd time.Time) period.Range {
	if s.Preset == period.Custom {
		return period.Range{From: s.From, To: s.To}
	}
	return s.Preset.Resolve(lastWeekEnd)
}

// Base returns the comparison range of r, or ok false when the comparison is off.
func (s State) Base(r period.Range) (period.Range, bool) {
	return s.Compare.Base(r, period.Range{From: s.CompareFrom, To: s.CompareTo})
}

// Values encodes s as query parameters, leaving out defaults so that URLs stay short. Parse
// of the result returns s.
func (s State) Values() url.Values {
	d := Default()
	v := url.Values{}
	if s.Marketplace != "" {
		v.Set(ParamMarketplace, s.Marketplace)
	}
	if s.Preset != d.Preset {
		v.Set(ParamPreset, string(s.Preset))
	}
	if s.Preset == period.Custom {
		v.Set(ParamFrom, s.From.Format(dateLayout))
		v.Set(ParamTo, s.To.Format(dateLayout))
	}
	if s.Compare != d.Compare {
		v.Set(ParamCompare, string(s.Compare))
	}
	if s.Compare == period.CompareCustom {
		v.Set(ParamCompareFrom, s.CompareFrom.Format(dateLayout))
		v.Set(ParamCompareTo, s.CompareTo.Format(dateLayout))
	}
	setTable(v, productTable, s.Sort, d.Sort, s.Desc, d.Desc, s.Page)
	if s.Size != d.Size {
		v.Set(ParamSize, strconv.Itoa(s.Size))
	}
	if s.Search != "" {
		v.Set(ParamSearch, s.Search)
	}
	if s.MinImpressions != 0 {
		v.Set(ParamMinImpr, strconv.FormatInt(s.MinImpressions, 10))
	}
	if len(s.Open) > 0 {
		items := make([]string, len(s.Open))
		for i, e := range s.Open {
			items[i] = e.ASIN + ":" + string(e.Type)
		}
		v.Set(ParamOpen, strings.Join(items, ","))
	}
	setTable(v, queryTable, s.QuerySort, d.QuerySort, s.QueryDesc, d.QueryDesc, s.QueryPage)
	setTable(v, viewTable, s.ViewSort, d.ViewSort, s.ViewDesc, d.ViewDesc, s.ViewPage)
	setTable(v, asinTable, s.ASINSort, d.ASINSort, s.ASINDesc, d.ASINDesc, s.ASINPage)
	if !s.QueryFilter.IsZero() {
		v.Set(ParamQueryFilter, s.QueryFilter.String())
	}
	if s.Branded != queryfilter.AllQueries {
		v.Set(ParamBranded, string(s.Branded))
	}
	return v
}

func dirText(desc bool) string {
	if desc {
		return "desc"
	}
	return "asc"
}

func isHex(r rune) bool { return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' }

// truncate keeps error messages short when the input is long.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
