package importer

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// gzipMember compresses data as one gzip member. A gzip file may hold many members one after the other,
// which a reader decompresses as one stream: repeating a member repeats its output.
func gzipMember(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless repeats its byte forever.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// refusal parses r as the file name and returns the *Error it must be refused with, and how many bytes
// the heap grew by in all (allocated, not live) while it did.
func refusal(t *testing.T, name string, r io.Reader, opts Options) (*Error, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := Parse(name, r, opts)
	runtime.ReadMemStats(&after)
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("Parse = %v, %v: want an *importer.Error", res, err)
	}
	if !strings.HasPrefix(err.Error(), name+":") {
		t.Errorf("message %q does not start with the file name", err)
	}
	return ie, after.TotalAlloc - before.TotalAlloc
}

func TestDecompressionBombIsRefusedEarly(t *testing.T) {
	// 1 GiB of JSON white space inside a report, in about a megabyte: 1024 members of 1 MiB each.
	member := gzipMember(t, bytes.Repeat([]byte(" "), 1<<20))
	bomb := gzipMember(t, []byte(`{"reportSpecification":`))
	for range 1024 {
		bomb = append(bomb, member...)
	}
	in := &countingReader{r: bytes.NewReader(bomb)}
	e, allocated := refusal(t, "bomb.json.gz", in, Options{})
	if !strings.Contains(e.Reason, "decompression bomb") {
		t.Errorf("reason %q: want it called a decompression bomb", e.Reason)
	}
	if in.n > int64(len(bomb))/8 {
		t.Errorf("read %d of the %d compressed bytes before refusing: want it stopped early", in.n, len(bomb))
	}
	if allocated > 16<<20 {
		t.Errorf("allocated %d MiB while refusing", allocated>>20)
	}
	t.Logf("%d KiB bomb (1 GiB inflated): refused after %d KiB read, %d KiB allocated: %v", len(bomb)>>10, in.n>>10, allocated>>10, e)
}

func TestDecompressedSizeIsCapped(t *testing.T) {
	// Random digits compress about 2:1, so only the size limit can stop them.
	digits := randomBytes(t, 3<<20, "0123456789")
	data := gzipMember(t, append([]byte(`{"reportSpecification":"`), digits...))
	e, _ := refusal(t, "big.json.gz", bytes.NewReader(data), Options{Limits: Limits{MaxInflated: 2 << 20}})
	if !strings.Contains(e.Reason, "more than 2 MiB") {
		t.Errorf("reason %q: want the size limit named", e.Reason)
	}
}

func TestCSVLineLengthIsCapped(t *testing.T) {
	scHeader, err := os.ReadFile(filepath.Join("testdata", "sellercentral", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv"))
	if err != nil {
		t.Fatal(err)
	}
	firstTwo := strings.Join(strings.SplitN(string(scHeader), "\n", 3)[:2], "\n") + "\n"
	for _, tc := range []struct {
		name, file string
		in         io.Reader
		wantLine   string
	}{
		{"an endless first line", "endless.csv", endless('a'), "line 1"},
		{"an endless quoted field after the header", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv",
			io.MultiReader(strings.NewReader(firstTwo+`"x`), endless('x')), "line 3"},
		{"an endless row of a brand mapping", "mapping.csv",
			io.MultiReader(strings.NewReader("asin,brand,product_title,active\nB0C1234567,Acme,"), endless('y')), "line 2"},
		{"a gzip-compressed endless line", "endless.csv.gz",
			bytes.NewReader(gzipMember(t, randomBytes(t, 3<<20, "abcdefghijklmnopqrstuvwxyz"))), "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, allocated := refusal(t, tc.file, tc.in, Options{})
			if e.Location != tc.wantLine || !strings.Contains(e.Reason, "longer than 1 MiB") {
				t.Errorf("refused at %q for %q: want %s, longer than 1 MiB", e.Location, e.Reason, tc.wantLine)
			}
			if allocated > 16<<20 {
				t.Errorf("allocated %d MiB while refusing", allocated>>20)
			}
		})
	}
}

// randomBytes are n bytes drawn from alphabet: random text compresses too little for the ratio limit.
func randomBytes(t *testing.T, n int, alphabet string) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i, r := range b {
		b[i] = alphabet[int(r)%len(alphabet)]
	}
	return b
}

func TestJSONDepthIsCapped(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   io.Reader
	}{
		{"endless arrays", io.MultiReader(strings.NewReader(`{"extra":`), endless('['))},
		{"nested objects", strings.NewReader(`{"extra":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100) + `}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := refusal(t, "deep.json", tc.in, Options{})
			if !strings.Contains(e.Reason, "deeper than 64 levels") || !strings.HasPrefix(e.Location, "byte ") {
				t.Errorf("refused at %q for %q: want the depth and where", e.Location, e.Reason)
			}
		})
	}
	t.Run("brackets inside strings do not count", func(t *testing.T) {
		doc := `{"extra":"` + strings.Repeat(`[{\"`, 200) + `","errorDetails":"boom"}`
		_, err := Parse("strings.json", strings.NewReader(doc), Options{})
		if err == nil || !strings.Contains(err.Error(), "Amazon returned a failed report: boom") {
			t.Errorf("got %v, want the document read to its errorDetails", err)
		}
	})
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{512: "512 bytes", 1 << 20: "1 MiB", 1536: "1.5 KiB", 512 << 20: "512 MiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
