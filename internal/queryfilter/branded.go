package queryfilter

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Branding selects search queries by whether they name the brand (URL parameter branded).
type Branding string

// The branded switch: every query, only the queries that name the brand, or only those that do not.
const (
	AllQueries Branding = ""
	Branded    Branding = "branded"
	NonBranded Branding = "nonbranded"
)

// Brandings lists the values of the switch in the order the page offers them.
func Brandings() []Branding { return []Branding{AllQueries, Branded, NonBranded} }

// ParseBranding reads the switch; the empty text is AllQueries.
func ParseBranding(s string) (Branding, error) {
	if b := Branding(s); slices.Contains(Brandings(), b) {
		return b, nil
	}
	return "", fmt.Errorf("%q is not a branded choice (branded, nonbranded, or empty for all queries)", shorten(s))
}

// Keeps reports whether the switch keeps query, given the brand's terms (normalised, see NormalizeTerm).
func (b Branding) Keeps(query string, terms []string) bool {
	switch b {
	case Branded:
		return IsBranded(query, terms)
	case NonBranded:
		return !IsBranded(query, terms)
	}
	return true
}

// Bounds of a brand's terms, checked when an admin sets them.
const (
	MaxBrandTerms = 20
	MaxTermLen    = 60 // characters of a normalised term
	maxTermsText  = 4096
)

// A search query is branded when it names the brand: when the words of one of the brand's terms appear in
// it one after the other, as whole words. A word is a run of letters and digits, compared in lower case;
// everything else (spaces, hyphens, apostrophes, punctuation) only separates words. So the term "acme"
// makes "acme knife", "Acme's knife" and "knife-acme" branded but not "acmes knife" or "macme"; the term
// "acme pro" matches "acme-pro knife". Plurals and misspellings are terms of their own. internal/postgres
// computes the same in SQL (regexp_replace over [^[:alnum:]]), so the rule is written once here and
// mirrored there.

// NormalizeTerm returns the words of s in lower case, separated by one space: the form in which brand
// terms are stored and compared. It is "" when s holds no letter or digit.
func NormalizeTerm(s string) string {
	return strings.Join(words(s), " ")
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// IsBranded reports whether query names one of terms (normalised, see NormalizeTerm).
func IsBranded(query string, terms []string) bool {
	padded := " " + NormalizeTerm(query) + " "
	for _, t := range terms {
		if t != "" && strings.Contains(padded, " "+t+" ") {
			return true
		}
	}
	return false
}

// DefaultTerms are the terms of a brand no admin has set terms for: its names (the display name and the
// import key), normalised, without repeats.
func DefaultTerms(displayName, name string) []string {
	var out []string
	for _, s := range []string{displayName, name} {
		if t := NormalizeTerm(s); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// TermError says which of the terms an admin entered cannot be used.
type TermError struct {
	Line   int // 1-based line of the text (terms are one per line or separated by commas)
	Term   string
	Reason string
}

func (e *TermError) Error() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("line %d (%q): %s", e.Line, shorten(e.Term), e.Reason)
}

// ParseTerms reads the brand terms an admin typed, one per line or separated by commas, into their
// normalised forms without repeats (in the order given). An empty text is no terms: the brand falls back
// to DefaultTerms.
func ParseTerms(text string) ([]string, error) {
	if !utf8.ValidString(text) {
		return nil, &TermError{Reason: "the terms are not valid UTF-8 text"}
	}
	if len(text) > maxTermsText {
		return nil, &TermError{Reason: fmt.Sprintf("the terms are longer than %d bytes", maxTermsText)}
	}
	var out []string
	for n, line := range strings.Split(text, "\n") {
		for raw := range strings.SplitSeq(line, ",") {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			if strings.IndexFunc(raw, unicode.IsControl) >= 0 {
				return nil, &TermError{Line: n + 1, Term: raw, Reason: "contains a control character"}
			}
			t := NormalizeTerm(raw)
			switch {
			case t == "":
				return nil, &TermError{Line: n + 1, Term: raw, Reason: "has no letter or digit"}
			case utf8.RuneCountInString(t) > MaxTermLen:
				return nil, &TermError{Line: n + 1, Term: raw, Reason: fmt.Sprintf("is longer than %d characters", MaxTermLen)}
			case slices.Contains(out, t):
				continue
			}
			out = append(out, t)
			if len(out) > MaxBrandTerms {
				return nil, &TermError{Line: n + 1, Term: raw, Reason: fmt.Sprintf("more than %d terms", MaxBrandTerms)}
			}
		}
	}
	return out, nil
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
