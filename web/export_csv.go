package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/metrics"
)

// dateLayout is how exports and the API write dates.
const dateLayout = "2006-01-02"

// metricHeader names the metric columns of an export; with a comparison, every metric is followed by its
// change, whose unit is in the name (_change_pct for counts and money, _change_pp for rates and shares).
func metricHeader(compare bool) []string {
	var h []string
	for _, k := range metrics.All() {
		h = append(h, string(k))
		if compare {
			h = append(h, string(k)+changeSuffix(k))
		}
	}
	return h
}

func changeSuffix(k metrics.Key) string {
	if metrics.KindOf(k) == metrics.Percent {
		return "_change_pp"
	}
	return "_change_pct"
}

// metricRecord is the metric columns of one row: exact numbers, empty where a value is undefined.
func metricRecord(cur metrics.Counts, base *metrics.Counts) []string {
	var r []string
	for _, k := range metrics.All() {
		r = append(r, csvValue(cur.Get(k)))
		if base != nil {
			d := metrics.Change(k, cur, *base)
			r = append(r, csvValue(metrics.Value{V: d.V, OK: d.OK}))
		}
	}
	return r
}

func csvValue(v metrics.Value) string {
	if !v.OK {
		return ""
	}
	return strconv.FormatFloat(v.V, 'f', -1, 64)
}

// writeCSV sends records as a CSV download named filename. Every cell goes through spreadsheetSafe: the
// exports are made to be opened in a spreadsheet, and some of their text (product titles) comes from
// uploads.
func writeCSV(c echo.Context, filename string, records [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, rec := range records {
		for i, cell := range rec {
			rec[i] = spreadsheetSafe(cell)
		}
	}
	if err := w.WriteAll(records); err != nil {
		return fmt.Errorf("write %s: %w", filename, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", filename))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvNumber is a plain decimal number, as strconv.FormatFloat and strconv.Itoa write them: a spreadsheet
// reads it as a number, never as a formula.
var csvNumber = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// spreadsheetSafe neutralises a CSV cell that a spreadsheet would run as a formula (CSV injection, as
// OWASP describes it): a text cell that begins with =, +, -, @, a tab or a carriage return gets a
// leading single quote, which spreadsheets take as "this is text" and Excel does not show. Numbers are
// left as they are, so a change of -5.2 stays the number -5.2.
func spreadsheetSafe(cell string) string {
	if cell == "" || csvNumber.MatchString(cell) {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
