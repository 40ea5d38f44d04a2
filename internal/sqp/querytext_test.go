package sqp

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckQueryText(t *testing.T) {
	for _, q := range []string{
		"chef knife", "a/b", `50% "off" / c#?`, "ナイフ セット", "🔪", ".", "..", "~", "<b>x</b>",
		"\u202eevil bidi", "non\u00a0breaking", strings.Repeat("é", MaxQueryTextLen),
	} {
		if err := CheckQueryText(q); err != nil {
			t.Errorf("CheckQueryText(%q) = %v, want nil", q, err)
		}
	}
	for _, tc := range []struct{ name, q, reason string }{
		{"empty", "", "is empty"},
		{"not UTF-8", "a\xffb", "is not valid UTF-8 text"},
		{"NUL", "a\x00b", "contains the control character U+0000 at character 2"},
		{"tab", "tab\there", "contains the control character U+0009 at character 4"},
		{"line break", "two\nlines", "contains the control character U+000A at character 4"},
		{"C1 control", "a\u0085b", "contains the control character U+0085 at character 2"},
		{"DEL", "a\x7f", "contains the control character U+007F at character 2"},
		{"one character too long", strings.Repeat("é", MaxQueryTextLen+1), "is longer than 500 characters (501)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *QueryTextError
			if err := CheckQueryText(tc.q); !errors.As(err, &e) || e.Reason != tc.reason {
				t.Fatalf("CheckQueryText(%q) = %v, want the reason %q", tc.q, err, tc.reason)
			}
		})
	}
}
