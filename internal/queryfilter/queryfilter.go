// Package queryfilter is the search query filter of the dashboard: a small syntax a brand manager types
// into the filter box (URL parameter qf) to narrow a table of search queries, and the branded /
// non-branded split driven by a brand's terms. It only parses and decides; internal/postgres turns a
// Filter into SQL, and Match here is the same rule in Go, for tests and for whatever filters in memory.
//
// Syntax (docs/dashboard.md shows it to users):
//
//	knife          the query contains "knife" (anywhere, any case: "Pocketknife" matches)
//	"chef knife"   the query contains the phrase, spaces included
//	=knife         the whole query is "knife" (any case); ="chef knife" for several words
//	!acme  -acme   the query does not contain "acme" (also !"a b", !=knife)
//	knife steel    both: terms side by side must all hold (AND)
//	knife | fork   either (OR); the word OR (upper case) is the same as |
//
// AND binds tighter than OR: `chef knife | bread knife !acme` is (chef AND knife) OR (bread AND knife AND
// NOT acme). There are no parentheses: a filter is an OR of AND groups, which every combination can be
// written as. A term that should start with ! - = or hold | or a space goes in quotes; a quote itself
// cannot be searched for. Anyone signed in can send a filter, so its size is bounded (MaxLen, MaxTerms).
package queryfilter

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of a filter: enough for any filter a person types, small enough that the SQL it becomes stays
// cheap.
const (
	MaxLen   = 200 // characters
	MaxTerms = 20
)

// Term is one condition on a search query.
type Term struct {
	// Text is the term as written, without its operators and quotes. It is matched case-insensitively.
	Text string
	// Exact: the whole query equals Text; otherwise the query contains Text.
	Exact bool
	// Exclude turns the condition around: the query must not contain (or equal) Text.
	Exclude bool
}

// Filter is a parsed filter: an OR of groups, each an AND of terms. The zero Filter keeps every query.
type Filter struct {
	text   string
	groups [][]Term
}

// SyntaxError says where a filter cannot be read. Pos counts characters from 1.
type SyntaxError struct {
	Pos    int
	Near   string // the text at Pos, shortened
	Reason string
}

func (e *SyntaxError) Error() string {
	if e.Near == "" {
		return fmt.Sprintf("at character %d: %s", e.Pos, e.Reason)
	}
	return fmt.Sprintf("at character %d (%q): %s", e.Pos, e.Near, e.Reason)
}

// Parse reads a filter. Surrounding space is ignored; an empty text is the zero Filter.
func Parse(s string) (Filter, error) {
	text := strings.TrimSpace(s)
	if !utf8.ValidString(text) {
		return Filter{}, &SyntaxError{Pos: 1, Reason: "the filter is not valid UTF-8 text"}
	}
	rs := []rune(text)
	if len(rs) > MaxLen {
		return Filter{}, &SyntaxError{Pos: MaxLen + 1, Reason: fmt.Sprintf("the filter is longer than %d characters", MaxLen)}
	}
	if i := slices.IndexFunc(rs, unicode.IsControl); i >= 0 {
		return Filter{}, &SyntaxError{Pos: i + 1, Reason: "the filter contains a control character"}
	}
	p := parser{rs: rs}
	groups, err := p.parse()
	if err != nil {
		return Filter{}, err
	}
	return Filter{text: text, groups: groups}, nil
}

// MustParse is Parse for filters written in code and tests; it panics on a syntax error.
func MustParse(s string) Filter {
	f, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("queryfilter.MustParse(%q): %v", s, err))
	}
	return f
}

// String returns the filter's text (trimmed), which parses back to the same Filter: the form the URL carries.
func (f Filter) String() string { return f.text }

// IsZero reports whether the filter keeps every query.
func (f Filter) IsZero() bool { return len(f.groups) == 0 }

// Groups returns the OR groups, each a list of terms that must all hold. Nil for the zero Filter.
func (f Filter) Groups() [][]Term {
	out := make([][]Term, len(f.groups))
	for i, g := range f.groups {
		out[i] = append([]Term(nil), g...)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Match reports whether the filter keeps query. Case is folded with strings.ToLower; PostgreSQL's lower()
// folds the same letters in a UTF-8 database with a Unicode-aware locale (sqpdash's own cluster uses
// C.UTF-8).
func (f Filter) Match(query string) bool {
	if f.IsZero() {
		return true
	}
	q := strings.ToLower(query)
	for _, g := range f.groups {
		if groupMatches(g, q) {
			return true
		}
	}
	return false
}

func groupMatches(g []Term, lowerQuery string) bool {
	for _, t := range g {
		if t.holds(lowerQuery) == t.Exclude {
			return false
		}
	}
	return true
}

// holds reports whether the term's text is in (or, when Exact, equals) the lower-cased query, ignoring
// Exclude.
func (t Term) holds(lowerQuery string) bool {
	text := strings.ToLower(t.Text)
	if t.Exact {
		return lowerQuery == text
	}
	return strings.Contains(lowerQuery, text)
}

type parser struct {
	rs    []rune
	i     int
	terms int
}

func (p *parser) parse() ([][]Term, error) {
	if len(p.rs) == 0 {
		return nil, nil
	}
	groups := [][]Term{nil}
	lastOr := 0 // position of the last OR, for the error when nothing follows it
	for {
		p.skipSpace()
		if p.i >= len(p.rs) {
			break
		}
		if n := p.orAt(); n > 0 {
			if len(groups[len(groups)-1]) == 0 {
				return nil, p.errorAt(p.i, "OR (| or OR) needs a term before it")
			}
			lastOr = p.i
			p.i += n
			groups = append(groups, nil)
			continue
		}
		t, err := p.term()
		if err != nil {
			return nil, err
		}
		p.terms++
		if p.terms > MaxTerms {
			return nil, p.errorAt(p.i-1, fmt.Sprintf("the filter has more than %d terms", MaxTerms))
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], t)
	}
	if len(groups[len(groups)-1]) == 0 {
		return nil, p.errorAt(lastOr, "OR (| or OR) needs a term after it")
	}
	return groups, nil
}

// orAt returns the length of an OR operator at the current position, or 0.
func (p *parser) orAt() int {
	if p.rs[p.i] == '|' {
		return 1
	}
	if p.i+1 < len(p.rs) && p.rs[p.i] == 'O' && p.rs[p.i+1] == 'R' && (p.i+2 == len(p.rs) || p.endsWord(p.i+2)) {
		return 2
	}
	return 0
}

// endsWord reports whether the rune at i ends a word: a space or an OR bar.
func (p *parser) endsWord(i int) bool {
	return unicode.IsSpace(p.rs[i]) || p.rs[i] == '|'
}

func (p *parser) skipSpace() {
	for p.i < len(p.rs) && unicode.IsSpace(p.rs[p.i]) {
		p.i++
	}
}

func (p *parser) term() (Term, error) {
	start := p.i
	var t Term
	if r := p.rs[p.i]; r == '!' || r == '-' {
		t.Exclude = true
		p.i++
	}
	if p.i < len(p.rs) && p.rs[p.i] == '=' {
		t.Exact = true
		p.i++
	}
	if p.i >= len(p.rs) || p.endsWord(p.i) {
		return Term{}, p.errorAt(start, fmt.Sprintf("%q needs a term right after it (quote it to search for it: %q)", string(p.rs[start:p.i]), `"`+string(p.rs[start:p.i])+`"`))
	}
	if p.rs[p.i] == '"' {
		open := p.i
		end := open + 1
		for end < len(p.rs) && p.rs[end] != '"' {
			end++
		}
		if end >= len(p.rs) {
			return Term{}, p.errorAt(open, "this quote is not closed")
		}
		t.Text = string(p.rs[open+1 : end])
		if strings.TrimSpace(t.Text) == "" {
			return Term{}, p.errorAt(open, "the quotes hold nothing to search for")
		}
		p.i = end + 1
		if p.i < len(p.rs) && !p.endsWord(p.i) {
			return Term{}, p.errorAt(p.i, "put a space after the closing quote")
		}
		return t, nil
	}
	wordStart := p.i
	for p.i < len(p.rs) && !p.endsWord(p.i) {
		switch p.rs[p.i] {
		case '"':
			return Term{}, p.errorAt(p.i, "a quote can only start a term (put a space before it)")
		case '(', ')':
			return Term{}, p.errorAt(p.i, `parentheses are not supported: write an OR of AND groups, such as "chef knife | bread knife" (or quote the parenthesis to search for it)`)
		}
		p.i++
	}
	t.Text = string(p.rs[wordStart:p.i])
	return t, nil
}

func (p *parser) errorAt(i int, reason string) *SyntaxError {
	end := min(i+20, len(p.rs))
	near := string(p.rs[i:end])
	if end < len(p.rs) {
		near += "…"
	}
	return &SyntaxError{Pos: i + 1, Near: near, Reason: reason}
}
