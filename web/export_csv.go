package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
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

// writeCSV sends records as a CSV download named filename.
func writeCSV(c echo.Context, filename string, records [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(records); err != nil {
		return fmt.Errorf("write %s: %w", filename, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", filename))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
