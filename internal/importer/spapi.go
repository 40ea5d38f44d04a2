package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// spReportType is the only SP-API report type the importer reads.
const spReportType = "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT"

// spSpecification is the reportSpecification of an SP-API document.
type spSpecification struct {
	ReportType    string `json:"reportType"`
	ReportOptions struct {
		ReportPeriod string `json:"reportPeriod"`
		ASIN         string `json:"asin"`
	} `json:"reportOptions"`
	DataStartTime  string   `json:"dataStartTime"`
	DataEndTime    string   `json:"dataEndTime"`
	MarketplaceIDs []string `json:"marketplaceIds"`
}

// spMoney is a price: {amount, currencyCode}.
type spMoney struct {
	Amount       json.Number `json:"amount"`
	CurrencyCode string      `json:"currencyCode"`
}

// spRecord is one element of dataByAsin: one search query of one ASIN. Numbers are json.Number so that a
// missing value ("", absent or null) is told apart from 0, and prices are read from their decimal text;
// values rather than pointers keep a 200,000-record document from costing millions of allocations.
type spRecord struct {
	StartDate       string `json:"startDate"`
	EndDate         string `json:"endDate"`
	ASIN            string `json:"asin"`
	SearchQueryData *struct {
		SearchQuery       *string     `json:"searchQuery"`
		SearchQueryScore  json.Number `json:"searchQueryScore"`
		SearchQueryVolume json.Number `json:"searchQueryVolume"`
	} `json:"searchQueryData"`
	ImpressionData struct {
		TotalQueryImpressionCount json.Number `json:"totalQueryImpressionCount"`
		ASINImpressionCount       json.Number `json:"asinImpressionCount"`
		ASINImpressionShare       json.Number `json:"asinImpressionShare"`
	} `json:"impressionData"`
	ClickData struct {
		TotalClickCount                json.Number `json:"totalClickCount"`
		ASINClickCount                 json.Number `json:"asinClickCount"`
		ASINClickShare                 json.Number `json:"asinClickShare"`
		TotalMedianClickPrice          *spMoney    `json:"totalMedianClickPrice"`
		ASINMedianClickPrice           *spMoney    `json:"asinMedianClickPrice"`
		TotalSameDayShippingClickCount json.Number `json:"totalSameDayShippingClickCount"`
		TotalOneDayShippingClickCount  json.Number `json:"totalOneDayShippingClickCount"`
		TotalTwoDayShippingClickCount  json.Number `json:"totalTwoDayShippingClickCount"`
	} `json:"clickData"`
	CartAddData struct {
		TotalCartAddCount                json.Number `json:"totalCartAddCount"`
		ASINCartAddCount                 json.Number `json:"asinCartAddCount"`
		ASINCartAddShare                 json.Number `json:"asinCartAddShare"`
		TotalMedianCartAddPrice          *spMoney    `json:"totalMedianCartAddPrice"`
		ASINMedianCartAddPrice           *spMoney    `json:"asinMedianCartAddPrice"`
		TotalSameDayShippingCartAddCount json.Number `json:"totalSameDayShippingCartAddCount"`
		TotalOneDayShippingCartAddCount  json.Number `json:"totalOneDayShippingCartAddCount"`
		TotalTwoDayShippingCartAddCount  json.Number `json:"totalTwoDayShippingCartAddCount"`
	} `json:"cartAddData"`
	PurchaseData struct {
		TotalPurchaseCount                json.Number `json:"totalPurchaseCount"`
		ASINPurchaseCount                 json.Number `json:"asinPurchaseCount"`
		ASINPurchaseShare                 json.Number `json:"asinPurchaseShare"`
		TotalMedianPurchasePrice          *spMoney    `json:"totalMedianPurchasePrice"`
		ASINMedianPurchasePrice           *spMoney    `json:"asinMedianPurchasePrice"`
		TotalSameDayShippingPurchaseCount json.Number `json:"totalSameDayShippingPurchaseCount"`
		TotalOneDayShippingPurchaseCount  json.Number `json:"totalOneDayShippingPurchaseCount"`
		TotalTwoDayShippingPurchaseCount  json.Number `json:"totalTwoDayShippingPurchaseCount"`
	} `json:"purchaseData"`
}

// jsonParser reads one SP-API document.
type jsonParser struct {
	name string
	res  *Result
	// blanks counts, per field path, the records whose core count was missing (stored as 0).
	blanks map[string][]int
}

// parseSPAPI reads a GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT document. It streams dataByAsin
// record by record, so a large document is never held twice in memory.
func parseSPAPI(name string, r io.Reader, opts Options) (*Result, error) {
	p := &jsonParser{name: name, res: &Result{File: name, Format: FormatSPAPIJSON}, blanks: map[string][]int{}}
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the opening '{', checked by the caller
		return nil, p.syntaxError(err, "")
	}
	var (
		spec    *spSpecification
		records []sqp.QueryRow
		keys    []recordKey
		sawData bool
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, p.syntaxError(err, "")
		}
		key, _ := tok.(string)
		switch key {
		case "errorDetails":
			var details any
			if err := dec.Decode(&details); err != nil {
				return nil, p.syntaxError(err, "errorDetails")
			}
			text, ok := details.(string)
			if !ok {
				b, _ := json.Marshal(details)
				text = string(b)
			}
			return nil, &Error{File: name, Reason: "Amazon returned a failed report: " + text}
		case "reportSpecification":
			spec = new(spSpecification)
			if err := dec.Decode(spec); err != nil {
				return nil, p.decodeError(err, "reportSpecification")
			}
		case "dataByAsin":
			sawData = true
			if err := p.expectDelim(dec, '[', "dataByAsin", "an array of records"); err != nil {
				return nil, err
			}
			for i := 0; dec.More(); i++ {
				var rec spRecord
				loc := fmt.Sprintf("dataByAsin[%d]", i)
				if err := dec.Decode(&rec); err != nil {
					return nil, p.decodeError(err, loc)
				}
				row, k, err := p.convert(loc, i, &rec)
				if err != nil {
					return nil, err
				}
				records = append(records, row)
				keys = append(keys, k)
			}
			if _, err := dec.Token(); err != nil {
				return nil, p.syntaxError(err, "dataByAsin")
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, p.syntaxError(err, key)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, p.syntaxError(err, "")
	}
	if spec == nil {
		return nil, &Error{File: name, Field: "reportSpecification", Reason: "the document has no reportSpecification: " +
			"expected an SP-API " + spReportType + " document"}
	}
	if !sawData {
		return nil, &Error{File: name, Field: "dataByAsin", Reason: "the document has no dataByAsin array"}
	}
	week, requested, err := p.checkSpecification(spec)
	if err != nil {
		return nil, err
	}
	market, err := p.marketplace(spec, opts)
	if err != nil {
		return nil, err
	}
	p.res.Marketplace = market.Code
	if err := p.checkCurrency(records, keys, market); err != nil {
		return nil, err
	}
	if err := p.group(records, keys, week, requested); err != nil {
		return nil, err
	}
	p.blankWarnings()
	return p.res, nil
}

// recordKey is where a record belongs: its ASIN and dates, and its index for messages.
type recordKey struct {
	asin       string
	start, end time.Time
	index      int
}

// checkSpecification refuses what is not a weekly SQP report and returns its week and requested ASINs.
func (p *jsonParser) checkSpecification(spec *spSpecification) (period, []string, error) {
	f := func(field, value, expected string) error {
		return &Error{File: p.name, Location: "reportSpecification", Field: field, Value: value, Expected: expected}
	}
	if spec.ReportType != "" && spec.ReportType != spReportType {
		return period{}, nil, f("reportType", spec.ReportType, spReportType)
	}
	switch spec.ReportOptions.ReportPeriod {
	case "WEEK", "":
	case "MONTH", "QUARTER":
		return period{}, nil, &Error{File: p.name, Location: "reportSpecification", Field: "reportOptions.reportPeriod",
			Value: spec.ReportOptions.ReportPeriod, Reason: refusedPeriodReason}
	default:
		return period{}, nil, f("reportOptions.reportPeriod", spec.ReportOptions.ReportPeriod, "WEEK")
	}
	start, ok := parseDate(spec.DataStartTime)
	if !ok {
		return period{}, nil, f("dataStartTime", spec.DataStartTime, expectDate)
	}
	end, ok := parseDate(spec.DataEndTime)
	if !ok {
		return period{}, nil, f("dataEndTime", spec.DataEndTime, expectDate)
	}
	if why := checkWeek(start, end); why != "" {
		return period{}, nil, &Error{File: p.name, Location: "reportSpecification", Field: "dataStartTime..dataEndTime",
			Value: spec.DataStartTime + ".." + spec.DataEndTime, Reason: why}
	}
	var requested []string
	for _, a := range strings.Fields(spec.ReportOptions.ASIN) {
		if n, ok := normalizeASIN(a); ok {
			requested = append(requested, n)
		}
	}
	return period{start: start, end: end, source: "reportSpecification"}, requested, nil
}

// marketplace reads the report's marketplace from reportSpecification.marketplaceIds (an SP-API SQP report
// covers exactly one). Without it, opts.Marketplace decides; with neither, the file is refused rather than
// stored under a guessed marketplace.
func (p *jsonParser) marketplace(spec *spSpecification, opts Options) (sqp.Marketplace, error) {
	var chosen sqp.Marketplace
	if code := strings.TrimSpace(opts.Marketplace); code != "" {
		m, ok := sqp.MarketplaceByCode(code)
		if !ok || !sqp.IsImportable(m.Code) {
			return m, &Error{File: p.name, Field: "marketplace", Value: code, Expected: expectMarketplace}
		}
		chosen = m
	}
	ids := spec.MarketplaceIDs
	switch {
	case len(ids) > 1:
		return chosen, &Error{File: p.name, Location: "reportSpecification", Field: "marketplaceIds",
			Value: strings.Join(ids, ", "), Reason: "an SQP report covers one marketplace; this one lists several"}
	case len(ids) == 1:
		m, ok := sqp.MarketplaceByID(ids[0])
		if !ok {
			return chosen, &Error{File: p.name, Location: "reportSpecification", Field: "marketplaceIds", Value: ids[0],
				Expected: "the marketplaceId of a known Amazon marketplace (e.g. ATVPDKIKX0DER for US)"}
		}
		if chosen.Code != "" && chosen.Code != m.Code {
			return chosen, &Error{File: p.name, Location: "reportSpecification", Field: "marketplaceIds", Value: ids[0],
				Reason: fmt.Sprintf("the report is from marketplace %s but the import is for marketplace %s", m.Code, chosen.Code)}
		}
		return m, nil
	case chosen.Code == "":
		return chosen, &Error{File: p.name, Location: "reportSpecification", Field: "marketplaceIds",
			Reason: "the marketplace of the report cannot be determined: reportSpecification.marketplaceIds is missing; " +
				"import it with --marketplace"}
	}
	return chosen, nil
}

// checkCurrency refuses prices in another currency than the marketplace's: they would be averaged with
// the marketplace's own prices.
func (p *jsonParser) checkCurrency(rows []sqp.QueryRow, keys []recordKey, m sqp.Marketplace) error {
	for i := range rows {
		if c := rows[i].CurrencyCode; c != "" && c != m.Currency {
			return &Error{File: p.name, Location: fmt.Sprintf("dataByAsin[%d]", keys[i].index), Field: "currencyCode", Value: c,
				Expected: fmt.Sprintf("%s, the currency of marketplace %s", m.Currency, m.Code)}
		}
	}
	return nil
}

// group splits the records into one weekly report per ASIN, checking that every record lies in the
// document's week and that no query repeats for an ASIN.
func (p *jsonParser) group(rows []sqp.QueryRow, keys []recordKey, week period, requested []string) error {
	byASIN := map[string]*sqp.WeeklyReport{}
	seen := map[[2]string]int{}
	var order []string
	for i, k := range keys {
		loc := fmt.Sprintf("dataByAsin[%d]", k.index)
		if !k.start.Equal(week.start) || !k.end.Equal(week.end) {
			return &Error{File: p.name, Location: loc, Field: "startDate..endDate",
				Value:    k.start.Format(time.DateOnly) + ".." + k.end.Format(time.DateOnly),
				Expected: week.start.Format(time.DateOnly) + ".." + week.end.Format(time.DateOnly) + " as reportSpecification states"}
		}
		dup := [2]string{k.asin, rows[i].SearchQuery}
		if prev, ok := seen[dup]; ok {
			return &Error{File: p.name, Location: loc, Field: "searchQueryData.searchQuery", Value: rows[i].SearchQuery,
				Reason: fmt.Sprintf("the query already appears for ASIN %s in dataByAsin[%d]: each query once per ASIN and week", k.asin, prev)}
		}
		seen[dup] = k.index
		rep, ok := byASIN[k.asin]
		if !ok {
			rep = &sqp.WeeklyReport{ASIN: k.asin, Marketplace: p.res.Marketplace, WeekStart: week.start, WeekEnd: week.end}
			byASIN[k.asin] = rep
			order = append(order, k.asin)
			if len(requested) > 0 && !slices.Contains(requested, k.asin) {
				p.warn(loc, "ASIN "+k.asin+" is not among the ASINs the report was requested for (reportOptions.asin)")
			}
		}
		rep.Queries = append(rep.Queries, rows[i])
	}
	for _, a := range requested {
		if _, ok := byASIN[a]; !ok {
			p.warn("", "no data for ASIN "+a+" (normal for a low-traffic ASIN, not zero traffic): nothing stored for it")
		}
	}
	for _, a := range order {
		p.res.Reports = append(p.res.Reports, *byASIN[a])
	}
	return nil
}

// convert turns one record into a query row, checking every value.
func (p *jsonParser) convert(loc string, index int, rec *spRecord) (sqp.QueryRow, recordKey, error) {
	var row sqp.QueryRow
	key := recordKey{index: index}
	bad := func(field, value, expected string) error {
		return &Error{File: p.name, Location: loc, Field: field, Value: value, Expected: expected}
	}
	asin, ok := normalizeASIN(rec.ASIN)
	if !ok {
		return row, key, bad("asin", rec.ASIN, expectASIN)
	}
	key.asin = asin
	if key.start, ok = parseDate(rec.StartDate); !ok {
		return row, key, bad("startDate", rec.StartDate, expectDate)
	}
	if key.end, ok = parseDate(rec.EndDate); !ok {
		return row, key, bad("endDate", rec.EndDate, expectDate)
	}
	if rec.SearchQueryData == nil || rec.SearchQueryData.SearchQuery == nil || strings.TrimSpace(*rec.SearchQueryData.SearchQuery) == "" {
		return row, key, bad("searchQueryData.searchQuery", "", "a search query")
	}
	row.SearchQuery = strings.TrimSpace(*rec.SearchQueryData.SearchQuery)
	if err := checkQueryText(p.name, loc, "searchQueryData.searchQuery", row.SearchQuery); err != nil {
		return row, key, err
	}
	if n := rec.SearchQueryData.SearchQueryScore; n != "" {
		s, ok := parseScore(n.String())
		if !ok {
			return row, key, bad("searchQueryData.searchQueryScore", n.String(), expectScore)
		}
		row.SearchQueryScore = &s
	}

	counts := []struct {
		field string
		n     json.Number
		dst   *int64
	}{
		{"impressionData.totalQueryImpressionCount", rec.ImpressionData.TotalQueryImpressionCount, &row.TotalQueryImpressionCount},
		{"impressionData.asinImpressionCount", rec.ImpressionData.ASINImpressionCount, &row.ASINImpressionCount},
		{"clickData.totalClickCount", rec.ClickData.TotalClickCount, &row.TotalClickCount},
		{"clickData.asinClickCount", rec.ClickData.ASINClickCount, &row.ASINClickCount},
		{"cartAddData.totalCartAddCount", rec.CartAddData.TotalCartAddCount, &row.TotalCartAddCount},
		{"cartAddData.asinCartAddCount", rec.CartAddData.ASINCartAddCount, &row.ASINCartAddCount},
		{"purchaseData.totalPurchaseCount", rec.PurchaseData.TotalPurchaseCount, &row.TotalPurchaseCount},
		{"purchaseData.asinPurchaseCount", rec.PurchaseData.ASINPurchaseCount, &row.ASINPurchaseCount},
	}
	for _, c := range counts {
		if c.n == "" {
			p.blanks[c.field] = append(p.blanks[c.field], index)
			continue
		}
		v, ok := parseCount(c.n.String())
		if !ok {
			return row, key, bad(c.field, c.n.String(), expectCount)
		}
		*c.dst = v
	}
	for i := 0; i+1 < len(counts); i += 2 { // pairs: total, then the ASIN's share of it
		if *counts[i+1].dst > *counts[i].dst {
			p.warn(loc, fmt.Sprintf("%s %d is above %s %d (query %q)", counts[i+1].field, *counts[i+1].dst,
				counts[i].field, *counts[i].dst, row.SearchQuery))
		}
	}

	optional := []struct {
		field string
		n     json.Number
		dst   **int64
	}{
		{"searchQueryData.searchQueryVolume", rec.SearchQueryData.SearchQueryVolume, &row.SearchQueryVolume},
		{"clickData.totalSameDayShippingClickCount", rec.ClickData.TotalSameDayShippingClickCount, &row.TotalSameDayShippingClicks},
		{"clickData.totalOneDayShippingClickCount", rec.ClickData.TotalOneDayShippingClickCount, &row.TotalOneDayShippingClicks},
		{"clickData.totalTwoDayShippingClickCount", rec.ClickData.TotalTwoDayShippingClickCount, &row.TotalTwoDayShippingClicks},
		{"cartAddData.totalSameDayShippingCartAddCount", rec.CartAddData.TotalSameDayShippingCartAddCount, &row.TotalSameDayShippingCartAdds},
		{"cartAddData.totalOneDayShippingCartAddCount", rec.CartAddData.TotalOneDayShippingCartAddCount, &row.TotalOneDayShippingCartAdds},
		{"cartAddData.totalTwoDayShippingCartAddCount", rec.CartAddData.TotalTwoDayShippingCartAddCount, &row.TotalTwoDayShippingCartAdds},
		{"purchaseData.totalSameDayShippingPurchaseCount", rec.PurchaseData.TotalSameDayShippingPurchaseCount, &row.TotalSameDayShippingPurchases},
		{"purchaseData.totalOneDayShippingPurchaseCount", rec.PurchaseData.TotalOneDayShippingPurchaseCount, &row.TotalOneDayShippingPurchases},
		{"purchaseData.totalTwoDayShippingPurchaseCount", rec.PurchaseData.TotalTwoDayShippingPurchaseCount, &row.TotalTwoDayShippingPurchases},
	}
	for _, o := range optional {
		if o.n == "" {
			continue
		}
		v, ok := parseCount(o.n.String())
		if !ok {
			return row, key, bad(o.field, o.n.String(), expectCount)
		}
		*o.dst = &v
	}

	prices := []struct {
		field string
		m     *spMoney
		dst   **sqp.Cents
	}{
		{"clickData.totalMedianClickPrice", rec.ClickData.TotalMedianClickPrice, &row.TotalMedianClickPrice},
		{"clickData.asinMedianClickPrice", rec.ClickData.ASINMedianClickPrice, &row.ASINMedianClickPrice},
		{"cartAddData.totalMedianCartAddPrice", rec.CartAddData.TotalMedianCartAddPrice, &row.TotalMedianCartAddPrice},
		{"cartAddData.asinMedianCartAddPrice", rec.CartAddData.ASINMedianCartAddPrice, &row.ASINMedianCartAddPrice},
		{"purchaseData.totalMedianPurchasePrice", rec.PurchaseData.TotalMedianPurchasePrice, &row.TotalMedianPurchasePrice},
		{"purchaseData.asinMedianPurchasePrice", rec.PurchaseData.ASINMedianPurchasePrice, &row.ASINMedianPurchasePrice},
	}
	for _, pr := range prices {
		if pr.m == nil || pr.m.Amount == "" {
			continue
		}
		c, ok := parseCents(pr.m.Amount.String())
		if !ok {
			return row, key, bad(pr.field+".amount", pr.m.Amount.String(), expectPrice)
		}
		*pr.dst = &c
		code := strings.ToUpper(strings.TrimSpace(pr.m.CurrencyCode))
		switch {
		case code == "":
		case len(code) != 3 || strings.TrimLeft(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
			return row, key, bad(pr.field+".currencyCode", pr.m.CurrencyCode, "an ISO 4217 currency code such as USD")
		case row.CurrencyCode == "":
			row.CurrencyCode = code
		case row.CurrencyCode != code:
			return row, key, bad(pr.field+".currencyCode", pr.m.CurrencyCode, row.CurrencyCode+" like the record's other prices")
		}
	}

	// Shares are not stored (recomputed from counts). Their unit differs between the schema (fractions)
	// and the live API (percentages), so only a value over 100 is suspicious in either unit.
	for _, s := range []struct {
		field string
		n     json.Number
	}{
		{"impressionData.asinImpressionShare", rec.ImpressionData.ASINImpressionShare},
		{"clickData.asinClickShare", rec.ClickData.ASINClickShare},
		{"cartAddData.asinCartAddShare", rec.CartAddData.ASINCartAddShare},
		{"purchaseData.asinPurchaseShare", rec.PurchaseData.ASINPurchaseShare},
	} {
		if s.n == "" {
			continue
		}
		if f, err := s.n.Float64(); err == nil && f > 100 {
			p.warn(loc, fmt.Sprintf("%s %s is over 100%% (query %q)", s.field, s.n.String(), row.SearchQuery))
		}
	}
	return row, key, nil
}

// blankWarnings emits one warning per core count field that was missing in some records.
func (p *jsonParser) blankWarnings() {
	fields := make([]string, 0, len(p.blanks))
	for f := range p.blanks {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		idx := p.blanks[f]
		p.warn("", fmt.Sprintf("%s was missing in %d record(s), first in dataByAsin[%d]: stored as 0", f, len(idx), idx[0]))
	}
}

func (p *jsonParser) warn(loc, msg string) {
	p.res.Warnings = append(p.res.Warnings, Warning{File: p.name, Location: loc, Message: msg})
}

// expectDelim reads the next token and checks that it opens an array or object.
func (p *jsonParser) expectDelim(dec *json.Decoder, want json.Delim, field, expected string) error {
	tok, err := dec.Token()
	if err != nil {
		return p.syntaxError(err, field)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return &Error{File: p.name, Field: field, Value: fmt.Sprint(tok), Expected: expected}
	}
	return nil
}

// decodeError explains a failed Decode of one part of the document, naming the field when the JSON
// package knows it.
func (p *jsonParser) decodeError(err error, loc string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &Error{File: p.name, Location: loc, Field: te.Field, Value: "a JSON " + te.Value,
			Expected: "a JSON " + jsonKind(te.Type)}
	}
	return p.syntaxError(err, loc)
}

// syntaxError explains malformed JSON with the byte offset where the decoder stopped.
func (p *jsonParser) syntaxError(err error, loc string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &Error{File: p.name, Location: loc, Reason: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{File: p.name, Location: loc, Reason: "the JSON document ends too early (truncated download?)"}
	}
	return &Error{File: p.name, Location: loc, Reason: fmt.Sprintf("read JSON: %v", err)}
}

// jsonKind names a Go type the way a JSON document author thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.Number]() {
		return "number"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	}
	return "number"
}
