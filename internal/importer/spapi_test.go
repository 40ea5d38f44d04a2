package importer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// amazonExample returns the example document of Amazon's published JSON Schema (testdata, Apache-2.0).
func amazonExample(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/amzn_sellingPartnerSearchQueryPerformanceReport.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil || len(schema.Examples) == 0 {
		t.Fatalf("read schema examples: %v", err)
	}
	return schema.Examples[0]
}

// editExample returns the Amazon example after edit changed its decoded form.
func editExample(t *testing.T, edit func(doc map[string]any)) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(amazonExample(t), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// record returns dataByAsin[i] of a decoded document.
func record(doc map[string]any, i int) map[string]any {
	return doc["dataByAsin"].([]any)[i].(map[string]any)
}

// exampleRow is the query row both records of Amazon's example hold (the numbers of the schema example).
func exampleRow() sqp.QueryRow {
	return sqp.QueryRow{
		SearchQuery: "wireless headphones", SearchQueryScore: ptr[int32](5), SearchQueryVolume: ptr[int64](15000),
		TotalQueryImpressionCount: 10000, ASINImpressionCount: 765, TotalClickCount: 1000, ASINClickCount: 50,
		TotalCartAddCount: 200, ASINCartAddCount: 10, TotalPurchaseCount: 100, ASINPurchaseCount: 5,
		TotalMedianClickPrice: ptr[sqp.Cents](1999), ASINMedianClickPrice: ptr[sqp.Cents](1999),
		TotalMedianCartAddPrice: ptr[sqp.Cents](1999), ASINMedianCartAddPrice: ptr[sqp.Cents](1999),
		TotalMedianPurchasePrice: ptr[sqp.Cents](1999), ASINMedianPurchasePrice: ptr[sqp.Cents](1999),
		CurrencyCode:               "USD",
		TotalSameDayShippingClicks: ptr[int64](200), TotalOneDayShippingClicks: ptr[int64](300), TotalTwoDayShippingClicks: ptr[int64](500),
		TotalSameDayShippingCartAdds: ptr[int64](40), TotalOneDayShippingCartAdds: ptr[int64](60), TotalTwoDayShippingCartAdds: ptr[int64](100),
		TotalSameDayShippingPurchases: ptr[int64](20), TotalOneDayShippingPurchases: ptr[int64](30), TotalTwoDayShippingPurchases: ptr[int64](50),
	}
}

func TestSPAPIAmazonExampleDocument(t *testing.T) {
	want := []sqp.WeeklyReport{
		{ASIN: "B123456789", Marketplace: "US", WeekStart: day("2025-01-05"), WeekEnd: day("2025-01-11"), Queries: []sqp.QueryRow{exampleRow()}},
		{ASIN: "B987654321", Marketplace: "US", WeekStart: day("2025-01-05"), WeekEnd: day("2025-01-11"), Queries: []sqp.QueryRow{exampleRow()}},
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(amazonExample(t)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"plain": amazonExample(t), "gzip": gz.Bytes(), "with BOM and leading space": append([]byte("\ufeff \n"), amazonExample(t)...)}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			res, err := Parse("report.json", bytes.NewReader(in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != FormatSPAPIJSON {
				t.Errorf("format = %q", res.Format)
			}
			if !reflect.DeepEqual(res.Reports, want) {
				t.Errorf("reports:\n%s\nwant:\n%s", asJSON(res.Reports), asJSON(want))
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: %v", res.Warnings)
			}
		})
	}
}

func TestSPAPIDocumentVariants(t *testing.T) {
	t.Run("many queries of one ASIN form one report", func(t *testing.T) {
		doc := editExample(t, func(doc map[string]any) {
			r1 := record(doc, 1)
			r1["asin"] = "B123456789"
			r1["searchQueryData"].(map[string]any)["searchQuery"] = "bluetooth headphones"
		})
		res, err := Parse("r.json", strings.NewReader(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Reports) != 1 || len(res.Reports[0].Queries) != 2 || res.Reports[0].Queries[1].SearchQuery != "bluetooth headphones" {
			t.Errorf("reports: %s", asJSON(res.Reports))
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "no data for ASIN B987654321 (normal for a low-traffic ASIN") {
			t.Errorf("warnings: %v", res.Warnings)
		}
	})
	t.Run("missing prices are NULL, missing core counts 0 with a warning", func(t *testing.T) {
		doc := editExample(t, func(doc map[string]any) {
			r0 := record(doc, 0)
			delete(r0["purchaseData"].(map[string]any), "asinMedianPurchasePrice")
			r0["clickData"].(map[string]any)["totalMedianClickPrice"] = nil
			delete(r0["cartAddData"].(map[string]any), "asinCartAddCount")
			delete(r0["searchQueryData"].(map[string]any), "searchQueryVolume")
		})
		res, err := Parse("r.json", strings.NewReader(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		q := res.Reports[0].Queries[0]
		if q.ASINMedianPurchasePrice != nil || q.TotalMedianClickPrice != nil || q.ASINCartAddCount != 0 || q.SearchQueryVolume != nil ||
			*q.ASINMedianClickPrice != 1999 {
			t.Errorf("row: %s", asJSON(q))
		}
		want := "r.json: cartAddData.asinCartAddCount was missing in 1 record(s), first in dataByAsin[0]: stored as 0"
		if len(res.Warnings) != 1 || res.Warnings[0].String() != want {
			t.Errorf("warnings: %v, want %q", res.Warnings, want)
		}
	})
	t.Run("empty dataByAsin is not an error", func(t *testing.T) {
		doc := editExample(t, func(doc map[string]any) { doc["dataByAsin"] = []any{} })
		res, err := Parse("r.json", strings.NewReader(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Reports) != 0 || len(res.Warnings) != 2 {
			t.Errorf("reports %d, warnings %v", len(res.Reports), res.Warnings)
		}
	})
	t.Run("percent-unit shares are not suspicious, over 100 is", func(t *testing.T) {
		doc := editExample(t, func(doc map[string]any) {
			record(doc, 0)["impressionData"].(map[string]any)["asinImpressionShare"] = 7.65
			record(doc, 1)["clickData"].(map[string]any)["asinClickShare"] = 120
		})
		res, err := Parse("r.json", strings.NewReader(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := `r.json: dataByAsin[1]: clickData.asinClickShare 120 is over 100% (query "wireless headphones")`
		if len(res.Warnings) != 1 || res.Warnings[0].String() != want {
			t.Errorf("warnings: %v, want %q", res.Warnings, want)
		}
	})
	t.Run("ASIN count above total is a warning", func(t *testing.T) {
		doc := editExample(t, func(doc map[string]any) {
			record(doc, 0)["purchaseData"].(map[string]any)["asinPurchaseCount"] = 101
		})
		res, err := Parse("r.json", strings.NewReader(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := `r.json: dataByAsin[0]: purchaseData.asinPurchaseCount 101 is above purchaseData.totalPurchaseCount 100 (query "wireless headphones")`
		if len(res.Warnings) != 1 || res.Warnings[0].String() != want || res.Reports[0].Queries[0].ASINPurchaseCount != 101 {
			t.Errorf("warnings: %v, want %q", res.Warnings, want)
		}
	})
	t.Run("dates with a time component", func(t *testing.T) {
		doc := editExample(t, func(doc map[string]any) {
			doc["reportSpecification"].(map[string]any)["dataStartTime"] = "2025-01-05T00:00:00Z"
		})
		if _, err := Parse("r.json", strings.NewReader(doc), Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSPAPIMalformedJSONSaysWhere(t *testing.T) {
	_, err := Parse("r.json", strings.NewReader(`{"reportSpecification": [}`), Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "r.json: reportSpecification: malformed JSON at byte ") ||
		!strings.HasSuffix(err.Error(), "invalid character '}' looking for beginning of value") {
		t.Errorf("error = %v", err)
	}
}

func TestSPAPIRefusals(t *testing.T) {
	spec := func(doc map[string]any) map[string]any { return doc["reportSpecification"].(map[string]any) }
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"failed report", `{"errorDetails": "Report generation failed: no ASIN found"}`,
			"r.json: Amazon returned a failed report: Report generation failed: no ASIN found"},
		{"failed report with structured details", `{"errorDetails": {"code": "FATAL"}}`,
			`r.json: Amazon returned a failed report: {"code":"FATAL"}`},
		{"monthly", editExample(t, func(doc map[string]any) {
			spec(doc)["reportOptions"].(map[string]any)["reportPeriod"] = "MONTH"
		}), `r.json: reportSpecification, "reportOptions.reportPeriod": value "MONTH": ` + refusedPeriodReason},
		{"quarterly", editExample(t, func(doc map[string]any) {
			spec(doc)["reportOptions"].(map[string]any)["reportPeriod"] = "QUARTER"
		}), `r.json: reportSpecification, "reportOptions.reportPeriod": value "QUARTER": ` + refusedPeriodReason},
		{"other report type", editExample(t, func(doc map[string]any) {
			spec(doc)["reportType"] = "GET_BRAND_ANALYTICS_MARKET_BASKET_REPORT"
		}), `r.json: reportSpecification, "reportType": value "GET_BRAND_ANALYTICS_MARKET_BASKET_REPORT", expected GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT`},
		{"week not Sunday to Saturday", editExample(t, func(doc map[string]any) {
			spec(doc)["dataStartTime"] = "2025-01-06"
			spec(doc)["dataEndTime"] = "2025-01-12"
		}), `r.json: reportSpecification, "dataStartTime..dataEndTime": value "2025-01-06..2025-01-12": a week must start on a Sunday; 2025-01-06 is a Monday`},
		{"bad start date", editExample(t, func(doc map[string]any) { spec(doc)["dataStartTime"] = "Jan 5" }),
			`r.json: reportSpecification, "dataStartTime": value "Jan 5", expected a date YYYY-MM-DD`},
		{"record outside the week", editExample(t, func(doc map[string]any) {
			record(doc, 1)["startDate"] = "2025-01-12"
			record(doc, 1)["endDate"] = "2025-01-18"
		}), `r.json: dataByAsin[1], "startDate..endDate": value "2025-01-12..2025-01-18", expected 2025-01-05..2025-01-11 as reportSpecification states`},
		{"count of the wrong type", editExample(t, func(doc map[string]any) {
			record(doc, 1)["clickData"].(map[string]any)["asinClickCount"] = true
		}), `r.json: dataByAsin[1], "clickData.asinClickCount": value "a JSON bool", expected a JSON number`},
		{"negative count", editExample(t, func(doc map[string]any) {
			record(doc, 0)["impressionData"].(map[string]any)["totalQueryImpressionCount"] = -1
		}), `r.json: dataByAsin[0], "impressionData.totalQueryImpressionCount": value "-1", expected a whole number >= 0`},
		{"fractional count", editExample(t, func(doc map[string]any) {
			record(doc, 0)["purchaseData"].(map[string]any)["totalPurchaseCount"] = 2.5
		}), `r.json: dataByAsin[0], "purchaseData.totalPurchaseCount": value "2.5", expected a whole number >= 0`},
		{"bad ASIN", editExample(t, func(doc map[string]any) { record(doc, 1)["asin"] = "B98" }),
			`r.json: dataByAsin[1], "asin": value "B98", expected ` + expectASIN},
		{"missing query", editExample(t, func(doc map[string]any) { delete(record(doc, 0), "searchQueryData") }),
			`r.json: dataByAsin[0], "searchQueryData.searchQuery": value "", expected a search query`},
		{"query with a control character", editExample(t, func(doc map[string]any) {
			record(doc, 1)["searchQueryData"].(map[string]any)["searchQuery"] = "wireless\u0085earbuds"
		}), `r.json: dataByAsin[1], "searchQueryData.searchQuery": value "wireless\u0085earbuds", expected ` + expectQuery + `: the search query contains the control character U+0085 at character 9`},
		{"query longer than 500 characters", editExample(t, func(doc map[string]any) {
			record(doc, 0)["searchQueryData"].(map[string]any)["searchQuery"] = strings.Repeat("é", 501)
		}), `r.json: dataByAsin[0], "searchQueryData.searchQuery": value "` + strings.Repeat("é", 60) + `…", expected ` + expectQuery + `: the search query is longer than 500 characters (501)`},
		{"duplicate query", editExample(t, func(doc map[string]any) { record(doc, 1)["asin"] = "B123456789" }),
			`r.json: dataByAsin[1], "searchQueryData.searchQuery": value "wireless headphones": the query already appears for ASIN B123456789 in dataByAsin[0]: each query once per ASIN and week`},
		{"mixed currencies", editExample(t, func(doc map[string]any) {
			record(doc, 0)["purchaseData"].(map[string]any)["asinMedianPurchasePrice"].(map[string]any)["currencyCode"] = "EUR"
		}), `r.json: dataByAsin[0], "purchaseData.asinMedianPurchasePrice.currencyCode": value "EUR", expected USD like the record's other prices`},
		{"no marketplace", editExample(t, func(doc map[string]any) { delete(spec(doc), "marketplaceIds") }),
			`r.json: reportSpecification, "marketplaceIds": the marketplace of the report cannot be determined: reportSpecification.marketplaceIds is missing; import it with --marketplace`},
		{"unknown marketplace", editExample(t, func(doc map[string]any) { spec(doc)["marketplaceIds"] = []string{"AXXXXXXXXXXX"} }),
			`r.json: reportSpecification, "marketplaceIds": value "AXXXXXXXXXXX", expected the marketplaceId of a known Amazon marketplace (e.g. ATVPDKIKX0DER for US)`},
		{"several marketplaces", editExample(t, func(doc map[string]any) {
			spec(doc)["marketplaceIds"] = []string{"ATVPDKIKX0DER", "A1F83G8C2ARO7P"}
		}), `r.json: reportSpecification, "marketplaceIds": value "ATVPDKIKX0DER, A1F83G8C2ARO7P": an SQP report covers one marketplace; this one lists several`},
		{"prices in another currency than the marketplace's", editExample(t, func(doc map[string]any) {
			spec(doc)["marketplaceIds"] = []string{"A1F83G8C2ARO7P"}
		}), `r.json: dataByAsin[0], "currencyCode": value "USD", expected GBP, the currency of marketplace UK`},
		{"no reportSpecification", `{"dataByAsin": []}`,
			`r.json: "reportSpecification": the document has no reportSpecification: expected an SP-API GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT document`},
		{"dataByAsin not an array", `{"dataByAsin": {}}`,
			`r.json: "dataByAsin": value "{", expected an array of records`},
		{"truncated", string(amazonExample(t)[:500]),
			`r.json: dataByAsin[0]: the JSON document ends too early (truncated download?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse("r.json", strings.NewReader(tt.doc), Options{})
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

// TestSPAPIMarketplace: the report's marketplaceIds decide the marketplace; --marketplace fills in for a
// document without them and must agree with one that has them.
func TestSPAPIMarketplace(t *testing.T) {
	noIDs := editExample(t, func(doc map[string]any) { delete(doc["reportSpecification"].(map[string]any), "marketplaceIds") })
	for _, tt := range []struct {
		name, doc, option, want, err string
	}{
		{"from marketplaceIds", string(amazonExample(t)), "", "US", ""},
		{"from the option", noIDs, "us", "US", ""},
		{"option agrees", string(amazonExample(t)), "US", "US", ""},
		{"option disagrees", string(amazonExample(t)), "DE", "",
			`r.json: reportSpecification, "marketplaceIds": value "ATVPDKIKX0DER": the report is from marketplace US but the import is for marketplace DE`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse("r.json", strings.NewReader(tt.doc), Options{Marketplace: tt.option})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error:\n got %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Marketplace != tt.want {
				t.Errorf("marketplace %q, want %q", res.Marketplace, tt.want)
			}
			for _, r := range res.Reports {
				if r.Marketplace != tt.want {
					t.Errorf("report of %s: marketplace %q, want %q", r.ASIN, r.Marketplace, tt.want)
				}
			}
		})
	}
}
