package web

import (
	"bytes"
	"compress/gzip"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/importer"
)

// uploadFuzzBoundary is the multipart boundary of the seeds; the fuzzer may break it in the body.
const uploadFuzzBoundary = "sqpdash-fuzz-boundary"

// uploadSeed is a multipart body with the given files, as a browser sends it.
func uploadSeed(f *testing.F, files map[string][]byte) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(uploadFuzzBoundary); err != nil {
		f.Fatal(err)
	}
	for name, body := range files {
		part, err := w.CreateFormFile(uploadField, name)
		if err != nil {
			f.Fatal(err)
		}
		if _, err := part.Write(body); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzUploadParsing: whatever body an upload brings, reading its form is a 4xx or a list of files, each
// of which the importer reads or refuses with an *importer.Error (never a panic, never another error),
// and the spooled files are gone afterwards.
func FuzzUploadParsing(f *testing.F) {
	testdata := filepath.Join("..", "internal", "importer", "testdata")
	read := func(path string) []byte {
		b, err := os.ReadFile(filepath.Join(testdata, path))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	report := read("sellercentral/US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(read("amzn_sellingPartnerSearchQueryPerformanceReport.json")); err != nil {
		f.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(uploadSeed(f, map[string][]byte{"US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_31.csv": report}))
	f.Add(uploadSeed(f, map[string][]byte{"report.json.gz": gz.Bytes(), "brands.csv": read("mapping/brands.csv")}))
	f.Add(uploadSeed(f, map[string][]byte{"deep.json": bytes.Repeat([]byte("["), 100)}))
	f.Add(uploadSeed(f, map[string][]byte{"truncated.json.gz": gz.Bytes()[:gz.Len()/2]}))
	f.Add(uploadSeed(f, nil))
	f.Add([]byte("--" + uploadFuzzBoundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.csv\"\r\n\r\nno end"))
	f.Add([]byte("not multipart at all"))

	e := echo.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/admin/imports", bytes.NewReader(body))
		req.Header.Set(echo.HeaderContentType, "multipart/form-data; boundary="+uploadFuzzBoundary)
		c := e.NewContext(req, httptest.NewRecorder())
		headers, cleanup, err := uploadedFiles(c)
		defer cleanup()
		if err != nil {
			if pe := publicErrorOf(err); pe.Status != http.StatusBadRequest || apperr.CodeOf(err) != apperr.EINVALID {
				t.Fatalf("reading the form: %v (status %d), want a 400", err, pe.Status)
			}
			return
		}
		for _, fh := range headers {
			file, err := fh.Open()
			if err != nil {
				t.Fatalf("open %s: %v", fh.Filename, err)
			}
			_, err = importer.Parse(fh.Filename, file, importer.Options{})
			_ = file.Close() // read-only: nothing to lose
			var ie *importer.Error
			if err != nil && !errors.As(err, &ie) {
				t.Fatalf("%s: error %T is not an *importer.Error: %v", fh.Filename, err, err)
			}
		}
	})
}
