package importer

import (
	"errors"
	"fmt"
	"io"
)

// Limits bound what one file may make the importer read and hold, so that a small hostile file (a
// decompression bomb, a CSV "line" of a gigabyte, JSON nested a million deep) is refused quickly with a
// message naming the file instead of exhausting memory. The zero value takes DefaultLimits.
type Limits struct {
	// MaxInflated is the most a gzip file may decompress to, in bytes.
	MaxInflated int64
	// MaxInflateRatio is the most a gzip file may decompress to per byte of compressed input. It is
	// checked once inflateGrace bytes have come out, so that tiny files are not judged by their ratio.
	MaxInflateRatio int64
	// MaxLineBytes is the longest line of a CSV file, in bytes.
	MaxLineBytes int
	// MaxJSONDepth is the deepest nesting of objects and arrays in a JSON report.
	MaxJSONDepth int
}

// DefaultLimits are far above what Amazon's reports need: SP-API JSON compresses about 10 to 20 times
// and nests 4 levels deep, a Seller Central CSV line is a few hundred bytes. 512 MiB of JSON is a
// report of hundreds of thousands of records: larger ones belong in several files.
func DefaultLimits() Limits {
	return Limits{MaxInflated: 512 << 20, MaxInflateRatio: 100, MaxLineBytes: 1 << 20, MaxJSONDepth: 64}
}

// inflateGrace is the output after which the ratio of a gzip file is checked.
const inflateGrace = 1 << 20

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxInflated <= 0 {
		l.MaxInflated = d.MaxInflated
	}
	if l.MaxInflateRatio <= 0 {
		l.MaxInflateRatio = d.MaxInflateRatio
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxJSONDepth <= 0 {
		l.MaxJSONDepth = d.MaxJSONDepth
	}
	return l
}

// errLimit is what a guard's Read returns once its limit is passed: the parser stops on it, and Parse
// then reports the guard's own *Error rather than whatever the parser made of the failed read.
var errLimit = errors.New("input limit exceeded")

// guard is a reader that enforces one limit; refusal is its *Error once it has tripped, else nil.
type guard interface {
	io.Reader
	refusal() *Error
}

// byteCounter counts the bytes read through it (the compressed input of a gzip file).
type byteCounter struct {
	r io.Reader
	n int64
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// inflateGuard passes on the output of a gzip reader while it stays within the size and ratio limits.
type inflateGuard struct {
	r    io.Reader
	in   *byteCounter
	out  int64
	lim  Limits
	file string
	err  *Error
}

func (g *inflateGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, errLimit
	}
	n, err := g.r.Read(p)
	g.out += int64(n)
	switch {
	case g.out > g.lim.MaxInflated:
		g.err = &Error{File: g.file, Reason: fmt.Sprintf("decompresses to more than %s: refused (split the report into smaller files)",
			byteSize(g.lim.MaxInflated))}
	case g.out > inflateGrace && g.out > g.lim.MaxInflateRatio*g.in.n:
		g.err = &Error{File: g.file, Reason: fmt.Sprintf(
			"decompresses to more than %d times its compressed size (%s from the first %s): refused as a decompression bomb",
			g.lim.MaxInflateRatio, byteSize(g.out), byteSize(g.in.n))}
	}
	if g.err != nil {
		return 0, errLimit
	}
	return n, err
}

func (g *inflateGuard) refusal() *Error { return g.err }

// lineGuard passes on a CSV file while no line is longer than the limit, counting lines for the message.
type lineGuard struct {
	r    io.Reader
	max  int
	line int // lines completed so far
	cur  int // bytes of the current line so far
	file string
	err  *Error
}

func (g *lineGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, errLimit
	}
	n, err := g.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			g.line++
			g.cur = 0
			continue
		}
		if g.cur++; g.cur > g.max {
			g.err = &Error{File: g.file, Location: fmt.Sprintf("line %d", g.line+1),
				Reason: fmt.Sprintf("the line is longer than %s: refused (a line holds one search query's values)", byteSize(int64(g.max)))}
			return 0, errLimit
		}
	}
	return n, err
}

func (g *lineGuard) refusal() *Error { return g.err }

// depthGuard passes on a JSON document while its objects and arrays nest no deeper than the limit. It
// follows strings (and their escapes) so that brackets inside them do not count.
type depthGuard struct {
	r        io.Reader
	max      int
	depth    int
	inString bool
	escaped  bool
	offset   int64
	file     string
	err      *Error
}

func (g *depthGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, errLimit
	}
	n, err := g.r.Read(p)
	for i, b := range p[:n] {
		switch {
		case g.escaped:
			g.escaped = false
		case g.inString:
			switch b {
			case '\\':
				g.escaped = true
			case '"':
				g.inString = false
			}
		case b == '"':
			g.inString = true
		case b == '{' || b == '[':
			if g.depth++; g.depth > g.max {
				g.err = &Error{File: g.file, Location: fmt.Sprintf("byte %d", g.offset+int64(i)+1),
					Reason: fmt.Sprintf("objects and arrays nest deeper than %d levels: refused (a report nests 4 deep)", g.max)}
				return 0, errLimit
			}
		case b == '}' || b == ']':
			g.depth--
		}
	}
	g.offset += int64(n)
	return n, err
}

func (g *depthGuard) refusal() *Error { return g.err }

// byteSize writes n in the largest binary unit that keeps it whole or one decimal: 512 MiB, 1.5 KiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, units := float64(n)/unit, []string{"KiB", "MiB", "GiB", "TiB"}
	i := 0
	for ; v >= unit && i < len(units)-1; i++ {
		v /= unit
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
