package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// usHeader is the ASIN view header as Seller Central writes it (docs/import.md, "Seller Central CSV details").
var usHeader = []string{"Search Query", "Search Query Score", "Search Query Volume",
	"Impressions: Total Count", "Impressions: ASIN Count", "Impressions: ASIN Share %",
	"Clicks: Total Count", "Clicks: Click Rate %", "Clicks: ASIN Count", "Clicks: ASIN Share %",
	"Clicks: Price (Median)", "Clicks: ASIN Price (Median)", "Clicks: Same Day Shipping Speed",
	"Clicks: 1D Shipping Speed", "Clicks: 2D Shipping Speed",
	"Cart Adds: Total Count", "Cart Adds: Cart Add Rate %", "Cart Adds: ASIN Count", "Cart Adds: ASIN Share %",
	"Cart Adds: Price (Median)", "Cart Adds: ASIN Price (Median)", "Cart Adds: Same Day Shipping Speed",
	"Cart Adds: 1D Shipping Speed", "Cart Adds: 2D Shipping Speed",
	"Purchases: Total Count", "Purchases: Purchase Rate %", "Purchases: ASIN Count", "Purchases: ASIN Share %",
	"Purchases: Price (Median)", "Purchases: ASIN Price (Median)", "Purchases: Same Day Shipping Speed",
	"Purchases: 1D Shipping Speed", "Purchases: 2D Shipping Speed", "Reporting Date"}

const (
	goodMeta = `"ASIN or Product=[""B0C1234567""]","Reporting Range=[""Weekly""]","Select week=[""Week 5 | 2026-01-25 - 2026-01-31 2026""]"`
	goodName = "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv"
)

// csvLine quotes like Seller Central: non-empty cells double-quoted, empty cells bare.
func csvLine(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if c != "" {
			out[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
	}
	return strings.Join(out, ",") + "\n"
}

// scRow is a plain data row for usHeader, with some cells replaced (by header name).
func scRow(query string, set map[string]string) []string {
	vals := map[string]string{"Search Query": query, "Search Query Score": "1", "Search Query Volume": "100",
		"Impressions: Total Count": "1000", "Impressions: ASIN Count": "100", "Impressions: ASIN Share %": "10",
		"Clicks: Total Count": "50", "Clicks: ASIN Count": "5", "Cart Adds: Total Count": "20",
		"Cart Adds: ASIN Count": "2", "Purchases: Total Count": "10", "Purchases: ASIN Count": "1",
		"Reporting Date": "2026-01-31"}
	for k, v := range set {
		vals[k] = v
	}
	row := make([]string, len(usHeader))
	for i, h := range usHeader {
		row[i] = vals[h]
	}
	return row
}

// scFile builds a Seller Central CSV from its metadata line, header and rows.
func scFile(meta string, header []string, rows ...[]string) string {
	var b strings.Builder
	b.WriteString(meta + "\n")
	b.WriteString(csvLine(header))
	for _, r := range rows {
		b.WriteString(csvLine(r))
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// asJSON shows a value with its pointers followed, for readable failure messages.
func asJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func parseFile(t *testing.T, path string) *Result {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(filepath.Base(path), bytes.NewReader(content), Options{})
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return res
}

func TestSellerCentralASINViewReadsEveryColumn(t *testing.T) {
	res := parseFile(t, "testdata/sellercentral/US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv")
	if res.Format != FormatSellerCentralCSV {
		t.Fatalf("format = %q", res.Format)
	}
	want := []sqp.WeeklyReport{{
		ASIN: "B0C1234567", Marketplace: "US", WeekStart: day("2026-01-25"), WeekEnd: day("2026-01-31"),
		Queries: []sqp.QueryRow{{
			SearchQuery: "trail running shoes", SearchQueryScore: ptr[int32](1), SearchQueryVolume: ptr[int64](15000),
			TotalQueryImpressionCount: 10000, ASINImpressionCount: 765, TotalClickCount: 1000, ASINClickCount: 50,
			TotalCartAddCount: 200, ASINCartAddCount: 10, TotalPurchaseCount: 100, ASINPurchaseCount: 5,
			TotalMedianClickPrice: ptr[sqp.Cents](8999), ASINMedianClickPrice: ptr[sqp.Cents](9450),
			TotalMedianCartAddPrice: ptr[sqp.Cents](8999), ASINMedianCartAddPrice: ptr[sqp.Cents](9450),
			TotalMedianPurchasePrice: ptr[sqp.Cents](8749), ASINMedianPurchasePrice: ptr[sqp.Cents](9450),
			CurrencyCode:               "USD",
			TotalSameDayShippingClicks: ptr[int64](200), TotalOneDayShippingClicks: ptr[int64](300), TotalTwoDayShippingClicks: ptr[int64](500),
			TotalSameDayShippingCartAdds: ptr[int64](40), TotalOneDayShippingCartAdds: ptr[int64](60), TotalTwoDayShippingCartAdds: ptr[int64](100),
			TotalSameDayShippingPurchases: ptr[int64](20), TotalOneDayShippingPurchases: ptr[int64](30), TotalTwoDayShippingPurchases: ptr[int64](50),
		}, {
			// Blank and "-" cells are NULL; the query keeps its comma and quotes.
			SearchQuery: `shoes, "red" size 10`, SearchQueryScore: ptr[int32](2), SearchQueryVolume: ptr[int64](2400),
			TotalQueryImpressionCount: 3000, ASINImpressionCount: 120, TotalClickCount: 90, ASINClickCount: 4,
			TotalCartAddCount: 12, TotalPurchaseCount: 3, CurrencyCode: "USD",
		}},
	}}
	if !reflect.DeepEqual(res.Reports, want) {
		t.Errorf("reports:\n%s\nwant:\n%s", asJSON(res.Reports), asJSON(want))
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func TestSellerCentralUKAliasesAndCurrencyFromFileName(t *testing.T) {
	res := parseFile(t, "testdata/sellercentral/UK_Search_Query_Performance_ASIN_View_Comprehensive_Week_2026_01_31.csv")
	if len(res.Reports) != 1 || len(res.Reports[0].Queries) != 1 {
		t.Fatalf("reports: %s", asJSON(res.Reports))
	}
	q := res.Reports[0].Queries[0]
	if res.Reports[0].ASIN != "B0C7654321" || q.TotalCartAddCount != 80 || q.ASINCartAddCount != 4 ||
		*q.ASINMedianCartAddPrice != 2250 || *q.TotalTwoDayShippingCartAdds != 3 || *q.TotalSameDayShippingClicks != 10 {
		t.Errorf("UK columns not mapped: %s", asJSON(q))
	}
	if q.CurrencyCode != "GBP" {
		t.Errorf("currency = %q, want GBP (from the UK_ file name)", q.CurrencyCode)
	}
}

func TestSellerCentralVariants(t *testing.T) {
	plain := scRow("dog bed", nil)
	tests := []struct {
		name     string
		file     string
		content  string
		opts     Options
		asin     string
		start    string
		currency string
	}{
		{"bom and crlf line ends", "report.csv",
			"\ufeff" + strings.ReplaceAll(scFile(goodMeta, usHeader, plain), "\n", "\r\n"), Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"metadata key ASIN and week without year", "report.csv",
			scFile(`"ASIN=[""b0c1234567""]","Reporting Range=[""Weekly""]","Select week=[""2026-01-25 - 2026-01-31""]"`, usHeader, plain),
			Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"metadata without inner quotes", "report.csv",
			scFile(`"ASIN or Product=[B0C1234567]","Reporting Range=[Weekly]","Select week=[Week 5 | 2026-01-25 - 2026-01-31 2026]"`, usHeader, plain),
			Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"metadata not CSV-quoted", "report.csv",
			scFile(`ASIN or Product=["B0C1234567"],Reporting Range=["Weekly"],Select week=["Week 5 | 2026-01-25 - 2026-01-31 2026"]`, usHeader, plain),
			Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"metadata in other case with extra cells", "report.csv",
			scFile(`"asin or product=[""B0C1234567""]","reporting range=[""WEEKLY""]","select week=[""Week 5 | 2026-01-25 - 2026-01-31 2026""]","Generated=[""2026-02-02""]"`, usHeader, plain),
			Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"week only from Reporting Date", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567""]","Reporting Range=[""Weekly""]"`, usHeader, plain),
			Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"product title after the ASIN", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567 - Waterproof trail shoe""]","Reporting Range=[""Weekly""]","Select week=[""Week 5 | 2026-01-25 - 2026-01-31 2026""]"`, usHeader, plain),
			Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"no Reporting Date column", "report.csv",
			scFile(goodMeta, usHeader[:33], plain[:33]), Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"columns in another order", "report.csv",
			scFile(goodMeta, reversed(usHeader), reversed(plain)), Options{Marketplace: "US"}, "B0C1234567", "2026-01-25", "USD"},
		{"marketplace option sets currency", "report.csv",
			scFile(goodMeta, usHeader, plain), Options{Marketplace: "de"}, "B0C1234567", "2026-01-25", "EUR"},
		{"file name case-insensitive with browser suffix", "us_search_query_performance_asin_view_simple_week_2026_01_31 (1).csv",
			scFile(goodMeta, usHeader, plain), Options{}, "B0C1234567", "2026-01-25", "USD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(tt.file, strings.NewReader(tt.content), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Reports) != 1 {
				t.Fatalf("reports: %s", asJSON(res.Reports))
			}
			r := res.Reports[0]
			if r.ASIN != tt.asin || !r.WeekStart.Equal(day(tt.start)) || !r.WeekEnd.Equal(day(tt.start).AddDate(0, 0, 6)) {
				t.Errorf("got %s %s..%s, want %s week of %s", r.ASIN, r.WeekStart, r.WeekEnd, tt.asin, tt.start)
			}
			q := r.Queries[0]
			if q.SearchQuery != "dog bed" || q.TotalQueryImpressionCount != 1000 || q.ASINPurchaseCount != 1 || q.CurrencyCode != tt.currency {
				t.Errorf("row: %s", asJSON(q))
			}
		})
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func TestSellerCentralNumbersAndMissingValues(t *testing.T) {
	tests := []struct {
		name  string
		set   map[string]string
		check func(q sqp.QueryRow) bool
	}{
		{"dash price is NULL", map[string]string{"Clicks: Price (Median)": "-"}, func(q sqp.QueryRow) bool { return q.TotalMedianClickPrice == nil }},
		{"blank score is NULL", map[string]string{"Search Query Score": ""}, func(q sqp.QueryRow) bool { return q.SearchQueryScore == nil }},
		{"blank volume is NULL", map[string]string{"Search Query Volume": " "}, func(q sqp.QueryRow) bool { return q.SearchQueryVolume == nil }},
		{"thousands separators", map[string]string{"Impressions: Total Count": "1,234,567"}, func(q sqp.QueryRow) bool { return q.TotalQueryImpressionCount == 1234567 }},
		{"price rounds half up to cents", map[string]string{"Purchases: ASIN Price (Median)": "19.995"}, func(q sqp.QueryRow) bool { return *q.ASINMedianPurchasePrice == 2000 }},
		{"whole price", map[string]string{"Purchases: Price (Median)": "20"}, func(q sqp.QueryRow) bool { return *q.TotalMedianPurchasePrice == 2000 }},
		{"zero shipping count is 0, not NULL", map[string]string{"Clicks: 1D Shipping Speed": "0"}, func(q sqp.QueryRow) bool { return *q.TotalOneDayShippingClicks == 0 }},
		{"share with percent sign is accepted", map[string]string{"Clicks: ASIN Share %": "10%"}, func(q sqp.QueryRow) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(goodName, strings.NewReader(scFile(goodMeta, usHeader, scRow("q", tt.set))), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if q := res.Reports[0].Queries[0]; !tt.check(q) {
				t.Errorf("row: %s", asJSON(q))
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
		})
	}
}

func TestSellerCentralWarnings(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want []string // substrings, one per warning, in order
	}{
		{"blank core count is stored as 0 with one warning per column",
			[][]string{scRow("a", map[string]string{"Clicks: ASIN Count": ""}), scRow("b", map[string]string{"Clicks: ASIN Count": "-"})},
			[]string{`column "Clicks: ASIN Count" was blank or "-" on 2 row(s), first on line 3: stored as 0`}},
		{"ASIN count above total",
			[][]string{scRow("a", map[string]string{"Purchases: ASIN Count": "11"})},
			[]string{`line 3: "Purchases: ASIN Count" 11 is above "Purchases: Total Count" 10`}},
		{"share over 100 percent",
			[][]string{scRow("a", map[string]string{"Impressions: ASIN Share %": "100.5"})},
			[]string{`line 3: column "Impressions: ASIN Share %": share 100.5% is over 100%`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(goodName, strings.NewReader(scFile(goodMeta, usHeader, tt.rows...)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) != len(tt.want) {
				t.Fatalf("warnings: %v, want %d", res.Warnings, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(res.Warnings[i].String(), w) {
					t.Errorf("warning %q does not contain %q", res.Warnings[i], w)
				}
			}
			for _, r := range res.Reports[0].Queries {
				if r.ASINClickCount < 0 {
					t.Errorf("negative count: %s", asJSON(r))
				}
			}
		})
	}
	t.Run("unknown column is ignored with a warning", func(t *testing.T) {
		header := append(append([]string(nil), usHeader...), "Notes")
		row := append(scRow("a", nil), "hello")
		res, err := Parse(goodName, strings.NewReader(scFile(goodMeta, header, row)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), `column "Notes" is not a known Seller Central column`) {
			t.Errorf("warnings: %v", res.Warnings)
		}
	})
	t.Run("no rows stores nothing and says so", func(t *testing.T) {
		res, err := Parse(goodName, strings.NewReader(scFile(goodMeta, usHeader)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Reports) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "no query rows") {
			t.Errorf("reports %d, warnings %v", len(res.Reports), res.Warnings)
		}
	})
}

func TestSellerCentralRefusals(t *testing.T) {
	plain := scRow("dog bed", nil)
	withoutColumn := func(name string) ([]string, []string) {
		var h, r []string
		for i, c := range usHeader {
			if c != name {
				h, r = append(h, c), append(r, plain[i])
			}
		}
		return h, r
	}
	noClicks, noClicksRow := withoutColumn("Clicks: ASIN Count")
	ukDup := append(append([]string(nil), usHeader...), "Basket Adds: Total Count")
	tests := []struct {
		name    string
		file    string
		content string
		opts    Options
		want    string // the whole message
	}{
		{"monthly reporting range", goodName,
			scFile(`"ASIN or Product=[""B0C1234567""]","Reporting Range=[""Monthly""]","Select month=[""January""]","Select year=[""2026""]"`, usHeader, plain), Options{},
			`US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv: line 1, "Reporting Range": value "Monthly": ` + refusedPeriodReason},
		{"quarterly without reporting range", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567""]","Select quarter=[""Q1""]"`, usHeader, plain), Options{},
			`report.csv: line 1, "Select quarter": value "Q1": ` + refusedPeriodReason},
		{"monthly file name", "US_Search_Query_Performance_ASIN_View_Simple_Month_2026_01_31.csv",
			scFile(goodMeta, usHeader, plain), Options{},
			`US_Search_Query_Performance_ASIN_View_Simple_Month_2026_01_31.csv: "file name": value "US_Search_Query_Performance_ASIN_View_Simple_Month_2026_01_31.csv": ` + refusedPeriodReason},
		{"brand view metadata", "report.csv",
			scFile(`"Brand=[""Acme""]","Reporting Range=[""Weekly""]","Select week=[""Week 5 | 2026-01-25 - 2026-01-31 2026""]"`, usHeader, plain), Options{},
			`report.csv: line 1, "Brand": value "Acme": ` + refusedBrandViewReason},
		{"brand view header", "report.csv",
			scFile(goodMeta, []string{"Search Query", "Impressions: Brand Count"}, []string{"a", "1"}), Options{},
			`report.csv: line 2, "Impressions: Brand Count": ` + refusedBrandViewReason},
		{"brand view file name", "US_Search_Query_Performance_Brand_View_Simple_Week_2026_01_31.csv",
			scFile(goodMeta, usHeader, plain), Options{},
			`US_Search_Query_Performance_Brand_View_Simple_Week_2026_01_31.csv: "file name": value "US_Search_Query_Performance_Brand_View_Simple_Week_2026_01_31.csv": ` + refusedBrandViewReason},
		{"week not starting on Sunday", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567""]","Select week=[""Week 5 | 2026-01-26 - 2026-02-01 2026""]"`, usHeader, plain), Options{},
			`report.csv: line 1, "Select week": value "Week 5 | 2026-01-26 - 2026-02-01 2026": a week must start on a Sunday; 2026-01-26 is a Monday`},
		{"week longer than seven days", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567""]","Select week=[""2026-01-25 - 2026-02-07""]"`, usHeader, plain), Options{},
			`report.csv: line 1, "Select week": value "2026-01-25 - 2026-02-07": a week must run Sunday to Saturday (7 days); 2026-01-25 to 2026-02-07 is not`},
		{"reporting date not a Saturday", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567""]"`, usHeader, scRow("a", map[string]string{"Reporting Date": "2026-01-30"})), Options{},
			`report.csv: line 3, "Reporting Date": value "2026-01-30", expected a Saturday, the last day of an Amazon week: a week must start on a Sunday; 2026-01-24 is a Saturday`},
		{"reporting date disagrees with metadata", "report.csv",
			scFile(goodMeta, usHeader, scRow("a", map[string]string{"Reporting Date": "2026-02-07"})), Options{},
			`report.csv: line 3, "Reporting Date": value "2026-02-07", expected 2026-01-31, the week end the metadata line (Select week=Week 5 | 2026-01-25 - 2026-01-31 2026) states`},
		{"reporting dates differ between rows", "report.csv",
			scFile(goodMeta, usHeader, plain, scRow("b", map[string]string{"Reporting Date": "2026-02-07"})), Options{},
			`report.csv: line 4, "Reporting Date": value "2026-02-07", expected 2026-01-31 like line 3: one report covers one week`},
		{"file name date disagrees", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_02_07.csv",
			scFile(goodMeta, usHeader, plain), Options{},
			`US_Search_Query_Performance_ASIN_View_Simple_Week_2026_02_07.csv: "file name": value "2026_02_07", expected 2026_01_31, the week end the metadata line (Select week=Week 5 | 2026-01-25 - 2026-01-31 2026) states`},
		{"no week anywhere", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567""]"`, usHeader[:33], plain[:33]), Options{},
			`report.csv: the report states no week: expected "Select week=[...]" on line 1 or a "Reporting Date" column`},
		{"metadata line missing", "report.csv",
			csvLine(usHeader) + csvLine(plain), Options{},
			`report.csv: line 1: the file starts with the header: the Seller Central metadata line (such as "ASIN or Product=[""B0C1234567""]","Select week=[...]") is missing, and it is the only place the ASIN view names its ASIN; download the report again without editing it`},
		{"no ASIN in metadata", "report.csv",
			scFile(`"Reporting Range=[""Weekly""]"`, usHeader, plain), Options{},
			`report.csv: line 1: the metadata line names no ASIN: expected a cell such as "ASIN or Product=[""B0C1234567""]" (the ASIN view states its ASIN only there)`},
		{"malformed ASIN", "report.csv",
			scFile(`"ASIN or Product=[""B0C12""]"`, usHeader, plain), Options{},
			`report.csv: line 1, "ASIN or Product": value "B0C12", expected ` + expectASIN},
		{"two ASINs", "report.csv",
			scFile(`"ASIN or Product=[""B0C1234567"",""B0C7654321""]"`, usHeader, plain), Options{},
			`report.csv: line 1, "ASIN or Product": value "B0C1234567,B0C7654321", expected exactly one ASIN (the ASIN view covers one)`},
		{"required column missing", "report.csv",
			scFile(goodMeta, noClicks, noClicksRow), Options{},
			`report.csv: line 2, "Clicks: ASIN Count": this column is missing from the header; expected the ASIN view header of a Seller Central SQP download`},
		{"column twice through an alias", "report.csv",
			scFile(goodMeta, ukDup, append(scRow("a", nil), "3")), Options{},
			`report.csv: line 2, "Basket Adds: Total Count": the column appears twice (also as "Cart Adds: Total Count")`},
		{"count not a number", "report.csv",
			scFile(goodMeta, usHeader, plain, scRow("b", map[string]string{"Clicks: ASIN Count": "five"})), Options{},
			`report.csv: line 4, "Clicks: ASIN Count": value "five", expected a whole number >= 0`},
		{"negative count", "report.csv",
			scFile(goodMeta, usHeader, scRow("b", map[string]string{"Impressions: Total Count": "-4"})), Options{},
			`report.csv: line 3, "Impressions: Total Count": value "-4", expected a whole number >= 0`},
		{"decimal count", "report.csv",
			scFile(goodMeta, usHeader, scRow("b", map[string]string{"Purchases: Total Count": "2.5"})), Options{},
			`report.csv: line 3, "Purchases: Total Count": value "2.5", expected a whole number >= 0`},
		{"price with currency sign", "report.csv",
			scFile(goodMeta, usHeader, scRow("b", map[string]string{"Clicks: Price (Median)": "$19.99"})), Options{},
			`report.csv: line 3, "Clicks: Price (Median)": value "$19.99", expected ` + expectPrice},
		{"score zero", "report.csv",
			scFile(goodMeta, usHeader, scRow("b", map[string]string{"Search Query Score": "0"})), Options{},
			`report.csv: line 3, "Search Query Score": value "0", expected a whole number >= 1`},
		{"empty query", "report.csv",
			scFile(goodMeta, usHeader, scRow("", nil)), Options{},
			`report.csv: line 3, "Search Query": value "", expected a search query (it is empty)`},
		// What the query page could not show or link to is refused here (sqp.CheckQueryText), naming the line.
		{"query with a tab", "report.csv",
			scFile(goodMeta, usHeader, plain, scRow("dog\tbed", nil)), Options{},
			`report.csv: line 4, "Search Query": value "dog\tbed", expected ` + expectQuery + `: the search query contains the control character U+0009 at character 4`},
		{"query with a line break in its quoted cell", "report.csv",
			scFile(goodMeta, usHeader, plain, scRow("cat", nil), scRow("dog\nbed", nil)), Options{},
			`report.csv: line 5, "Search Query": value "dog\nbed", expected ` + expectQuery + `: the search query contains the control character U+000A at character 4`},
		{"query longer than 500 characters", "report.csv",
			scFile(goodMeta, usHeader, scRow(strings.Repeat("x", 501), nil)), Options{},
			`report.csv: line 3, "Search Query": value "` + strings.Repeat("x", 60) + `…", expected ` + expectQuery + `: the search query is longer than 500 characters (501)`},
		{"query not UTF-8", "report.csv",
			scFile(goodMeta, usHeader, scRow("caf\xe9", nil)), Options{},
			`report.csv: line 3, "Search Query": value "caf\xe9", expected ` + expectQuery + `: the search query is not valid UTF-8 text`},
		{"duplicate query", "report.csv",
			scFile(goodMeta, usHeader, plain, scRow("cat", nil), scRow("dog bed", nil)), Options{},
			`report.csv: line 5, "Search Query": value "dog bed": the search query already appears on line 3: each query once per report`},
		{"short row", "report.csv",
			scFile(goodMeta, usHeader, plain[:20]), Options{},
			`report.csv: line 3: the row has 20 cells, expected 34 like the header`},
		{"bad date", "report.csv",
			scFile(goodMeta, usHeader, scRow("b", map[string]string{"Reporting Date": "01/31/2026"})), Options{},
			`report.csv: line 3, "Reporting Date": value "01/31/2026", expected a date YYYY-MM-DD`},
		{"broken quoting", "report.csv",
			goodMeta + "\n" + csvLine(usHeader) + `"dog "bed",1` + "\n", Options{},
			`report.csv: line 3, column 6: malformed CSV: extraneous or missing " in quoted-field`},
		{"marketplace disagrees with file name", goodName,
			scFile(goodMeta, usHeader, plain), Options{Marketplace: "UK"},
			`US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv: "file name": value "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv": the file is from marketplace US but the import is for marketplace UK`},
		{"marketplace unknown", "report.csv",
			scFile(goodMeta, usHeader, plain), Options{},
			`report.csv: "marketplace": value "report.csv": the marketplace of the file cannot be determined: its name does not start with the country code Seller Central gives it (US_, UK_, DE_, ...); keep the downloaded name, or import it with --marketplace`},
		{"file name with a country that is no marketplace", "XX_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv",
			scFile(goodMeta, usHeader, plain), Options{},
			`XX_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv: "file name": value "XX_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv": XX is not an Amazon marketplace country code (an Amazon marketplace country code such as US, CA, UK, DE, FR, JP)`},
		{"legacy euro marketplace is not importable", "report.csv",
			scFile(goodMeta, usHeader, plain), Options{Marketplace: "EU"},
			`report.csv: "marketplace": value "EU", expected an Amazon marketplace country code such as US, CA, UK, DE, FR, JP`},
		{"unknown content", "notes.txt", "hello world\n", Options{},
			`notes.txt: line 1: value "hello world", expected an SP-API JSON report ({...}), a Seller Central SQP CSV (line 1: Key=["value"] cells) or a brand-mapping CSV (header asin,brand,product_title[,active])`},
		{"empty file", "empty.csv", "\ufeff \n", Options{},
			`empty.csv: the file is empty: expected an SP-API JSON report, a Seller Central CSV or a brand-mapping CSV`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(tt.file, strings.NewReader(tt.content), tt.opts)
			if err == nil {
				t.Fatalf("no error; parsed %s", asJSON(res))
			}
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not an *importer.Error: %v", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}
