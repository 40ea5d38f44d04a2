package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/browsertest"
	"github.com/sqpdash/sqpdash/internal/importer"
	"github.com/sqpdash/sqpdash/internal/metrics"
	"github.com/sqpdash/sqpdash/internal/period"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/postgres"
	"github.com/sqpdash/sqpdash/internal/refresh"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
	"github.com/sqpdash/sqpdash/internal/sqp"
)

// uploadASIN is the product the uploaded reports are about; the fixture maps it to the brand acme.
const uploadASIN = "B0UPLOAD01"

// uploadWeek is the week of the uploaded report: the week after the fixture's data.
var uploadWeek = time.Date(2026, 1, 11, 0, 0, 0, 0, time.UTC)

// uploadQuery is one row of a Seller Central CSV: the query and its eight core counts (impressions,
// clicks, cart adds and purchases; total then ASIN).
type uploadQuery struct {
	query  string
	counts [8]string
}

// sellerCentralCSV builds a Seller Central SQP download (ASIN view, weekly) of asin for the week starting
// on start: the metadata line, the header, one line per query.
func sellerCentralCSV(asin string, start time.Time, rows []uploadQuery) string {
	end := start.AddDate(0, 0, 6)
	var b strings.Builder
	fmt.Fprintf(&b, "\"ASIN or Product=[\"\"%s\"\"]\",\"Reporting Range=[\"\"Weekly\"\"]\",\"Select week=[\"\"Week 2 | %s - %s %d\"\"]\"\n",
		asin, start.Format(time.DateOnly), end.Format(time.DateOnly), end.Year())
	b.WriteString(`"Search Query","Impressions: Total Count","Impressions: ASIN Count","Clicks: Total Count","Clicks: ASIN Count",` +
		`"Cart Adds: Total Count","Cart Adds: ASIN Count","Purchases: Total Count","Purchases: ASIN Count","Reporting Date"` + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%q,%s,%q\n", r.query, strings.Join(r.counts[:], ","), end.Format(time.DateOnly))
	}
	return b.String()
}

// goodRows are the queries of a valid report.
var goodRows = []uploadQuery{
	{"anvil", [8]string{"5000", "400", "300", "40", "90", "12", "30", "6"}},
	{"heavy anvil", [8]string{"1200", "150", "80", "11", "20", "4", "9", "2"}},
}

// uploadFile is one file of a test upload.
type uploadFile struct {
	name, body string
}

// uploadFixture is a server with the admin upload over a fresh database holding one brand (acme) whose
// product uploadASIN has one week of data, and the logs of the server.
type uploadFixture struct {
	t        *testing.T
	db       *postgres.DB
	srv      *Server
	sessions *testSessions
	admin    *http.Cookie
	logs     *bytes.Buffer
	// refresher is the server's: importRuns waits until its background refresh is over.
	refresher *refresh.Refresher
}

func newUploadFixture(t *testing.T, limit int64) *uploadFixture {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	loadBrands(t, db, []brandData{{name: "acme", products: []productData{{asin: uploadASIN, title: "Acme anvil", queries: []string{"anvil"}}}}})
	refresher := refresh.New(db, refresh.Options{})
	t.Cleanup(func() { // before the database goes: the upload's refresh runs in the background
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := refresher.Shutdown(sctx); err != nil {
			t.Error(err)
		}
	})
	svc, err := importer.NewService(db, nil, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &uploadFixture{t: t, db: db, sessions: newTestSessions(t, db), logs: &bytes.Buffer{}, refresher: refresher}
	f.srv, err = New(Options{
		Logger: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Brands: db, Products: db, Segments: db, Queries: db,
		Ops:         OpsOptions{Ready: db, Status: db, Refresher: refresher},
		Auth:        f.sessions.Options(),
		Importer:    svc,
		UploadLimit: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = f.sessions.Cookie(account.RoleAdmin)
	return f
}

// uploadBody encodes files as the upload form does; csrf, when set, is the form's _csrf field.
func uploadBody(t testing.TB, csrf string, files ...uploadFile) (body *bytes.Buffer, contentType string) {
	t.Helper()
	body = &bytes.Buffer{}
	w := multipart.NewWriter(body)
	if csrf != "" {
		if err := w.WriteField(csrfFormField, csrf); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		part, err := w.CreateFormFile(uploadField, f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(part, f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return body, w.FormDataContentType()
}

// upload posts files as htmx does: the CSRF token in the header, the answer the import panel.
func (f *uploadFixture) upload(cookie *http.Cookie, files ...uploadFile) *httptest.ResponseRecorder {
	f.t.Helper()
	body, ct := uploadBody(f.t, "", files...)
	req := withCSRF(httptest.NewRequest(http.MethodPost, "/admin/imports", body))
	req.Header.Set(echo.HeaderContentType, ct)
	req.Header.Set(hxRequest, "true")
	return f.do(req, cookie)
}

func (f *uploadFixture) do(req *http.Request, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	for _, c := range cookies {
		if c != nil {
			req.AddCookie(c)
		}
	}
	rec := httptest.NewRecorder()
	f.srv.testHandler().ServeHTTP(rec, req)
	return rec
}

// html parses a response body, failing unless the status is want.
func (f *uploadFixture) html(rec *httptest.ResponseRecorder, want int) *goquery.Document {
	f.t.Helper()
	if rec.Code != want {
		f.t.Fatalf("status %d, want %d\n%s", rec.Code, want, rec.Body.String())
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// countsOf are the counts of a CSV row, as the database should hold them.
func countsOf(t testing.TB, r uploadQuery) metrics.Counts {
	t.Helper()
	var n [8]int64
	for i, v := range r.counts {
		var err error
		if n[i], err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	return metrics.Counts{TotalImpressions: n[0], ASINImpressions: n[1], TotalClicks: n[2], ASINClicks: n[3],
		TotalCartAdds: n[4], ASINCartAdds: n[5], TotalPurchases: n[6], ASINPurchases: n[7]}
}

// queries reads what the base tables hold for uploadASIN in the upload's week.
func (f *uploadFixture) queries() map[string]metrics.Counts {
	f.t.Helper()
	page, err := f.db.Queries(context.Background(), sqp.QueryFilter{Marketplace: "US", ASIN: uploadASIN, Sort: sqp.SortQuery,
		Range: period.Range{From: uploadWeek, To: uploadWeek.AddDate(0, 0, 6)}})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]metrics.Counts{}
	for _, q := range page.Queries {
		out[q.Query] = q.Counts
	}
	return out
}

// snapshot is what an upload that must change nothing is compared with: the queries of the product, the
// data coverage and whether the base data changed since the last refresh.
func (f *uploadFixture) snapshot() string {
	f.t.Helper()
	ctx := context.Background()
	st, err := f.db.SegmentsStatus(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	changed, err := f.db.SegmentSourceChanged(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return fmt.Sprintf("%+v coverage=%+v changed=%v", f.queries(), st.Coverage, changed)
}

// importRuns waits until the server's background refresh is over and returns the refresh log rows triggered by an import.
func (f *uploadFixture) importRuns() []refreshlog.Run {
	f.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		runs, _, err := f.db.RefreshHistory(ctx, 50, 0)
		if err != nil {
			f.t.Fatal(err)
		}
		if !f.refresher.Busy() || time.Now().After(deadline) {
			var out []refreshlog.Run
			for _, r := range runs {
				if r.Trigger == string(refreshlog.TriggerImport) {
					out = append(out, r)
				}
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func text(d *goquery.Document, testid string) string {
	return strings.Join(strings.Fields(d.Find(`[data-testid="`+testid+`"]`).Text()), " ")
}

func TestUploadImportsAReportAndShowsTheSummary(t *testing.T) {
	f := newUploadFixture(t, 0)
	report := uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-week-2.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, goodRows)}

	d := f.html(f.upload(f.admin, report), http.StatusOK)
	if d.Find("#import-panel").Length() != 1 || d.Find(`[data-testid="admin"]`).Length() != 0 {
		t.Errorf("the htmx answer is not the import panel alone:\n%s", d.Text())
	}
	file := d.Find(`[data-testid="import-file"]`)
	if file.Length() != 1 || file.AttrOr("data-status", "") != "imported" || file.AttrOr("data-file", "") != report.name {
		t.Fatalf("file row: %d rows, status %q, file %q", file.Length(), file.AttrOr("data-status", ""), file.AttrOr("data-file", ""))
	}
	want := map[string]string{
		"import-total-files":      "1 imported, 0 refused (of 1)",
		"import-total-asin-weeks": "1 new, 0 changed, 0 unchanged",
		"import-total-query-rows": fmt.Sprintf("%d inserted, 0 updated, 0 deleted", len(goodRows)),
		"import-total-warnings":   "0",
		"import-refresh":          "The segments are being refreshed in the background: the Refresh panel shows its progress.",
		"import-file-counts":      fmt.Sprintf("1 ASIN-week (1 new, 0 changed, 0 unchanged); %d query rows (%d inserted, 0 updated, 0 deleted)", len(goodRows), len(goodRows)),
	}
	for id, w := range want {
		if got := text(d, id); got != w {
			t.Errorf("%s = %q, want %q", id, got, w)
		}
	}
	if text(d, "import-total-time") == "" {
		t.Error("no import time in the summary")
	}
	if poll := d.Find(`[hx-trigger="load"][hx-target="#refresh-panel"]`); poll.AttrOr("hx-get", "") != "/admin/refresh" {
		t.Errorf("the result does not fetch the refresh panel: %d elements", poll.Length())
	}

	t.Run("the rows are in the database, with the file's counts", func(t *testing.T) {
		got := f.queries()
		if len(got) != len(goodRows) {
			t.Errorf("%d queries stored, want %d: %+v", len(got), len(goodRows), got)
		}
		for _, r := range goodRows {
			if want := countsOf(t, r); got[r.query] != want {
				t.Errorf("%q: stored %+v, want %+v", r.query, got[r.query], want)
			}
		}
	})
	t.Run("the refresh ran through the refresher, as an import", func(t *testing.T) {
		runs := f.importRuns()
		if len(runs) != 1 || runs[0].Status != refreshlog.StatusSuccess || !strings.HasPrefix(runs[0].RequestedBy, "admin") {
			t.Fatalf("import refresh runs: %+v", runs)
		}
	})
	t.Run("uploading it again changes nothing and does not refresh", func(t *testing.T) {
		before := f.snapshot()
		d := f.html(f.upload(f.admin, report), http.StatusOK)
		if got := text(d, "import-total-asin-weeks"); got != "0 new, 0 changed, 1 unchanged" {
			t.Errorf("ASIN-weeks = %q", got)
		}
		if got := text(d, "import-total-query-rows"); got != "0 inserted, 0 updated, 0 deleted" {
			t.Errorf("query rows = %q", got)
		}
		if st := d.Find(`[data-testid="import-refresh"]`).AttrOr("data-state", ""); st != "skipped" {
			t.Errorf("refresh state %q, want skipped", st)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
		}
		if runs := f.importRuns(); len(runs) != 1 {
			t.Errorf("%d import refreshes, want still 1", len(runs))
		}
	})
}

func TestUploadRefusesABadFileAndWritesNothing(t *testing.T) {
	f := newUploadFixture(t, 0)
	rows := append([]uploadQuery{}, goodRows...)
	rows = append(rows, uploadQuery{"confidential query text", [8]string{"10", "1", "5", "lots", "1", "0", "1", "0"}})
	bad := uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-bad.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, rows)}
	before := f.snapshot()

	d := f.html(f.upload(f.admin, bad), http.StatusOK)
	file := d.Find(`[data-testid="import-file"]`)
	if file.AttrOr("data-status", "") != "refused" {
		t.Fatalf("file status %q, want refused", file.AttrOr("data-status", ""))
	}
	msg := text(d, "import-error")
	for _, want := range []string{bad.name, "line 5", "Clicks: ASIN Count", `"lots"`, "Nothing of this file was written"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if got := text(d, "import-total-files"); got != "0 imported, 1 refused (of 1)" {
		t.Errorf("files = %q", got)
	}
	if st := d.Find(`[data-testid="import-refresh"]`).AttrOr("data-state", ""); st != "skipped" {
		t.Errorf("refresh state %q, want skipped", st)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
	t.Run("the log names the file but not its contents", func(t *testing.T) {
		logs := f.logs.String()
		if !strings.Contains(logs, bad.name) {
			t.Errorf("the log does not name the refused file:\n%s", logs)
		}
		for _, secret := range []string{"confidential query text", "lots"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains %q from the file:\n%s", secret, logs)
			}
		}
	})
	t.Run("a good file beside it is imported", func(t *testing.T) {
		good := uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-good.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, goodRows)}
		d := f.html(f.upload(f.admin, bad, good), http.StatusOK)
		var statuses []string
		d.Find(`[data-testid="import-file"]`).Each(func(_ int, s *goquery.Selection) {
			statuses = append(statuses, s.AttrOr("data-file", "")+"="+s.AttrOr("data-status", ""))
		})
		if got := strings.Join(statuses, " "); got != "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-bad.csv=refused US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-good.csv=imported" {
			t.Errorf("files: %s", got)
		}
		if _, ok := f.queries()["heavy anvil"]; !ok {
			t.Error("the good file was not imported")
		}
		f.importRuns() // let the refresh finish before the database goes
	})
}

func TestUploadWithoutHTMXRendersTheAdminPage(t *testing.T) {
	f := newUploadFixture(t, 0)
	// A plain form post: the token in the query of the form's action (and in the hidden input).
	token := f.srv.csrfTokenFor("session:" + f.admin.Value)
	body, ct := uploadBody(t, token, uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_week.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, goodRows)})
	req := httptest.NewRequest(http.MethodPost, "/admin/imports?"+url.Values{"_csrf": {token}}.Encode(), body)
	req.Header.Set(echo.HeaderContentType, ct)
	d := f.html(f.do(req, f.admin), http.StatusOK)
	if d.Find(`[data-testid="admin"] #admin-import [data-testid="import-result"]`).Length() != 1 {
		t.Fatalf("not the admin page with the result in the import section:\n%s", d.Text())
	}
	if got := text(d, "import-total-asin-weeks"); got != "1 new, 0 changed, 0 unchanged" {
		t.Errorf("ASIN-weeks = %q", got)
	}
	if d.Find(`#import-panel form input[name="_csrf"]`).AttrOr("value", "") != token {
		t.Error("the form on the answer does not carry the CSRF token")
	}
	f.importRuns()
}

func TestAdminPageShowsTheUploadForm(t *testing.T) {
	f := newUploadFixture(t, 0)
	d := f.html(f.do(httptest.NewRequest(http.MethodGet, "/admin", nil), f.admin), http.StatusOK)
	form := d.Find(`#admin-import #import-panel form`)
	token := form.Find(`input[name="_csrf"]`).AttrOr("value", "")
	if form.AttrOr("action", "") != "/admin/imports?_csrf="+token || form.AttrOr("enctype", "") != "multipart/form-data" ||
		form.AttrOr("hx-encoding", "") != "multipart/form-data" {
		t.Fatalf("upload form: action %q enctype %q", form.AttrOr("action", ""), form.AttrOr("enctype", ""))
	}
	if _, ok := form.Find(`input[type="file"][name="files"]`).Attr("multiple"); !ok {
		t.Error("the file input does not take several files")
	}
	if token == "" {
		t.Error("the form has no CSRF token")
	}
	if !strings.Contains(form.Text(), "64.0 MiB") {
		t.Errorf("the form does not state the limit: %q", form.Text())
	}
}

func TestUploadIsRefusedBeforeAnyWork(t *testing.T) {
	f := newUploadFixture(t, 0)
	report := uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_week.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, goodRows)}
	before := f.snapshot()
	// The token travels in the query, as the form's action carries it.
	post := func(csrfQuery string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		body, ct := uploadBody(t, "", report)
		req := httptest.NewRequest(http.MethodPost, "/admin/imports?"+url.Values{"_csrf": {csrfQuery}}.Encode(), body)
		req.Header.Set(echo.HeaderContentType, ct)
		return f.do(req, cookies...)
	}
	t.Run("without a CSRF token: 403", func(t *testing.T) {
		if rec := post("", f.admin); rec.Code != http.StatusForbidden {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("with the token in the form body only: 403, the body unread", func(t *testing.T) {
		body, ct := uploadBody(t, f.srv.csrfTokenFor("session:"+f.admin.Value), report)
		req := httptest.NewRequest(http.MethodPost, "/admin/imports", body)
		req.Header.Set(echo.HeaderContentType, ct)
		if rec := f.do(req, f.admin); rec.Code != http.StatusForbidden {
			t.Errorf("status %d", rec.Code)
		}
		if req.MultipartForm != nil {
			t.Error("the body was parsed")
		}
	})
	t.Run("with a wrong CSRF token: 403", func(t *testing.T) {
		if rec := post("a-wrong-token", f.admin); rec.Code != http.StatusForbidden {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("a manager: 403", func(t *testing.T) {
		manager := f.sessions.Cookie(account.RoleManager)
		if rec := post(f.srv.csrfTokenFor("session:"+manager.Value), manager); rec.Code != http.StatusForbidden {
			t.Errorf("status %d", rec.Code)
		}
	})
	t.Run("signed out: sent to the login page", func(t *testing.T) {
		rec := post(f.srv.csrfTokenFor("pre:nonce"), &http.Cookie{Name: preSessionCookie, Value: "nonce"})
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("status %d, Location %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	if after := f.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestUploadOverTheLimit(t *testing.T) {
	const limit = 16 << 10
	f := newUploadFixture(t, limit)
	var rows []uploadQuery
	for i := range 400 {
		rows = append(rows, uploadQuery{fmt.Sprintf("query number %d", i), goodRows[0].counts})
	}
	big := uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_big-week.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, rows)}
	small := uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_24_small-week.csv", body: sellerCentralCSV(uploadASIN, uploadWeek.AddDate(0, 0, 7), goodRows)}
	if len(big.body) <= limit {
		t.Fatalf("the big file has only %d bytes", len(big.body))
	}
	before := f.snapshot()

	t.Run("htmx: a 413 naming the files and the limit", func(t *testing.T) {
		rec := f.upload(f.admin, small, big)
		d := f.html(rec, http.StatusRequestEntityTooLarge)
		msg := d.Find("[data-error-message]").Text()
		for _, want := range []string{"over the limit of 16.0 KiB", "nothing was imported", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_24_small-week.csv (", "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_big-week.csv ("} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not contain %q", msg, want)
			}
		}
	})
	t.Run("a plain post: the error page with the message", func(t *testing.T) {
		body, ct := uploadBody(t, f.srv.csrfTokenFor("session:"+f.admin.Value), big)
		req := httptest.NewRequest(http.MethodPost, "/admin/imports", body)
		req.Header.Set(echo.HeaderContentType, ct)
		d := f.html(f.do(req, f.admin), http.StatusRequestEntityTooLarge)
		if msg := d.Find("[data-error-message]").Text(); !strings.Contains(msg, "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_big-week.csv") {
			t.Errorf("message %q does not name the file", msg)
		}
	})
	t.Run("nothing was imported", func(t *testing.T) {
		if after := f.snapshot(); after != before {
			t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
		}
	})
	t.Run("within the limit it imports", func(t *testing.T) {
		d := f.html(f.upload(f.admin, small), http.StatusOK)
		if got := text(d, "import-total-asin-weeks"); got != "1 new, 0 changed, 0 unchanged" {
			t.Errorf("ASIN-weeks = %q", got)
		}
		f.importRuns()
	})
}

// TestUploadRefusalsAreAnsweredOverARealConnection: a browser whose upload is refused (over the limit,
// or signed out) gets the answer, not "connection reset". Like a browser, the client sends the whole
// request before it reads the answer; the bodies are larger than the loopback socket buffers, so unless
// the server reads them, sending fails (the server closed the connection) and the answer is lost.
func TestUploadRefusalsAreAnsweredOverARealConnection(t *testing.T) {
	const limit = 8 << 20
	f := newUploadFixture(t, limit)
	ts := httptest.NewServer(f.srv.testHandler())
	defer ts.Close()
	send := func(t *testing.T, size int, cookies ...*http.Cookie) (*http.Response, string) {
		body, ct := uploadBody(t, "", uploadFile{name: "huge.csv", body: strings.Repeat("x", size)})
		req := withCSRF(httptest.NewRequest(http.MethodPost, "/admin/imports", body))
		req.Header.Set(echo.HeaderContentType, ct)
		req.Header.Set(hxRequest, "true")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		var raw bytes.Buffer
		if err := req.Write(&raw); err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }() // the answer has been read by then
		if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(raw.Bytes()); err != nil {
			t.Fatalf("sending the upload failed, as a browser would see it: %v", err)
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		defer res.Body.Close()
		got, _ := io.ReadAll(res.Body)
		return res, string(got)
	}
	t.Run("over the limit: 413 naming the file", func(t *testing.T) {
		res, body := send(t, limit+limit/2, f.admin)
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "huge.csv (12.0 MiB)") {
			t.Errorf("status %d:\n%s", res.StatusCode, body)
		}
	})
	t.Run("signed out within the limit: 401 sending htmx to the login page", func(t *testing.T) {
		res, body := send(t, limit-limit/8)
		if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get(hxRedirect), "/login") {
			t.Errorf("status %d, HX-Redirect %q:\n%s", res.StatusCode, res.Header.Get(hxRedirect), body)
		}
	})
}

// TestUploadInBrowser uploads a report on the admin page in Chromium: htmx replaces the import panel in
// place with the summary, then the Refresh panel follows the refresh the upload started, and the history
// shows it as an import.
func TestUploadInBrowser(t *testing.T) {
	f := newUploadFixture(t, 0)
	report := filepath.Join(t.TempDir(), "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-week-2.csv")
	if err := os.WriteFile(report, []byte(sellerCentralCSV(uploadASIN, uploadWeek, goodRows)), 0o644); err != nil {
		t.Fatal(err)
	}
	tab := startDashBrowser(t, &fixture{t: t, db: f.db, handler: f.srv.Handler(), cookie: f.admin}).tab(t, "/admin")
	tab.Run("choose the report", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="import-files"]`), []string{report}))
	tab.Swap("upload", browsertest.Click(`[data-testid="import-submit"]`))
	if got := browsertest.Eval[int](tab, `document.querySelectorAll('[data-testid="import-file"][data-status="imported"][data-file="US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_acme-week-2.csv"]').length`); got != 1 {
		t.Fatalf("the upload result lists the report as imported %d times, want once", got)
	}
	if got := browsertest.Eval[string](tab, `location.pathname`); got != "/admin" {
		t.Errorf("the page moved to %s: the upload should be swapped in place", got)
	}
	if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid="import-total-asin-weeks"]').textContent`); got != "1 new, 0 changed, 0 unchanged" {
		t.Errorf("ASIN-weeks = %q", got)
	}
	// The Refresh panel polls the server for the refresh the upload started: no event marks its end.
	tab.WaitFor("the import's refresh in the history",
		`[...document.querySelectorAll('[data-testid="history-row"]')].some(r => r.textContent.includes("import") && r.dataset.status === "success")`)
	if got := browsertest.Eval[string](tab, `document.querySelector('[data-testid="refresh-panel"]').dataset.state`); got != "idle" {
		t.Errorf("refresh panel state %q after the refresh, want idle", got)
	}
	tab.Screenshot("admin-upload.png")
}

// refresherBusyElsewhere answers as the real refresher does while another process refreshes: Start is
// refused, StartOrQueue queues a follow-up.
type refresherBusyElsewhere struct{}

func (refresherBusyElsewhere) Start(context.Context, refreshlog.Request) error {
	return apperr.Conflict("a refresh is already running (started 10:02 by other@example.com)")
}
func (refresherBusyElsewhere) StartOrQueue(context.Context, refreshlog.Request) (bool, error) {
	return true, nil
}
func (refresherBusyElsewhere) Busy() bool                     { return false }
func (refresherBusyElsewhere) Last() (refresh.Finished, bool) { return refresh.Finished{}, false }

func TestUploadWhileARefreshRunsQueuesAFollowUp(t *testing.T) {
	f := newUploadFixture(t, 0)
	f.srv.ops.Refresher = refresherBusyElsewhere{}
	d := f.html(f.upload(f.admin, uploadFile{name: "US_Search_Query_Performance_ASIN_View_Simple_Week_2026_01_17_week.csv", body: sellerCentralCSV(uploadASIN, uploadWeek, goodRows)}), http.StatusOK)
	if got := text(d, "import-total-asin-weeks"); got != "1 new, 0 changed, 0 unchanged" {
		t.Errorf("ASIN-weeks = %q", got)
	}
	refresh := d.Find(`[data-testid="import-refresh"]`)
	if st := refresh.AttrOr("data-state", ""); st != "queued" {
		t.Errorf("refresh state %q, want queued", st)
	}
	if msg := refresh.Text(); !strings.Contains(msg, "follow-up refresh is queued and runs as soon as it ends") {
		t.Errorf("message %q", msg)
	}
}

func TestAdminPageShowsAQueuedRefresh(t *testing.T) {
	f := newUploadFixture(t, 0)
	panel := func() *goquery.Selection {
		d := f.html(f.do(httptest.NewRequest(http.MethodGet, "/admin", nil), f.admin), http.StatusOK)
		return d.Find(`[data-testid="refresh-panel"] [data-testid="refresh-queued"]`)
	}
	if panel().Length() != 0 {
		t.Fatal("a queued refresh is shown while none is queued")
	}
	if err := f.db.QueueRefresh(context.Background(), refreshlog.Request{Trigger: refreshlog.TriggerImport, RequestedBy: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	if got := panel().Text(); !strings.Contains(got, "A follow-up refresh is queued") || !strings.Contains(got, "by bob@example.com") {
		t.Errorf("queued refresh on the panel: %q", got)
	}
}
