package importer

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// refusedPeriodReason says why monthly and quarterly reports are not imported.
const refusedPeriodReason = "only weekly reports can be imported: segments are built from weekly reports " +
	"(months from the weeks that start in them), so importing a monthly or quarterly report would double count; " +
	"download the weekly report instead"

// refusedBrandViewReason says why the Brand view is not imported.
const refusedBrandViewReason = "the Brand view is not imported: it sums all ASINs of a brand, while sqpdash " +
	"stores each ASIN's queries; download the ASIN view instead"

var (
	// sellerCentralName is the name Seller Central gives its downloads, e.g.
	// US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv (the date is the period's last day).
	sellerCentralName = regexp.MustCompile(`(?i)^([A-Z]{2})_Search_Query_Performance_(ASIN|Brand)_View_(Simple|Comprehensive)_(Week|Month|Quarter)_(\d{4})_(\d{2})_(\d{2})`)
	isoDate           = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	metadataCell      = regexp.MustCompile(`^\s*([^=]+?)\s*=\s*\[(.*)\]\s*$`)
)

// metadata is what line 1 of a Seller Central CSV says about the report.
type metadata struct {
	values map[string][]string // by lower-cased key
	keys   map[string]string   // lower-cased key -> key as written
}

// period is a report period and where it was read from, for cross-check messages.
type period struct {
	start, end time.Time
	source     string
}

// csvParser reads one Seller Central CSV.
type csvParser struct {
	name           string
	res            *Result
	currency       string
	noMarketplace  *Error // why the marketplace is unknown; nil when it is known
	reportDateLine int    // first line with a Reporting Date, for messages
}

// parseSellerCentral reads a Seller Central SQP download, ASIN view, weekly: a metadata line, a header
// line, then one row per search query.
func parseSellerCentral(name string, br *bufio.Reader, opts Options) (*Result, error) {
	p := &csvParser{name: name, res: &Result{File: name, Format: FormatSellerCentralCSV}}
	first, err := br.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Reason: fmt.Sprintf("read: %v", err)}
	}
	meta, ok := parseMetadata(first)
	if !ok {
		return nil, p.unrecognised(first)
	}
	asin, metaWeek, err := p.checkMetadata(meta)
	if err != nil {
		return nil, err
	}
	nameWeekEnd, err := p.checkFileName(opts)
	if err != nil {
		return nil, err
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Location: "line 2", Reason: "the header line is missing"}
		}
		return nil, p.csvError(err)
	}
	cols, err := p.mapHeader(header)
	if err != nil {
		return nil, err
	}
	queries, reportDate, err := p.readRows(cr, cols)
	if err != nil {
		return nil, err
	}
	week, err := p.crossCheckPeriod(metaWeek, reportDate, nameWeekEnd)
	if err != nil {
		return nil, err
	}
	if p.noMarketplace != nil {
		return nil, p.noMarketplace
	}
	if len(queries) == 0 {
		p.warn("", "the report has no query rows (normal for a low-traffic ASIN): nothing is stored for "+
			asin+" in the week of "+week.start.Format(time.DateOnly))
		return p.res, nil
	}
	p.res.Reports = []sqp.WeeklyReport{{ASIN: asin, Marketplace: p.res.Marketplace, WeekStart: week.start, WeekEnd: week.end, Queries: queries}}
	return p.res, nil
}

// parseMetadata reads line 1: CSV cells of the form Key=["value"]. ok is false when no cell has that form.
func parseMetadata(line string) (metadata, bool) {
	line = strings.TrimRight(line, "\r\n")
	cr := csv.NewReader(strings.NewReader(line))
	cells, err := cr.Read()
	if err != nil {
		// Hand-edited files sometimes lose the CSV quoting of line 1; read it leniently.
		cr = csv.NewReader(strings.NewReader(line))
		cr.LazyQuotes = true
		if cells, err = cr.Read(); err != nil {
			return metadata{}, false
		}
	}
	m := metadata{values: map[string][]string{}, keys: map[string]string{}}
	for _, c := range cells {
		match := metadataCell.FindStringSubmatch(c)
		if match == nil {
			continue
		}
		key := headerKey(match[1])
		vr := csv.NewReader(strings.NewReader(match[2]))
		vr.LazyQuotes = true
		vals, err := vr.Read()
		if err != nil {
			vals = []string{match[2]}
		}
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		m.values[key] = vals
		m.keys[key] = strings.TrimSpace(match[1])
	}
	return m, len(m.values) > 0
}

// lookup returns the value of the first key present that contains one of the given words.
func (m metadata) lookup(words ...string) (key string, vals []string, ok bool) {
	for _, w := range words {
		for k, v := range m.values {
			if strings.Contains(k, w) {
				return m.keys[k], v, true
			}
		}
	}
	return "", nil, false
}

// checkMetadata refuses what is not an ASIN view weekly report and returns the ASIN and the week the
// metadata line states (zero when it states none).
func (p *csvParser) checkMetadata(m metadata) (string, period, error) {
	loc := "line 1"
	if k, v, ok := m.lookup("brand"); ok {
		return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: strings.Join(v, ","), Reason: refusedBrandViewReason}
	}
	if k, v, ok := m.lookup("reporting range"); ok {
		switch r := strings.ToLower(strings.Join(v, "")); r {
		case "weekly", "week":
		case "monthly", "month", "quarterly", "quarter":
			return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: strings.Join(v, ","), Reason: refusedPeriodReason}
		default:
			return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: strings.Join(v, ","), Expected: `"Weekly"`}
		}
	}
	if k, v, ok := m.lookup("select month", "select quarter"); ok {
		return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: strings.Join(v, ","), Reason: refusedPeriodReason}
	}

	k, v, ok := m.lookup("asin", "product")
	if !ok {
		return "", period{}, &Error{File: p.name, Location: loc, Reason: `the metadata line names no ASIN: expected a cell such as ` +
			`"ASIN or Product=[""B0C1234567""]" (the ASIN view states its ASIN only there)`}
	}
	asin := ""
	for _, val := range v {
		for _, tok := range strings.FieldsFunc(val, func(r rune) bool { return !isAlnum(r) }) {
			// A product title may follow the ASIN; a ten-letter word of it is not an ASIN (they hold digits).
			if !strings.ContainsAny(tok, "0123456789") {
				continue
			}
			if a, ok := normalizeASIN(tok); ok && asin == "" {
				asin = a
			} else if ok && a != asin {
				return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: strings.Join(v, ","),
					Expected: "exactly one ASIN (the ASIN view covers one)"}
			}
		}
	}
	if asin == "" {
		return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: strings.Join(v, ","), Expected: expectASIN}
	}

	k, v, ok = m.lookup("select week", "week")
	if !ok {
		return asin, period{}, nil
	}
	text := strings.Join(v, ",")
	dates := isoDate.FindAllString(text, -1)
	expected := `a week such as "Week 5 | 2026-01-25 - 2026-01-31 2026" (start and end as YYYY-MM-DD)`
	if len(dates) != 2 {
		return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: text, Expected: expected}
	}
	start, ok1 := parseDate(dates[0])
	end, ok2 := parseDate(dates[1])
	if !ok1 || !ok2 {
		return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: text, Expected: expected}
	}
	if why := checkWeek(start, end); why != "" {
		return "", period{}, &Error{File: p.name, Location: loc, Field: k, Value: text, Reason: why}
	}
	return asin, period{start: start, end: end, source: fmt.Sprintf("the metadata line (%s=%s)", k, text)}, nil
}

func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// checkFileName reads the period and marketplace from a Seller Central file name, when the file still
// has one (uploads and renamed files may not), and decides the marketplace of the report and so the
// currency of its prices. The CSV itself never says its marketplace: it comes from the name's country code
// (US_, UK_, DE_, ...) or from opts.Marketplace; when neither gives one the file is refused, because
// guessing would store it under the wrong marketplace (and the wrong currency).
func (p *csvParser) checkFileName(opts Options) (time.Time, error) {
	var end time.Time
	var market sqp.Marketplace
	if code := strings.TrimSpace(opts.Marketplace); code != "" {
		m, ok := sqp.MarketplaceByCode(code)
		if !ok || !sqp.IsImportable(m.Code) {
			return end, &Error{File: p.name, Field: "marketplace", Value: code, Expected: expectMarketplace}
		}
		market = m
	}
	base := path.Base(strings.ReplaceAll(p.name, `\`, "/"))
	match := sellerCentralName.FindStringSubmatch(base)
	if match != nil {
		if strings.EqualFold(match[2], "Brand") {
			return end, &Error{File: p.name, Field: "file name", Value: base, Reason: refusedBrandViewReason}
		}
		if !strings.EqualFold(match[4], "Week") {
			return end, &Error{File: p.name, Field: "file name", Value: base, Reason: refusedPeriodReason}
		}
		var ok bool
		if end, ok = parseDate(match[5] + "-" + match[6] + "-" + match[7]); !ok {
			return end, &Error{File: p.name, Field: "file name", Value: base, Expected: "a valid date at the end (YYYY_MM_DD)"}
		}
		named, known := sqp.MarketplaceByCode(match[1])
		switch {
		case !known || !sqp.IsImportable(named.Code):
			return end, &Error{File: p.name, Field: "file name", Value: base,
				Reason: fmt.Sprintf("%s is not an Amazon marketplace country code (%s)", strings.ToUpper(match[1]), expectMarketplace)}
		case market.Code == "":
			market = named
		case market.Code != named.Code:
			return end, &Error{File: p.name, Field: "file name", Value: base,
				Reason: fmt.Sprintf("the file is from marketplace %s but the import is for marketplace %s", named.Code, market.Code)}
		}
	}
	if market.Code == "" {
		// Said after the checks of the content, so that a file with other faults lists those first.
		p.noMarketplace = &Error{File: p.name, Field: "marketplace", Value: base,
			Reason: "the marketplace of the file cannot be determined: its name does not start with the country code " +
				"Seller Central gives it (US_, UK_, DE_, ...); keep the downloaded name, or import it with --marketplace"}
		return end, nil
	}
	p.res.Marketplace = market.Code
	p.currency = market.Currency
	return end, nil
}

// columnMap is where each known column sits in the header.
type columnMap struct {
	index []int // index[i] = position of sellerCentralColumns()[i], -1 when absent
	defs  []column
	names []string // header cells as written
	pos   map[string]int
}

// mapHeader finds the known columns in the header (line 2) through the alias table.
func (p *csvParser) mapHeader(header []string) (columnMap, error) {
	defs := sellerCentralColumns()
	byKey := map[string]int{}
	for i, d := range defs {
		byKey[headerKey(d.header)] = i
		byKey[headerKey(strings.ReplaceAll(d.header, "-", " "))] = i
		for _, a := range d.aliases {
			byKey[headerKey(a)] = i
		}
	}
	cm := columnMap{index: make([]int, len(defs)), defs: defs, names: append([]string(nil), header...), pos: map[string]int{}}
	for i := range cm.index {
		cm.index[i] = -1
	}
	for pos, h := range header {
		key := headerKey(h)
		if strings.Contains(key, "brand count") || strings.Contains(key, "brand share") {
			return cm, &Error{File: p.name, Location: "line 2", Field: strings.TrimSpace(h), Reason: refusedBrandViewReason}
		}
		i, ok := byKey[key]
		if !ok {
			i, ok = byKey[strings.ReplaceAll(key, "-", " ")]
		}
		if !ok {
			if key != "" {
				p.warn("line 2", fmt.Sprintf("column %q is not a known Seller Central column: ignored", strings.TrimSpace(h)))
			}
			continue
		}
		if cm.index[i] >= 0 {
			return cm, &Error{File: p.name, Location: "line 2", Field: strings.TrimSpace(h),
				Reason: fmt.Sprintf("the column appears twice (also as %q)", header[cm.index[i]])}
		}
		cm.index[i] = pos
		cm.pos[defs[i].header] = pos
	}
	for i, d := range defs {
		if cm.index[i] < 0 && (d.kind == kindQuery || d.kind == kindCount) {
			return cm, &Error{File: p.name, Location: "line 2", Field: d.header,
				Reason: "this column is missing from the header; expected the ASIN view header of a Seller Central SQP download"}
		}
	}
	return cm, nil
}

// blankCount tracks the rows whose core count was blank, for one warning per column.
type blankCount struct {
	rows      int
	firstLine int
}

// readRows reads the query rows after the header. It returns the Reporting Date all rows share (zero when
// the column is absent).
func (p *csvParser) readRows(cr *csv.Reader, cm columnMap) ([]sqp.QueryRow, time.Time, error) {
	var (
		queries    []sqp.QueryRow
		reportDate time.Time
		dateLine   int
		seen       = map[string]int{}
		blanks     = make([]blankCount, len(cm.defs))
	)
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, reportDate, p.csvError(err)
		}
		l, _ := cr.FieldPos(0)
		line := l + 1 // the csv.Reader started after the metadata line
		loc := fmt.Sprintf("line %d", line)
		if allBlank(cells) {
			continue
		}
		if len(cells) != len(cm.names) {
			return nil, reportDate, &Error{File: p.name, Location: loc,
				Reason: fmt.Sprintf("the row has %d cells, expected %d like the header", len(cells), len(cm.names))}
		}
		var row sqp.QueryRow
		row.CurrencyCode = p.currency
		for i, d := range cm.defs {
			pos := cm.index[i]
			if pos < 0 {
				continue
			}
			cell := cells[pos]
			field := strings.TrimSpace(cm.names[pos])
			bad := func(expected string) error {
				return &Error{File: p.name, Location: loc, Field: field, Value: cell, Expected: expected}
			}
			switch d.kind {
			case kindQuery:
				row.SearchQuery = strings.TrimSpace(cell)
				if row.SearchQuery == "" {
					return nil, reportDate, bad("a search query (it is empty)")
				}
				if err := checkQueryText(p.name, loc, field, row.SearchQuery); err != nil {
					return nil, reportDate, err
				}
			case kindScore:
				if isMissing(cell) {
					continue
				}
				n, ok := parseScore(cell)
				if !ok {
					return nil, reportDate, bad(expectScore)
				}
				row.SearchQueryScore = &n
			case kindCount:
				if isMissing(cell) {
					if blanks[i].rows == 0 {
						blanks[i].firstLine = line
					}
					blanks[i].rows++
					continue
				}
				n, ok := parseCount(cell)
				if !ok {
					return nil, reportDate, bad(expectCount)
				}
				*d.count(&row) = n
			case kindOptional:
				if isMissing(cell) {
					continue
				}
				n, ok := parseCount(cell)
				if !ok {
					return nil, reportDate, bad(expectCount)
				}
				*d.optional(&row) = &n
			case kindPrice:
				if isMissing(cell) {
					continue
				}
				c, ok := parseCents(cell)
				if !ok {
					return nil, reportDate, bad(expectPrice)
				}
				*d.price(&row) = &c
			case kindShare:
				if isMissing(cell) {
					continue
				}
				if f, ok := parsePercent(cell); !ok {
					p.warn(loc, fmt.Sprintf("column %q: %q is not a number (shares are recomputed from counts; ignored)", field, cell))
				} else if f > 100 {
					p.warn(loc, fmt.Sprintf("column %q: share %s%% is over 100%%", field, strings.TrimSpace(cell)))
				}
			case kindReportDate:
				date, ok := parseDate(cell)
				if !ok {
					return nil, reportDate, bad(expectDate)
				}
				if dateLine == 0 {
					reportDate, dateLine = date, line
				} else if !date.Equal(reportDate) {
					return nil, reportDate, bad(fmt.Sprintf("%s like line %d: one report covers one week",
						reportDate.Format(time.DateOnly), dateLine))
				}
			}
		}
		for i, d := range cm.defs {
			if d.total == "" || cm.index[i] < 0 {
				continue
			}
			asinCount, total := *d.count(&row), *cm.countOf(d.total)(&row)
			if asinCount > total {
				p.warn(loc, fmt.Sprintf("%q %d is above %q %d (query %q)", d.header, asinCount, d.total, total, row.SearchQuery))
			}
		}
		if prev, dup := seen[row.SearchQuery]; dup {
			return nil, reportDate, &Error{File: p.name, Location: loc, Field: strings.TrimSpace(cm.names[cm.pos["Search Query"]]),
				Value: row.SearchQuery, Reason: fmt.Sprintf("the search query already appears on line %d: each query once per report", prev)}
		}
		seen[row.SearchQuery] = line
		queries = append(queries, row)
	}
	for i, b := range blanks {
		if b.rows > 0 {
			p.warn("", fmt.Sprintf("column %q was blank or \"-\" on %d row(s), first on line %d: stored as 0",
				strings.TrimSpace(cm.names[cm.index[i]]), b.rows, b.firstLine))
		}
	}
	p.reportDateLine = dateLine
	return queries, reportDate, nil
}

// countOf returns the accessor of the count column with the given US header.
func (cm columnMap) countOf(header string) func(*sqp.QueryRow) *int64 {
	for _, d := range cm.defs {
		if d.header == header {
			return d.count
		}
	}
	panic("importer: unknown count column " + header) // a typo in sellerCentralColumns, caught by tests
}

// crossCheckPeriod decides the week from the metadata line, the Reporting Date column and the file name,
// and refuses the file when they disagree or the week is not Sunday to Saturday.
func (p *csvParser) crossCheckPeriod(meta period, reportDate, nameEnd time.Time) (period, error) {
	week := meta
	if week.end.IsZero() {
		if reportDate.IsZero() {
			return week, &Error{File: p.name, Reason: "the report states no week: expected \"Select week=[...]\" on line 1 " +
				"or a \"Reporting Date\" column"}
		}
		week = period{start: reportDate.AddDate(0, 0, -6), end: reportDate, source: "the Reporting Date column"}
		if why := checkWeek(week.start, week.end); why != "" {
			return week, &Error{File: p.name, Location: fmt.Sprintf("line %d", p.reportDateLine), Field: "Reporting Date",
				Value: reportDate.Format(time.DateOnly), Expected: "a Saturday, the last day of an Amazon week",
				Reason: why}
		}
	}
	if !reportDate.IsZero() && !reportDate.Equal(week.end) {
		return week, &Error{File: p.name, Location: fmt.Sprintf("line %d", p.reportDateLine), Field: "Reporting Date",
			Value: reportDate.Format(time.DateOnly), Expected: week.end.Format(time.DateOnly) + ", the week end " + week.source + " states"}
	}
	if !nameEnd.IsZero() && !nameEnd.Equal(week.end) {
		return week, &Error{File: p.name, Field: "file name", Value: nameEnd.Format("2006_01_02"),
			Expected: week.end.Format("2006_01_02") + ", the week end " + week.source + " states"}
	}
	return week, nil
}

// unrecognised explains why line 1 is neither metadata nor a known header.
func (p *csvParser) unrecognised(line string) error {
	if strings.Contains(headerKey(line), "search query") {
		return &Error{File: p.name, Location: "line 1", Reason: "the file starts with the header: the Seller Central " +
			`metadata line (such as "ASIN or Product=[""B0C1234567""]","Select week=[...]") is missing, and it is ` +
			"the only place the ASIN view names its ASIN; download the report again without editing it"}
	}
	short := strings.TrimSpace(line)
	if len(short) > 80 {
		short = short[:80] + "..."
	}
	return &Error{File: p.name, Location: "line 1", Value: short,
		Expected: "an SP-API JSON report ({...}), a Seller Central SQP CSV (line 1: Key=[\"value\"] cells) " +
			"or a brand-mapping CSV (header asin,brand,product_title[,active])"}
}

func (p *csvParser) warn(loc, msg string) {
	p.res.Warnings = append(p.res.Warnings, Warning{File: p.name, Location: loc, Message: msg})
}

// csvError reports a CSV syntax error with the line number of the whole file.
func (p *csvParser) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{File: p.name, Location: fmt.Sprintf("line %d, column %d", pe.Line+1, pe.Column),
			Reason: "malformed CSV: " + pe.Err.Error()}
	}
	return &Error{File: p.name, Reason: fmt.Sprintf("read CSV: %v", err)}
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
