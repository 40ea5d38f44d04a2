package queryfilter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestIsBranded(t *testing.T) {
	terms := []string{"acme", "acme pro", "zwilling j a henckels", "日本"}
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"acme knife", true},
		{"ACME knife", true},
		{"knife acme", true},
		{"acme's knife", true},
		{"knife-acme", true},
		{"(acme)", true},
		{"acmes knife", false},
		{"macme knife", false},
		{"acme1 knife", false},
		{"chef knife", false},
		{"acme-pro set", true},
		{"Zwilling J.A. Henckels knife", true},
		{"zwilling knife", false},
		{"日本 包丁", true},
		{"", false},
	} {
		if got := IsBranded(tc.query, terms); got != tc.want {
			t.Errorf("IsBranded(%q) = %v, want %v", tc.query, got, tc.want)
		}
		if got := Branded.Keeps(tc.query, terms); got != tc.want {
			t.Errorf("Branded.Keeps(%q) = %v, want %v", tc.query, got, tc.want)
		}
		if got := NonBranded.Keeps(tc.query, terms); got == tc.want {
			t.Errorf("NonBranded.Keeps(%q) = %v, want %v", tc.query, got, !tc.want)
		}
		if !AllQueries.Keeps(tc.query, terms) {
			t.Errorf("AllQueries.Keeps(%q) = false", tc.query)
		}
	}
	if IsBranded("acme", nil) {
		t.Error("a brand without terms makes a query branded")
	}
}

func TestParseBranding(t *testing.T) {
	for _, s := range []string{"", "branded", "nonbranded"} {
		if b, err := ParseBranding(s); err != nil || string(b) != s {
			t.Errorf("ParseBranding(%q) = %q, %v", s, b, err)
		}
	}
	for _, s := range []string{"Branded", "non-branded", "all", " branded"} {
		if _, err := ParseBranding(s); err == nil || !strings.Contains(err.Error(), "nonbranded") {
			t.Errorf("ParseBranding(%q) = %v, want an error listing the choices", s, err)
		}
	}
}

func TestDefaultTerms(t *testing.T) {
	for _, tc := range []struct {
		display, name string
		want          []string
	}{
		{"Acme Kitchen", "acme-kitchen", []string{"acme kitchen"}},
		{"Acme", "acme_us", []string{"acme", "acme us"}},
		{"***", "", nil},
	} {
		if got := DefaultTerms(tc.display, tc.name); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DefaultTerms(%q, %q) = %q, want %q", tc.display, tc.name, got, tc.want)
		}
	}
}

func TestParseTerms(t *testing.T) {
	got, err := ParseTerms("Acme, ACME-Pro\r\n\n  acme  \nZwilling J.A. Henckels, 日本\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"acme", "acme pro", "zwilling j a henckels", "日本"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ParseTerms = %q, want %q", got, want)
	}
	if _, err := ParseTerms(strings.Repeat("acme\n", 1000)); err == nil || !strings.Contains(err.Error(), "longer than 4096 bytes") {
		t.Errorf("a long text: %v", err)
	}
	if got, err := ParseTerms("  \n , "); err != nil || got != nil {
		t.Errorf("blank terms = %q, %v, want none", got, err)
	}
	for _, tc := range []struct {
		in     string
		line   int
		reason string
	}{
		{"acme\n---", 2, "no letter or digit"},
		{"acme\n" + strings.Repeat("a", MaxTermLen+1), 2, "longer than 60"},
		{"a\x07b", 1, "control character"},
		{manyTerms(MaxBrandTerms + 1), 1, "more than 20 terms"},
	} {
		_, err := ParseTerms(tc.in)
		var te *TermError
		if !errors.As(err, &te) || te.Line != tc.line || !strings.Contains(te.Reason, tc.reason) {
			t.Errorf("ParseTerms(%q) = %v, want line %d and %q", tc.in, err, tc.line, tc.reason)
		}
	}
}

// manyTerms returns n different terms on one line.
func manyTerms(n int) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = "t" + strings.Repeat("x", i)
	}
	return strings.Join(terms, ",")
}
