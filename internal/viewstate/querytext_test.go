package viewstate

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/apperr"
)

func TestQueryTextSegmentRoundTrips(t *testing.T) {
	for _, q := range []string{"chef knife", "a/b", "50% off", "what?", "c# book", "a+b", `"q" 'q'`, "ナイフ",
		".", "..", "....", "~", "~.", "~~..", "~a", "a.", ".a", "%2E%2E", strings.Repeat("é", MaxQueryTextLen)} {
		seg := QueryTextSegment(q)
		if strings.ContainsAny(seg, "/?#% ") && !strings.Contains(seg, "%") {
			t.Errorf("%q: segment %q", q, seg)
		}
		if strings.Trim(seg, ".") == "" {
			t.Errorf("%q: segment %q is a dot segment", q, seg)
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if got, err := ParseQueryText(dec); err != nil || got != q {
			t.Errorf("ParseQueryText(%q) = %q, %v; want %q", dec, got, err, q)
		}
	}
}

func TestParseQueryTextRejects(t *testing.T) {
	for name, seg := range map[string]string{
		"empty":     "",
		"not UTF-8": "\xff\xfe",
		"NUL":       "a\x00b",
		"too long":  strings.Repeat("x", MaxQueryTextLen+1),
	} {
		_, err := ParseQueryText(seg)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.EINVALID || e.Param != ParamQuery || e.Message == "" {
			t.Errorf("%s: %v, want an invalid %s", name, err, ParamQuery)
		}
	}
}
