package viewstate

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/queryfilter"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

func TestParseRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		param string
	}{
		{"malformed from date", "from=2024-13-01&to=2024-12-31", ParamFrom},
		{"non-date to", "from=2024-01-01&to=yesterday", ParamTo},
		{"missing to", "from=2024-01-01", ParamTo},
		{"from after to", "from=2024-06-01&to=2024-05-01", ParamFrom},
		{"range over five years", "from=2018-01-01&to=2024-01-01", ParamTo},
		{"year out of bounds", "from=1999-12-20&to=2000-01-08", ParamFrom},
		{"year far in the future", "from=2024-01-01&to=2101-01-08", ParamTo},
		{"unknown preset", "preset=7d", ParamPreset},
		{"unknown marketplace", "mp=XX", ParamMarketplace},
		{"marketplace not a code", "mp=%3Cscript%3E", ParamMarketplace},
		{"unknown comparison", "cmp=lastyear", ParamCompare},
		{"custom comparison without dates", "cmp=custom", ParamCompareFrom},
		{"custom comparison reversed", "cmp=custom&cmp_from=2024-03-01&cmp_to=2024-02-01", ParamCompareFrom},
		{"unknown sort key", "sort=revenue", ParamSort},
		{"sql in sort key", "sort=asin%3Bdrop+table+brands", ParamSort},
		{"unknown direction", "dir=up", ParamDir},
		{"page zero", "page=0", ParamPage},
		{"page not a number", "page=two", ParamPage},
		{"page size out of range", "size=1000", ParamSize},
		{"page size not offered", "size=20", ParamSize},
		{"negative minimum impressions", "min_impr=-5", ParamMinImpr},
		{"search too long", "q=" + strings.Repeat("x", 101), ParamSearch},
		{"search with control character", "q=a%00b", ParamSearch},
		{"search not UTF-8", "q=%ff%fe", ParamSearch},
		{"malformed expanded ASIN", "open=B0SHORT", ParamOpen},
		{"unknown expanded segment type", "open=B0C1234567:daily", ParamOpen},
		{"unknown query sort key", "qsort=revenue", ParamQuerySort},
		{"query page not a number", "qpage=x", ParamQueryPage},
		{"query filter with an open quote", "qf=%22chef+knife", ParamQueryFilter},
		{"query filter with parentheses", "qf=(a+%7C+b)+c", ParamQueryFilter},
		{"query filter too long", "qf=" + strings.Repeat("x", 201), ParamQueryFilter},
		{"query filter not UTF-8", "qf=%ff", ParamQueryFilter},
		{"unknown branded choice", "branded=yes", ParamBranded},
		{"unknown ASIN table sort key", "asort=price", ParamASINSort},
		{"sql in ASIN table sort key", "asort=asin%3Bdrop+table+brands", ParamASINSort},
		{"unknown ASIN table direction", "adir=down", ParamASINDir},
		{"ASIN table page zero", "apage=0", ParamASINPage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(v)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.EINVALID || e.Param != tc.param {
				t.Fatalf("Parse(%q) = %v, want an invalid %s", tc.query, err, tc.param)
			}
			if e.Message == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	sunday := period.Date(2024, time.August, 4)
	for _, tc := range []struct {
		name  string
		query string
		check func(t *testing.T, s State)
	}{
		{"empty query gives the defaults", "", func(t *testing.T, s State) {
			if !reflect.DeepEqual(s, Default()) {
				t.Fatalf("got %+v", s)
			}
		}},
		{"a marketplace in any case, GB as UK", "mp=gb", func(t *testing.T, s State) {
			if s.Marketplace != "UK" {
				t.Fatalf("marketplace %q, want UK", s.Marketplace)
			}
		}},
		{"dates snap to whole weeks", "from=2024-08-07&to=2024-08-14", func(t *testing.T, s State) {
			if s.Preset != period.Custom || !s.From.Equal(sunday) || !s.To.Equal(period.Date(2024, time.August, 17)) {
				t.Fatalf("got %s..%s preset %s", s.From, s.To, s.Preset)
			}
		}},
		{"a named preset wins over leftover dates", "preset=4w&from=2024-08-07&to=2024-08-14", func(t *testing.T, s State) {
			if s.Preset != period.Last4 || !s.From.IsZero() {
				t.Fatalf("got %+v", s)
			}
		}},
		{"expansions keep their type and drop duplicates", "open=b0c1234567,B0C7654321:monthly,B0C1234567:monthly", func(t *testing.T, s State) {
			want := []Expansion{{"B0C7654321", period.Monthly}, {"B0C1234567", period.Monthly}}
			if !reflect.DeepEqual(s.Open, want) {
				t.Fatalf("got %+v", s.Open)
			}
		}},
		{"a quarterly expansion keeps its type", "open=B0C7654321:quarterly", func(t *testing.T, s State) {
			if got := s.Expanded("B0C7654321"); got != period.Quarterly {
				t.Fatalf("got %+v", s.Open)
			}
		}},
		{"a query filter and the branded switch", "qf=+knife+!acme+%7C+%22chef+knife%22+&branded=nonbranded", func(t *testing.T, s State) {
			if s.QueryFilter.String() != `knife !acme | "chef knife"` || len(s.QueryFilter.Groups()) != 2 || s.Branded != queryfilter.NonBranded {
				t.Fatalf("got filter %q (%v), branded %q", s.QueryFilter, s.QueryFilter.Groups(), s.Branded)
			}
			if got := s.Values().Get(ParamQueryFilter); got != `knife !acme | "chef knife"` {
				t.Fatalf("the URL carries qf=%q", got)
			}
		}},
		{"a blank query filter is none", "qf=+++&branded=", func(t *testing.T, s State) {
			if !s.QueryFilter.IsZero() || s.Branded != queryfilter.AllQueries || s.Values().Has(ParamQueryFilter) || s.Values().Has(ParamBranded) {
				t.Fatalf("got %+v", s)
			}
		}},
		{"the query page's ASIN table: sort, direction and page", "asort=ctr&adir=asc&apage=4", func(t *testing.T, s State) {
			if s.ASINSort != sqp.QueryASINSortKey("ctr") || s.ASINDesc || s.ASINPage != 4 {
				t.Fatalf("got %+v", s)
			}
			if got := s.Values().Encode(); got != "adir=asc&apage=4&asort=ctr" {
				t.Fatalf("the URL carries %q", got)
			}
		}},
		{"five years exactly is allowed", "from=2019-01-06&to=2023-12-30", func(t *testing.T, s State) {}},
		{"every setting", "cmp=custom&cmp_from=2023-08-06&cmp_to=2023-08-12&sort=ctr&dir=asc&page=3&size=50&q=+shoe+&min_impr=10&qsort=query&qdir=asc&qpage=2", func(t *testing.T, s State) {
			if s.Sort != "ctr" || s.Desc || s.Page != 3 || s.Size != 50 || s.Search != "shoe" || s.MinImpressions != 10 || s.QuerySort != sqp.SortQuery || s.QueryDesc || s.QueryPage != 2 || s.Compare != period.CompareCustom {
				t.Fatalf("got %+v", s)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(v)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.query, err)
			}
			tc.check(t, s)
			// Values is the inverse of Parse.
			again, err := Parse(s.Values())
			if err != nil || !reflect.DeepEqual(again, s) {
				t.Fatalf("round trip of %q: %+v, %v; want %+v", s.Values().Encode(), again, err, s)
			}
		})
	}
}

func TestParseBrandIDAndASIN(t *testing.T) {
	if id, err := ParseBrandID("0F8FAD5B-D9CB-469F-A165-70867728950E"); err != nil || id != "0f8fad5b-d9cb-469f-a165-70867728950e" {
		t.Fatalf("valid UUID: %q, %v", id, err)
	}
	for _, bad := range []string{"", "123", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5bxd9cb-469f-a165-70867728950e", "zf8fad5b-d9cb-469f-a165-70867728950e"} {
		if _, err := ParseBrandID(bad); apperr.CodeOf(err) != apperr.EINVALID {
			t.Errorf("ParseBrandID(%q) = %v, want invalid", bad, err)
		}
	}
	if a, err := ParseASIN("b0c1234567"); err != nil || a != "B0C1234567" {
		t.Fatalf("valid ASIN: %q, %v", a, err)
	}
	for _, bad := range []string{"", "B0C123456", "B0C12345678", "B0C12345-7", "B0C12345é7"} {
		if _, err := ParseASIN(bad); apperr.CodeOf(err) != apperr.EINVALID {
			t.Errorf("ParseASIN(%q) = %v, want invalid", bad, err)
		}
	}
	for q, want := range map[string]period.SegmentType{"": period.Weekly, "type=weekly": period.Weekly, "type=monthly": period.Monthly, "type=quarterly": period.Quarterly} {
		v, _ := url.ParseQuery(q)
		if got, err := ParseSegmentType(v); err != nil || got != want {
			t.Errorf("ParseSegmentType(%q) = %q, %v", q, got, err)
		}
	}
	if _, err := ParseSegmentType(url.Values{"type": {"daily"}}); apperr.CodeOf(err) != apperr.EINVALID {
		t.Errorf("daily segments accepted: %v", err)
	}
}

func TestParseQueryRejectsMalformedQueryStrings(t *testing.T) {
	for _, tc := range []struct {
		name, query, param, says string
	}{
		{"bad percent-encoding in a value", "q=%ZZ", ParamSearch, "percent-encoding"},
		{"a truncated escape", "page=1&q=abc%", ParamSearch, "percent-encoding"},
		{"bad percent-encoding in a name", "%zz=1", "", "query string"},
		{"a semicolon separator", ";q=1", "", "query string"},
		{"a semicolon between parameters", "page=2;size=10", ParamPage, "\";\""},
		{"a repeated parameter with a bad value", "page=1&page=abc", ParamPage, "more than once"},
		{"a repeated parameter with good values", "page=1&page=2", ParamPage, "more than once"},
		{"a repeated expansion list", "open=B0C1234567&open=B0C7654321", ParamOpen, "more than once"},
		{"a repeated empty parameter", "q=&q=", ParamSearch, "more than once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseQuery(tc.query)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.EINVALID || e.Param != tc.param || !strings.Contains(e.Message, tc.says) {
				t.Fatalf("ParseQuery(%q) = %v; want an invalid %q saying %q", tc.query, err, tc.param, tc.says)
			}
		})
	}
}

func TestParseQueryReadsWhatURLParseQueryReads(t *testing.T) {
	for _, q := range []string{"", "q=shoe+box&page=2", "q=a%3Bb", "a=1&&b=2&", "open=B0C1234567%3Amonthly", "=x", "flag", "q=%C3%A9"} {
		got, err := ParseQuery(q)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", q, err)
		}
		want, err := url.ParseQuery(q)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseQuery(%q) = %v; url.ParseQuery = %v, %v", q, got, want, err)
		}
	}
}

// FuzzParse checks that no query string panics the parsers, that the strict parser accepts nothing
// url.ParseQuery would read differently, and that every accepted state survives a round trip.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"", "from=2024-08-07&to=2024-08-14", "open=B0C1234567:monthly", "sort=ctr&dir=asc&page=2&size=10", "cmp=custom&cmp_from=2023-01-01&cmp_to=2023-02-01",
		"q=%ZZ", ";q=1", "page=1&page=abc", "page=1&page=2", "q=a;b", "%zz=1&a=%"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := ParseQuery(q)
		if err != nil {
			if apperr.CodeOf(err) != apperr.EINVALID {
				t.Fatalf("ParseQuery(%q): non-validation error %v", q, err)
			}
			return
		}
		if lenient, err := url.ParseQuery(q); err != nil || !reflect.DeepEqual(lenient, v) {
			t.Fatalf("ParseQuery(%q) = %v, but url.ParseQuery reads %v, %v", q, v, lenient, err)
		}
		s, err := Parse(v)
		if err != nil {
			if apperr.CodeOf(err) != apperr.EINVALID {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		strict, err := ParseQuery(s.Values().Encode())
		if err != nil {
			t.Fatalf("the state of %q encodes to a query string the parser refuses: %v", q, err)
		}
		again, err := Parse(strict)
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("round trip of %q: %v", q, err)
		}
	})
}
