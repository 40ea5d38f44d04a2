package importer

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/viewstate"
)

// seedFiles adds every file of testdata/<dir> to the fuzz corpus; they also run as plain tests.
func seedFiles(f *testing.F, dirs ...string) {
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
		if err != nil || len(paths) == 0 {
			f.Fatalf("no seed files in testdata/%s: %v", dir, err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(filepath.Base(p), b)
		}
	}
}

// checkParse states what must hold for any input: an *Error or a result whose reports are valid weeks
// with unique, non-empty queries and non-negative counts, each query text one the query page can link to
// and read back (viewstate's path segment round trip).
func checkParse(t *testing.T, res *Result, err error) {
	if err != nil {
		var ie *Error
		if !errors.As(err, &ie) {
			t.Fatalf("error %T is not an *importer.Error: %v", err, err)
		}
		return
	}
	for _, r := range res.Reports {
		if r.WeekStart.Weekday() != time.Sunday || !r.WeekEnd.Equal(r.WeekStart.AddDate(0, 0, 6)) {
			t.Fatalf("report week %s..%s is not Sunday to Saturday", r.WeekStart, r.WeekEnd)
		}
		if _, ok := normalizeASIN(r.ASIN); !ok {
			t.Fatalf("report ASIN %q", r.ASIN)
		}
		seen := map[string]bool{}
		for _, q := range r.Queries {
			if q.SearchQuery == "" || seen[q.SearchQuery] {
				t.Fatalf("query %q empty or repeated", q.SearchQuery)
			}
			seen[q.SearchQuery] = true
			if back, err := viewstate.ParseQueryText(pathSegmentRoundTrip(t, viewstate.QueryTextSegment(q.SearchQuery))); err != nil || back != q.SearchQuery {
				t.Fatalf("imported query %q has no query page: %q, %v", q.SearchQuery, back, err)
			}
			for _, n := range []int64{q.TotalQueryImpressionCount, q.ASINImpressionCount, q.TotalClickCount, q.ASINClickCount,
				q.TotalCartAddCount, q.ASINCartAddCount, q.TotalPurchaseCount, q.ASINPurchaseCount} {
				if n < 0 {
					t.Fatalf("negative count in %s", asJSON(q))
				}
			}
		}
	}
}

// pathSegmentRoundTrip decodes a path segment as a server does.
func pathSegmentRoundTrip(t *testing.T, seg string) string {
	dec, err := url.PathUnescape(seg)
	if err != nil {
		t.Fatalf("segment %q does not decode: %v", seg, err)
	}
	return dec
}

func FuzzParseCSV(f *testing.F) {
	seedFiles(f, "sellercentral", "mapping")
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		res, err := Parse(name, bytes.NewReader(data), Options{})
		checkParse(t, res, err)
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add("report.json", amazonExample(f))
	f.Add("failed.json", []byte(`{"errorDetails":"x"}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		res, err := Parse(name, bytes.NewReader(data), Options{})
		checkParse(t, res, err)
	})
}
