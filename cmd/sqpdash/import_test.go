package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
)

// importTestdata is the importer's hand-built sample files.
const importTestdata = "../../internal/importer/testdata"

var (
	usCSV      = filepath.Join(importTestdata, "sellercentral", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv")
	ukCSV      = filepath.Join(importTestdata, "sellercentral", "UK_Search_Query_Performance_ASIN_View_Comprehensive_Week_2026_01_31.csv")
	brandsCSV  = filepath.Join(importTestdata, "mapping", "brands.csv")
	amazonJSON = filepath.Join(importTestdata, "amzn_sellingPartnerSearchQueryPerformanceReport.json")
)

// gzippedAmazonExample writes the example document of Amazon's schema as a .json.gz file.
func gzippedAmazonExample(t *testing.T) string {
	raw, err := os.ReadFile(amazonJSON)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct{ Examples []json.RawMessage }
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(schema.Examples[0]); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.json.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// importRun runs `sqpdash import` on a database and returns its exit code and output.
func importRun(t *testing.T, db *postgres.DB, f importFlags) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	log := slog.New(slog.DiscardHandler)
	code := importFiles(context.Background(), db, refresh.New(db, refresh.Options{Logger: log}), log, f, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func openImportDB(t *testing.T) *postgres.DB {
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l+"\n") {
			t.Errorf("output lacks %q:\n%s", l, out)
		}
	}
}

func TestImportCommandEndToEnd(t *testing.T) {
	db := openImportDB(t)
	files := []string{brandsCSV, usCSV, ukCSV, gzippedAmazonExample(t)}

	code, out, errOut := importRun(t, db, importFlags{files: files, requestedBy: "test"})
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	// 1 + 1 ASIN-weeks from the CSVs, 2 from the JSON example; 2 + 1 + 2 query rows.
	wantLines(t, out, "files: 4 imported, 0 failed, 0 not tried (of 4)", "ASIN-weeks: 4 new, 0 changed, 0 unchanged",
		"query rows: 5 inserted, 0 updated, 0 deleted", "brand mappings: 2 brands created, 2 mappings new, 0 changed, 0 unchanged",
		"warnings: 2",
		// brands.csv maps the CSVs' ASINs, not those of Amazon's example document.
		"  "+files[3]+": ASIN B123456789 is not mapped to a brand: its reports are stored, and the dashboard shows them once a brand-mapping CSV maps it",
		"  "+files[3]+": ASIN B987654321 is not mapped to a brand: its reports are stored, and the dashboard shows them once a brand-mapping CSV maps it")
	if !strings.Contains(out, "segments: refresh success") {
		t.Errorf("no successful refresh:\n%s", out)
	}

	t.Run("the dashboard's numbers for the ASIN-week equal the file's", func(t *testing.T) {
		content, err := os.ReadFile(usCSV)
		if err != nil {
			t.Fatal(err)
		}
		res, err := importer.Parse(filepath.Base(usCSV), bytes.NewReader(content), importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rep := res.Reports[0]
		var want metrics.Counts
		for _, q := range rep.Queries {
			want = want.Add(metrics.Counts{ASINImpressions: q.ASINImpressionCount, TotalImpressions: q.TotalQueryImpressionCount,
				ASINClicks: q.ASINClickCount, TotalClicks: q.TotalClickCount, ASINCartAdds: q.ASINCartAddCount,
				TotalCartAdds: q.TotalCartAddCount, ASINPurchases: q.ASINPurchaseCount, TotalPurchases: q.TotalPurchaseCount})
			if q.ASINMedianPurchasePrice != nil {
				want.PurchasePriceCents += int64(*q.ASINMedianPurchasePrice) * q.ASINPurchaseCount
				want.PricedPurchases += q.ASINPurchaseCount
			}
		}
		brands, err := db.ActiveBrands(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var brandID string
		for _, b := range brands {
			if b.Name == "Acme" {
				brandID = b.ID
			}
		}
		segs, err := db.Segments(context.Background(), brandID, rep.Marketplace, rep.ASIN, period.Weekly, period.Range{From: rep.WeekStart, To: rep.WeekEnd})
		if err != nil {
			t.Fatal(err)
		}
		if len(segs) != 1 || !reflect.DeepEqual(segs[0].Counts, want) {
			t.Errorf("segments of %s (brand %q): %+v, want counts %+v", rep.ASIN, brandID, segs, want)
		}
	})

	t.Run("importing the same files again changes nothing", func(t *testing.T) {
		code, out, errOut := importRun(t, db, importFlags{files: files, requestedBy: "test"})
		if code != exitOK {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
		wantLines(t, out, "ASIN-weeks: 0 new, 0 changed, 4 unchanged", "query rows: 0 inserted, 0 updated, 0 deleted",
			"brand mappings: 0 brands created, 0 mappings new, 0 changed, 2 unchanged", "segments: nothing changed, no refresh needed")
	})
}

func TestImportCommandRefusedFiles(t *testing.T) {
	dir := t.TempDir()
	monthly := filepath.Join(dir, "US_Search_Query_Performance_ASIN_View_Simple_Month_2026_01_31.csv")
	usData, err := os.ReadFile(usCSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(monthly, usData, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("without --keep-going the import stops at the refused file", func(t *testing.T) {
		db := openImportDB(t)
		code, out, errOut := importRun(t, db, importFlags{files: []string{monthly, usCSV}, noRefresh: true})
		if code != exitFailure {
			t.Errorf("exit %d, want %d", code, exitFailure)
		}
		wantLines(t, out, "files: 0 imported, 1 failed, 1 not tried (of 2)", "ASIN-weeks: 0 new, 0 changed, 0 unchanged")
		if !strings.Contains(errOut, "importing a monthly or quarterly report would double count") {
			t.Errorf("stderr does not say why: %s", errOut)
		}
	})

	t.Run("with --keep-going the good files are imported and the bad ones listed", func(t *testing.T) {
		db := openImportDB(t)
		missing := filepath.Join(dir, "missing.csv")
		code, out, _ := importRun(t, db, importFlags{files: []string{monthly, usCSV, missing}, keepGoing: true, noRefresh: true})
		if code != exitFailure {
			t.Errorf("exit %d, want %d", code, exitFailure)
		}
		wantLines(t, out, "files: 1 imported, 2 failed, 0 not tried (of 3)", "ASIN-weeks: 1 new, 0 changed, 0 unchanged",
			"query rows: 2 inserted, 0 updated, 0 deleted", "failed files (nothing of them was written):",
			"segments: not refreshed (--no-refresh); run `sqpdash refresh` to update the dashboard")
		if !strings.Contains(out, "  "+monthly+": ") || !strings.Contains(out, "  open "+missing+": ") {
			t.Errorf("bad files not listed:\n%s", out)
		}
	})
}

func TestParseImportFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		ok   bool
	}{
		{"files with flags", []string{"--marketplace", "uk", "--no-refresh", "--keep-going", "a.csv", "b.json"}, exitOK, true},
		{"help exits 0", []string{"--help"}, exitOK, false},
		{"no file is bad usage", nil, exitUsage, false},
		{"an unknown flag is bad usage", []string{"--nope", "a.csv"}, exitUsage, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, code, ok := parseImportFlags(tc.args, io.Discard)
			if code != tc.code || ok != tc.ok {
				t.Fatalf("parseImportFlags(%q) = %d, %t; want %d, %t", tc.args, code, ok, tc.code, tc.ok)
			}
			if ok && (f.marketplace != "UK" || !f.noRefresh || !f.keepGoing || len(f.files) != 2) {
				t.Errorf("flags %+v", f)
			}
		})
	}
	t.Run("an unknown marketplace is bad usage", func(t *testing.T) {
		code := importFiles(context.Background(), nil, nil, slog.New(slog.DiscardHandler),
			importFlags{marketplace: "XX", files: []string{"a.csv"}}, io.Discard, io.Discard)
		if code != exitUsage {
			t.Errorf("exit %d, want %d", code, exitUsage)
		}
	})
}

func TestProgressLine(t *testing.T) {
	if got := progressLine("f.csv", 500_000, 2_000_000); !strings.HasPrefix(got, "f.csv [#######.......................]  25% 0.5 of 2.0 MB") {
		t.Errorf("progress line %q", got)
	}
	if got := progressLine("f.csv", 2_000_000, 2_000_000); got != "f.csv: read 2.0 MB, storing in the database ..." {
		t.Errorf("progress line %q", got)
	}
}

// TestImportCommandTiming runs `sqpdash import` on a generated SP-API document of 200,000 query rows
// (2,000 ASINs x 100 queries, one week): reading, checking and storing, then the refresh. It runs only
// when SQPDASH_IMPORT_TIMING=1 (docs/import.md):
//
//	SQPDASH_IMPORT_TIMING=1 go test ./cmd/sqpdash -run TestImportCommandTiming -v
func TestImportCommandTiming(t *testing.T) {
	if os.Getenv("SQPDASH_IMPORT_TIMING") != "1" {
		t.Skip("set SQPDASH_IMPORT_TIMING=1 to time an import of 200,000 query rows")
	}
	path := filepath.Join(t.TempDir(), "report-200k.json")
	if err := writeLargeReport(path, 2000, 100); err != nil {
		t.Fatal(err)
	}
	db := openImportDB(t)
	for _, round := range []string{"import", "re-import"} {
		code, out, errOut := importRun(t, db, importFlags{files: []string{path}, noRefresh: true})
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", round, code, errOut)
		}
		t.Logf("%s:\n%s", round, out)
	}
}

// writeLargeReport writes an SP-API document with asins x queries records for the week of 2025-01-05.
func writeLargeReport(path string, asins, queries int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	// A bufio.Writer keeps its first error and returns it from every later call: Flush below reports it.
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `{"reportSpecification":{"reportType":"GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT",`+
		`"reportOptions":{"reportPeriod":"WEEK","asin":""},"dataStartTime":"2025-01-05","dataEndTime":"2025-01-11",`+
		`"marketplaceIds":["ATVPDKIKX0DER"]},"dataByAsin":[`)
	for a := range asins {
		for q := range queries {
			if a+q > 0 {
				_ = w.WriteByte(',')
			}
			fmt.Fprintf(w, `{"startDate":"2025-01-05","endDate":"2025-01-11","asin":"B0T%07d",`+
				`"searchQueryData":{"searchQuery":"search query %d","searchQueryScore":%d,"searchQueryVolume":%d},`+
				`"impressionData":{"totalQueryImpressionCount":%d,"asinImpressionCount":%d,"asinImpressionShare":0.1},`+
				`"clickData":{"totalClickCount":%d,"asinClickCount":%d,"asinClickShare":0.1,`+
				`"totalMedianClickPrice":{"amount":19.99,"currencyCode":"USD"},"asinMedianClickPrice":{"amount":18.5,"currencyCode":"USD"},`+
				`"totalSameDayShippingClickCount":1,"totalOneDayShippingClickCount":2,"totalTwoDayShippingClickCount":3},`+
				`"cartAddData":{"totalCartAddCount":%d,"asinCartAddCount":%d,"asinCartAddShare":0.1,`+
				`"totalSameDayShippingCartAddCount":1,"totalOneDayShippingCartAddCount":1,"totalTwoDayShippingCartAddCount":1},`+
				`"purchaseData":{"totalPurchaseCount":%d,"asinPurchaseCount":%d,"asinPurchaseShare":0.1,`+
				`"asinMedianPurchasePrice":{"amount":21.0,"currencyCode":"USD"}}}`,
				a, q, q+1, 1000*(q+1), 900*(q+1), 90*(q+1), 80*(q+1), 8*(q+1), 40*(q+1), 4*(q+1), 20*(q+1), 2*(q+1))
		}
	}
	fmt.Fprint(w, "]}")
	return errors.Join(w.Flush(), f.Close())
}
