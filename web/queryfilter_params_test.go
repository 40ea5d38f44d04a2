package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
)

// TestQueryFilterParams sends bad filters and branded choices to the pages that read the view state: each
// is a 400 that names the parameter and says what is wrong where, never a 500.
func TestQueryFilterParams(t *testing.T) {
	f := newAccessFixture(t)
	admin := f.sessions.Cookie(account.RoleAdmin)
	product := "/brands/" + f.own.id + "/products/" + f.own.asin
	for _, tc := range []struct {
		name, param, value, says string
	}{
		{"an open quote", "qf", `"chef knife`, `at character 1 ("\"chef knife"): this quote is not closed`},
		{"parentheses", "qf", "knife (a | b)", "at character 7"},
		{"an OR with nothing after it", "qf", "knife |", "needs a term after it"},
		{"a filter too long", "qf", strings.Repeat("k", 201), "longer than 200 characters"},
		{"too many terms", "qf", strings.Repeat("k ", 21), "more than 20 terms"},
		{"a NUL", "qf", "a\x00b", "control character"},
		{"an unknown branded choice", "branded", "yes", `"yes" is not a branded choice`},
	} {
		for _, path := range []string{product, "/brands/" + f.own.id, "/api/brands/" + f.own.id + "/products"} {
			t.Run(tc.name+" on "+path, func(t *testing.T) {
				req := newRequest(http.MethodGet, path)
				req.URL.RawQuery = url.Values{tc.param: {tc.value}}.Encode()
				req.RequestURI = req.URL.RequestURI()
				rec := f.do(req, admin)
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("got %d, want 400: %.300s", rec.Code, rec.Body.String())
				}
				if strings.HasPrefix(path, "/api/") {
					var e struct {
						Error struct{ Param, Message string } `json:"error"`
					}
					if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Param != tc.param || !strings.Contains(e.Error.Message, tc.says) {
						t.Fatalf("JSON error %+v (%v), want param %q saying %q", e.Error, err, tc.param, tc.says)
					}
					return
				}
				text := html.UnescapeString(rec.Body.String())
				if !strings.Contains(text, `Parameter "`+tc.param+`"`) || !strings.Contains(text, tc.says) {
					t.Fatalf("the answer does not name %q and say %q: %.800s", tc.param, tc.says, text)
				}
			})
		}
	}
}
