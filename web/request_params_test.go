package web

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/account"
)

// queryFreeRoutes are the GET routes that read no query parameter; every other GET route is listed in
// TestMalformedQueryStrings, so a new route has to be placed in one list or the other.
var queryFreeRoutes = []string{"/admin/refresh", "/favicon.ico", "/glossary", "/healthz", "/readyz", "/metrics"}

// TestMalformedQueryStrings sends the malformed query strings Go's url.ParseQuery (and so Echo) would
// silently drop to every GET route that reads its query: each is a 400 naming the parameter, or the
// query string when no name can be read.
func TestMalformedQueryStrings(t *testing.T) {
	f := newAccessFixture(t)
	admin := f.sessions.Cookie(account.RoleAdmin)
	product := "/brands/" + f.own.id + "/products/" + f.own.asin
	routes := []struct {
		route, path string
		htmx        bool
	}{
		{"/", "/", false},
		{"/brands/:brandID", "/brands/" + f.own.id, false},
		{"/brands/:brandID/products.csv", "/brands/" + f.own.id + "/products.csv", false},
		{"/brands/:brandID/products/:asin/segments", product + "/segments", true},
		{"/brands/:brandID/products/:asin/row", product + "/row", true},
		{"/brands/:brandID/products/:asin/segments.csv", product + "/segments.csv", false},
		{"/brands/:brandID/products/:asin", product, false},
		{"/brands/:brandID/queries/:query", "/brands/" + f.own.id + "/queries/anvil", false},
		{"/api/brands/:brandID/products", "/api/brands/" + f.own.id + "/products", false},
		{"/api/brands/:brandID/products/:asin/segments", "/api" + product + "/segments", false},
		{"/brands/:brandID/queries", "/brands/" + f.own.id + "/queries", false},
		{"/brands/:brandID/queries.csv", "/brands/" + f.own.id + "/queries.csv", false},
		{"/brands/:brandID/query-asins", "/brands/" + f.own.id + "/query-asins?query=anvil", true},
		{"/brands/:brandID/query-row", "/brands/" + f.own.id + "/query-row?query=anvil", true},
		{"/api/brands/:brandID/queries", "/api/brands/" + f.own.id + "/queries", false},
		{"/admin", "/admin", false},
		{"/admin/history", "/admin/history", true},
		{"/admin/brands", "/admin/brands", false},
		{"/login", "/login", false},
		{"/static/*", "/static/css/app.css", false},
	}
	for _, r := range f.srv.Echo().Routes() {
		if r.Method != http.MethodGet || slices.Contains(queryFreeRoutes, r.Path) {
			continue
		}
		if !slices.ContainsFunc(routes, func(x struct {
			route, path string
			htmx        bool
		}) bool {
			return x.route == r.Path
		}) {
			t.Errorf("GET %s is neither tested here nor listed in queryFreeRoutes", r.Path)
		}
	}
	get := func(path, query string, htmx bool) (int, string) {
		t.Helper()
		req := newRequest(http.MethodGet, path)
		if req.URL.RawQuery != "" { // a route that needs a parameter (?query=) keeps it in front
			query = req.URL.RawQuery + "&" + query
		}
		req.URL.RawQuery = query
		req.RequestURI = req.URL.RequestURI()
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		rec := f.do(req, admin)
		return rec.Code, rec.Body.String()
	}
	for _, tc := range []struct {
		query, param, says string
	}{
		{"q=%ZZ", "q", "percent-encoding"},
		{";q=1", "", "query string"},
		{"page=1&page=abc", "page", "more than once"},
		{"page=1&page=2", "page", "more than once"},
	} {
		for _, r := range routes {
			t.Run(tc.query+" on "+r.route, func(t *testing.T) {
				if code, body := get(r.path, "page=1", r.htmx); code >= 400 {
					t.Fatalf("the well-formed query page=1: %d %.200s", code, body)
				}
				code, body := get(r.path, tc.query, r.htmx)
				if code != http.StatusBadRequest {
					t.Fatalf("got %d, want 400: %.300s", code, body)
				}
				if strings.HasPrefix(r.path, "/api/") {
					var e struct {
						Error struct{ Param, Message string } `json:"error"`
					}
					if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Param != tc.param || !strings.Contains(e.Error.Message, tc.says) {
						t.Fatalf("JSON error %+v (%v), want param %q saying %q", e.Error, err, tc.param, tc.says)
					}
					return
				}
				text := html.UnescapeString(body)
				if tc.param != "" && !strings.Contains(text, `Parameter "`+tc.param+`"`) || !strings.Contains(text, tc.says) {
					t.Fatalf("the answer does not name %q and say %q: %.600s", tc.param, tc.says, text)
				}
			})
		}
	}
}

// TestHandlersReadTheQueryThroughTheParser fails on a handler that reads the query through Echo or
// net/url, which drop what they cannot parse: queryValues (viewstate.ParseQuery) is the only way in.
func TestHandlersReadTheQueryThroughTheParser(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "QueryParam", "QueryParams", "QueryString", "Query", "ParseQuery":
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "viewstate" {
					return true
				}
				t.Errorf("%s: %s reads the query around viewstate.ParseQuery: use queryValues", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d files checked: not run in the web package's directory?", checked)
	}
}
