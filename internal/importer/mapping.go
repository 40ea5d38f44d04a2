package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// mappingColumns is the header of the brand-mapping CSV; a fourth column, active, is optional.
var mappingColumns = []string{"asin", "brand", "product_title", "active"}

// isMappingHeader reports whether line is the header of a brand-mapping CSV: asin,brand,product_title
// with an optional active column, in that order, in any letter case.
func isMappingHeader(line []byte) bool {
	cells, err := csv.NewReader(strings.NewReader(string(line))).Read()
	if err != nil || len(cells) < 3 || len(cells) > 4 {
		return false
	}
	for i, c := range cells {
		if !strings.EqualFold(strings.TrimSpace(c), mappingColumns[i]) {
			return false
		}
	}
	return true
}

// parseMapping reads a brand-mapping CSV: one line per ASIN, assigning it to a brand (created when new),
// with an optional product title and an optional active flag (default true).
func parseMapping(name string, r io.Reader) (*Result, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(name, err)
	}
	res := &Result{File: name, Format: FormatBrandMapping}
	seen := map[string]int{}
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		loc := fmt.Sprintf("line %d", line)
		if len(cells) != len(header) {
			if len(cells) == 1 && strings.TrimSpace(cells[0]) == "" {
				continue
			}
			return nil, &Error{File: name, Location: loc, Value: strings.Join(cells, ","),
				Expected: fmt.Sprintf("%d cells (%s)", len(header), strings.Join(mappingColumns[:len(header)], ","))}
		}
		asin, ok := normalizeASIN(cells[0])
		if !ok {
			return nil, &Error{File: name, Location: loc, Field: "asin", Value: cells[0], Expected: expectASIN}
		}
		if prev, dup := seen[asin]; dup {
			return nil, &Error{File: name, Location: loc, Field: "asin", Value: asin,
				Reason: fmt.Sprintf("the ASIN is already mapped on line %d: one brand per ASIN", prev)}
		}
		seen[asin] = line
		brand := strings.TrimSpace(cells[1])
		if brand == "" {
			return nil, &Error{File: name, Location: loc, Field: "brand", Value: cells[1], Expected: "a brand name"}
		}
		m := sqp.BrandMapping{ASIN: asin, Brand: brand, ProductTitle: strings.TrimSpace(cells[2]), Active: true}
		if len(cells) == 4 && strings.TrimSpace(cells[3]) != "" {
			active, ok := parseBool(cells[3])
			if !ok {
				return nil, &Error{File: name, Location: loc, Field: "active", Value: cells[3],
					Expected: "true or false (also yes/no, 1/0; blank means true)"}
			}
			m.Active = active
		}
		res.Mappings = append(res.Mappings, m)
	}
	if len(res.Mappings) == 0 {
		return nil, &Error{File: name, Reason: "the brand-mapping CSV has a header but no rows"}
	}
	return res, nil
}

// parseBool reads the spellings of yes and no that people type into spreadsheets.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y":
		return true, true
	case "no", "n":
		return false, true
	}
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	return b, err == nil
}

// csvError turns an encoding/csv error (which knows the line) into an *Error.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: name, Location: fmt.Sprintf("line %d, column %d", pe.Line, pe.Column),
			Reason: "malformed CSV: " + pe.Err.Error()}
	}
	return &Error{File: name, Reason: fmt.Sprintf("read CSV: %v", err)}
}
