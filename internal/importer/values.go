package importer

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Descriptions of what a value must look like, used in error messages.
const (
	expectCount = "a whole number >= 0"
	expectScore = "a whole number >= 1"
	expectPrice = "a price such as 19.99 (>= 0, at most 9999999999.99)"
	expectDate  = "a date YYYY-MM-DD"
	expectASIN  = "an ASIN: 10 letters and digits, such as B0C1234567"
)

// expectQuery says what a search query must look like (sqp.CheckQueryText).
var expectQuery = fmt.Sprintf("a search query of at most %d characters, valid UTF-8 without control characters", sqp.MaxQueryTextLen)

// maxCents is the largest amount numeric(12,2) holds.
const maxCents = 999_999_999_999

var (
	asinPattern      = regexp.MustCompile(`^[A-Z0-9]{10}$`)
	thousandsPattern = regexp.MustCompile(`^\d{1,3}(,\d{3})+$`)
	decimalPattern   = regexp.MustCompile(`^\d+(\.\d+)?$`)
)

// isMissing reports whether a cell means "no value": Amazon writes blanks and dashes for those.
func isMissing(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == "-" || s == "—" || s == "–"
}

// parseCount reads a non-negative integer. Thousands separators are accepted because spreadsheet programs
// add them when a file is re-saved; they cannot be mistaken for decimals in a whole number.
func parseCount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, ',') >= 0 && thousandsPattern.MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		// Also accept an integral decimal ("12.0"), which JSON encoders and spreadsheets produce.
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt64/2 {
			return 0, false
		}
		return int64(f), true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseScore reads a search query score (a rank, 1 = best).
func parseScore(s string) (int32, bool) {
	n, ok := parseCount(s)
	if !ok || n < 1 || n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// parseCents reads a price in currency units and rounds it half away from zero to cents. It works on the
// decimal text, not on a float, so 19.99 is exactly 1999.
func parseCents(s string) (sqp.Cents, bool) {
	s = strings.TrimSpace(s)
	if !decimalPattern.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 10 {
		return 0, false
	}
	frac += "000"
	units := int64(0)
	if whole != "" {
		var err error
		if units, err = strconv.ParseInt(whole, 10, 64); err != nil {
			return 0, false
		}
	}
	cents := units*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	if frac[2] >= '5' {
		cents++
	}
	if cents > maxCents {
		return 0, false
	}
	return sqp.Cents(cents), true
}

// parsePercent reads a share or rate as Amazon's CSV writes it: a number, sometimes followed by "%".
func parsePercent(s string) (float64, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseDate reads an ISO date. Amazon documents sometimes carry a time of day, which it ignores, and so
// do we.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// normalizeASIN upper-cases an ASIN and reports whether it has the shape of one.
func normalizeASIN(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	return s, asinPattern.MatchString(s)
}

// checkWeek returns why start..end is not an Amazon reporting week (Sunday to Saturday), or "".
func checkWeek(start, end time.Time) string {
	switch {
	case start.Weekday() != time.Sunday:
		return "a week must start on a Sunday; " + start.Format(time.DateOnly) + " is a " + start.Weekday().String()
	case !end.Equal(start.AddDate(0, 0, 6)):
		return "a week must run Sunday to Saturday (7 days); " + start.Format(time.DateOnly) + " to " +
			end.Format(time.DateOnly) + " is not"
	}
	return ""
}

// expectMarketplace describes a valid marketplace in messages.
const expectMarketplace = "an Amazon marketplace country code such as US, CA, UK, DE, FR, JP"

// shownQueryChars is how much of a refused search query an error message quotes.
const shownQueryChars = 60

// checkQueryText refuses a search query (already trimmed) that the dashboard could not link to or show,
// by the one rule the query page and the query view also apply (sqp.CheckQueryText), so that every
// imported query has its page. The message quotes the start of a long text, not all of it.
func checkQueryText(file, loc, field, q string) error {
	err := sqp.CheckQueryText(q)
	if err == nil {
		return nil
	}
	shown := q
	if utf8.RuneCountInString(shown) > shownQueryChars {
		shown = string([]rune(shown)[:shownQueryChars]) + "…"
	}
	return &Error{File: file, Location: loc, Field: field, Value: shown,
		Expected: expectQuery, Reason: err.Error()}
}
