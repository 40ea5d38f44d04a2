// Package importer reads Amazon Search Query Performance reports and brand-mapping files into domain
// values. It recognises a file by its content, not its name: SP-API JSON documents (plain or gzip),
// Seller Central CSV downloads (ASIN view, weekly) and the brand-mapping CSV. It never touches the
// database: Service hands what it read to a Store.
package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/sqpdash/sqpdash/internal/sqp"
)

// Format is a kind of input file.
type Format string

// The formats the importer reads.
const (
	FormatSPAPIJSON        Format = "SP-API JSON report"
	FormatSellerCentralCSV Format = "Seller Central CSV (ASIN view)"
	FormatBrandMapping     Format = "brand-mapping CSV"
)

// Options are the settings of one import.
type Options struct {
	// Marketplace is the country code of the Amazon marketplace (US, UK, DE, ...) of every file of the
	// import. Empty: each file says its own (an SP-API report's marketplaceIds, a Seller Central file
	// name's country code), and a file that does not is refused. Set, a file that names another
	// marketplace is refused.
	Marketplace string
	// Limits bound what one file may make the importer read; zero fields take DefaultLimits.
	Limits Limits
}

// Result is what one file holds, ready to be stored: Reports for SQP reports (empty when the report
// has no rows), Mappings for a brand-mapping CSV.
type Result struct {
	File        string
	Format      Format
	Marketplace string // country code of the reports' marketplace; empty for a brand-mapping CSV
	Reports     []sqp.WeeklyReport
	Mappings    []sqp.BrandMapping
	Warnings    []Warning
}

// QueryRowCount is the number of query rows over all reports of the file.
func (r *Result) QueryRowCount() int {
	n := 0
	for _, rep := range r.Reports {
		n += len(rep.Queries)
	}
	return n
}

// utf8BOM starts files that Excel and Seller Central write.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse reads one file. name is used in messages and, for Seller Central CSVs, to cross-check the
// period its name states. Any error is an *Error that says where and what.
//
// The file is streamed, never read whole: a gzip file is decompressed as it is parsed, and opts.Limits
// stop a file that decompresses too far, a CSV line that never ends or JSON nested too deep as soon as
// the parser reaches that point.
func Parse(name string, r io.Reader, opts Options) (*Result, error) {
	lim := opts.Limits.withDefaults()
	var guards []guard
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		compressed := &byteCounter{r: br}
		zr, err := gzip.NewReader(compressed)
		if err != nil {
			return nil, &Error{File: name, Reason: fmt.Sprintf("looks gzip-compressed but cannot be read: %v", err)}
		}
		// Read reports a corrupt stream (checksum included); Close only releases the decompressor.
		defer func() { _ = zr.Close() }()
		inflated := &inflateGuard{r: zr, in: compressed, lim: lim, file: name}
		guards = append(guards, inflated)
		br = bufio.NewReaderSize(inflated, 64<<10)
	}
	res, err := parseFormat(name, br, opts, lim, &guards)
	for _, g := range guards {
		if e := g.refusal(); e != nil {
			return nil, e
		}
	}
	return res, err
}

// parseFormat recognises the format of the (decompressed) file and parses it behind the guard of its
// kind, which it adds to guards.
func parseFormat(name string, br *bufio.Reader, opts Options, lim Limits, guards *[]guard) (*Result, error) {
	if bom, _ := br.Peek(len(utf8BOM)); bytes.Equal(bom, utf8BOM) {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return nil, &Error{File: name, Reason: fmt.Sprintf("read: %v", err)}
		}
	}
	first, err := firstByte(br)
	if err != nil {
		return nil, &Error{File: name, Reason: err.Error()}
	}
	if first == '{' {
		depth := &depthGuard{r: br, max: lim.MaxJSONDepth, file: name}
		*guards = append(*guards, depth)
		return parseSPAPI(name, depth, opts)
	}
	line, err := br.Peek(peekLine(br))
	if err != nil && len(line) == 0 {
		return nil, &Error{File: name, Reason: fmt.Sprintf("read: %v", err)}
	}
	lines := &lineGuard{r: br, max: lim.MaxLineBytes, file: name}
	*guards = append(*guards, lines)
	csvIn := bufio.NewReaderSize(lines, 64<<10)
	if isMappingHeader(line) {
		return parseMapping(name, csvIn)
	}
	return parseSellerCentral(name, csvIn, opts)
}

// firstByte returns the first byte that is not white space, without consuming anything.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		buf, err := br.Peek(n)
		if len(buf) < n {
			if err == nil || err == io.EOF {
				return 0, fmt.Errorf("the file is empty: expected an SP-API JSON report, a Seller Central CSV or a brand-mapping CSV")
			}
			if err == bufio.ErrBufferFull {
				return 0, fmt.Errorf("the file starts with more than %d bytes of white space", n)
			}
			return 0, fmt.Errorf("read: %w", err)
		}
		switch c := buf[n-1]; c {
		case ' ', '\t', '\r', '\n':
		default:
			return c, nil
		}
	}
}

// peekLine returns how many buffered bytes make up the first line (all of the buffer when it holds no
// line end).
func peekLine(br *bufio.Reader) int {
	buf, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return i + 1
	}
	return len(buf)
}
