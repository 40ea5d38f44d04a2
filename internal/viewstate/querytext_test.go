package viewstate

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/sqp"
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
		"tab":       "a\tb",
		"line feed": "a\nb",
		"too long":  strings.Repeat("x", MaxQueryTextLen+1),
	} {
		_, err := ParseQueryText(seg)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.EINVALID || e.Param != ParamQuery || e.Message == "" {
			t.Errorf("%s: %v, want an invalid %s", name, err, ParamQuery)
		}
	}
}

// The query page's path and the query view's row parameter follow the importer's rule exactly: a text
// either passes all three or none.
func TestQueryTextReadersAgreeWithTheImporter(t *testing.T) {
	for _, q := range []string{
		"chef knife", "a/b", "50% off?", "#1", "ナイフ", "..", "\u0085", "a\tb", "a\x00b", "\xff", "\u202eb",
		strings.Repeat("x", MaxQueryTextLen), strings.Repeat("x", MaxQueryTextLen+1),
	} {
		want := sqp.CheckQueryText(q) == nil
		_, pathErr := ParseQueryText(q)
		_, valueErr := ParseQueryValue(url.Values{ParamQuery: {q}})
		if (pathErr == nil) != want || (valueErr == nil) != want {
			t.Errorf("%q: importer accepts %v, query page error %v, query row error %v", q, want, pathErr, valueErr)
		}
	}
}
