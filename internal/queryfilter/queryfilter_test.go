package queryfilter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseReadsTheSyntax(t *testing.T) {
	c := func(s string) Term { return Term{Text: s} }
	ex := func(s string) Term { return Term{Text: s, Exact: true} }
	not := func(t Term) Term { t.Exclude = true; return t }
	for _, tc := range []struct {
		in   string
		want [][]Term
	}{
		{"", nil},
		{"   ", nil},
		{"knife", [][]Term{{c("knife")}}},
		{"  Knife  ", [][]Term{{c("Knife")}}},
		{"chef knife", [][]Term{{c("chef"), c("knife")}}},
		{`"chef knife"`, [][]Term{{c("chef knife")}}},
		{`"  spaced  "`, [][]Term{{c("  spaced  ")}}},
		{"=knife", [][]Term{{ex("knife")}}},
		{`="chef knife"`, [][]Term{{ex("chef knife")}}},
		{"!acme", [][]Term{{not(c("acme"))}}},
		{"-acme", [][]Term{{not(c("acme"))}}},
		{`!"acme pro"`, [][]Term{{not(c("acme pro"))}}},
		{"!=knife", [][]Term{{not(ex("knife"))}}},
		{"knife !acme", [][]Term{{c("knife"), not(c("acme"))}}},
		{"a | b", [][]Term{{c("a")}, {c("b")}}},
		{"a|b", [][]Term{{c("a")}, {c("b")}}},
		{"a OR b", [][]Term{{c("a")}, {c("b")}}},
		{"a or b", [][]Term{{c("a"), c("or"), c("b")}}},
		{"ORANGE", [][]Term{{c("ORANGE")}}},
		{"a ORb", [][]Term{{c("a"), c("ORb")}}},
		{`"OR"`, [][]Term{{c("OR")}}},
		{"chef knife | bread knife !acme", [][]Term{{c("chef"), c("knife")}, {c("bread"), c("knife"), not(c("acme"))}}},
		{`"a|b" "(x)"`, [][]Term{{c("a|b"), c("(x)")}}},
		{`"-20%"`, [][]Term{{c("-20%")}}},
		{"50%_off a\\b it's", [][]Term{{c("50%_off"), c("a\\b"), c("it's")}}},
		{"a=b x!", [][]Term{{c("a=b"), c("x!")}}},
		{"!!a", [][]Term{{not(c("!a"))}}},
		{"küche Ωmega 日本", [][]Term{{c("küche"), c("Ωmega"), c("日本")}}},
	} {
		f, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := f.Groups(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
		if f.String() != strings.TrimSpace(tc.in) {
			t.Errorf("Parse(%q).String() = %q", tc.in, f.String())
		}
		if f.IsZero() != (tc.want == nil) {
			t.Errorf("Parse(%q).IsZero() = %v", tc.in, f.IsZero())
		}
	}
}

func TestParseNamesWhereTheFilterIsWrong(t *testing.T) {
	for _, tc := range []struct {
		in     string
		pos    int
		reason string
	}{
		{`"chef knife`, 1, "not closed"},
		{`knife "chef`, 7, "not closed"},
		{`""`, 1, "nothing to search for"},
		{`"  "`, 1, "nothing to search for"},
		{`"a"b`, 4, "space after the closing quote"},
		{`ab"c"`, 3, "quote can only start a term"},
		{"(a | b) c", 1, "parentheses are not supported"},
		{"a (b)", 3, "parentheses are not supported"},
		{"| a", 1, "needs a term before it"},
		{"a | | b", 5, "needs a term before it"},
		{"a |", 3, "needs a term after it"},
		{"a OR", 3, "needs a term after it"},
		{"OR a", 1, "needs a term before it"},
		{"!", 1, "needs a term right after it"},
		{"a ! b", 3, "needs a term right after it"},
		{"a - b", 3, "needs a term right after it"},
		{"=", 1, "needs a term right after it"},
		{"!=|b", 1, "needs a term right after it"},
		{"a\x00b", 2, "control character"},
		{"a\tb", 2, "control character"},
		{strings.Repeat("x", MaxLen+1), MaxLen + 1, "longer than 200 characters"},
		{strings.TrimSpace(strings.Repeat("t ", MaxTerms+1)), 2*MaxTerms + 1, "more than 20 terms"},
		{"\xff", 1, "not valid UTF-8"},
	} {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", tc.in, err)
			continue
		}
		if se.Pos != tc.pos || !strings.Contains(se.Reason, tc.reason) {
			t.Errorf("Parse(%q): %v, want position %d and %q", tc.in, err, tc.pos, tc.reason)
		}
		if !strings.Contains(err.Error(), "at character") {
			t.Errorf("Parse(%q): %q does not say where", tc.in, err)
		}
	}
}

func TestParseAcceptsTheLimits(t *testing.T) {
	if _, err := Parse(strings.Repeat("é", MaxLen)); err != nil {
		t.Errorf("a filter of %d characters: %v", MaxLen, err)
	}
	if _, err := Parse(strings.TrimSpace(strings.Repeat("t ", MaxTerms))); err != nil {
		t.Errorf("a filter of %d terms: %v", MaxTerms, err)
	}
}

func TestMatch(t *testing.T) {
	queries := []string{"chef knife", "Chef Knife Set", "bread knife", "acme bread knife", "knife", "fork", "pocketknife", "küche messer", "50% off", "50 off"}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"", queries},
		{"knife", []string{"chef knife", "Chef Knife Set", "bread knife", "acme bread knife", "knife", "pocketknife"}},
		{"KNIFE chef", []string{"chef knife", "Chef Knife Set"}},
		{`"chef knife"`, []string{"chef knife", "Chef Knife Set"}},
		{`="chef knife"`, []string{"chef knife"}},
		{"=KNIFE", []string{"knife"}},
		{"knife !acme !chef", []string{"bread knife", "knife", "pocketknife"}},
		{"knife -=knife -pocket", []string{"chef knife", "Chef Knife Set", "bread knife", "acme bread knife"}},
		{"fork | =knife", []string{"knife", "fork"}},
		{"chef set OR bread !acme | fork", []string{"Chef Knife Set", "bread knife", "fork"}},
		{"KÜCHE", []string{"küche messer"}},
		{"50%", []string{"50% off"}},
		{"!knife !fork", []string{"küche messer", "50% off", "50 off"}},
	} {
		f := MustParse(tc.filter)
		var got []string
		for _, q := range queries {
			if f.Match(q) {
				got = append(got, q)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q keeps %q, want %q", tc.filter, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"knife !acme", `"chef knife"`, "=exact", "a | b OR c", `!="x y"`, "(a)", `a"b`, "-", "a |", strings.Repeat("x ", 30)} {
		f.Add(s, "chef knife")
	}
	f.Fuzz(func(t *testing.T, s, query string) {
		flt, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 1 || se.Reason == "" {
				t.Fatalf("Parse(%q): %v is not a SyntaxError with a position", s, err)
			}
			return
		}
		terms := 0
		for _, g := range flt.Groups() {
			if len(g) == 0 {
				t.Fatalf("Parse(%q) has an empty group", s)
			}
			for _, term := range g {
				if term.Text == "" {
					t.Fatalf("Parse(%q) has an empty term", s)
				}
				terms++
			}
		}
		if terms > MaxTerms || utf8.RuneCountInString(flt.String()) > MaxLen {
			t.Fatalf("Parse(%q) is over the bounds: %d terms", s, terms)
		}
		again, err := Parse(flt.String())
		if err != nil || !reflect.DeepEqual(again.Groups(), flt.Groups()) {
			t.Fatalf("Parse(%q).String() = %q does not parse back: %v", s, flt.String(), err)
		}
		_ = flt.Match(query)
	})
}
