package schema_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestApplyQuotedNames applies a schema whose names are reserved words or contain a quote: every statement
// must quote them, and the plan must find them in the catalogs, where PostgreSQL quotes them its own way.
func TestApplyQuotedNames(t *testing.T) {
	tg := newTarget(t)
	tg.mustApply("testdata/quoting.hcl", nil)
	checks := map[string]string{
		`SELECT public."between"(1)::text`: "2",
		`SELECT count(*)::text FROM pg_trigger WHERE tgname = 'it''s "quoted"' AND tgrelid = 'shop."window"'::regclass`:  "1",
		`SELECT has_table_privilege('user', 'public."select"', 'SELECT')::text`:                                          "true",
		`SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'public."select"'::regclass`: `user,amount,it's "x"`,
	}
	for q, want := range checks {
		if got := tg.queryString(q); got != want {
			t.Errorf("%s: got %q, want %q", q, got, want)
		}
	}
	if res, out := tg.mustApply("testdata/quoting.hcl", nil); len(res.Plan.Statements) != 0 {
		t.Fatalf("second apply planned %d statements:\n%s", len(res.Plan.Statements), out)
	}

	// A column type change on shop."window" must find the view reading it (matched through the catalogs'
	// shop."window", which a partial keyword list rendered shop.window) and recreate it around the ALTER.
	src, err := os.ReadFile("testdata/quoting.hcl")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "column \"amount\" {\n    type = integer", "column \"amount\" {\n    type = bigint", 1)
	if changed == string(src) {
		t.Fatal("the amount column is not in quoting.hcl")
	}
	path := filepath.Join(t.TempDir(), "schema.hcl")
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	res, out := tg.mustApply(path, nil)
	if got := sqlOf(res); !slices.Contains(got, `DROP VIEW public."select"`) {
		t.Errorf("plan does not drop the view reading the altered table:\n%s", out)
	}
	if got := tg.queryString(`SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public."select"'::regclass AND attname = 'amount'`); got != "bigint" {
		t.Errorf("the recreated view's amount is %s, want bigint", got)
	}
	if res, out := tg.mustApply(path, nil); len(res.Plan.Statements) != 0 {
		t.Fatalf("apply after the change planned %d statements:\n%s", len(res.Plan.Statements), out)
	}
}
