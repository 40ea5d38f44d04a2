package schema_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// target is one test's database plus the dev database its applies share.
type target struct {
	t      *testing.T
	url    string
	devURL string
}

func newTarget(t *testing.T) *target {
	t.Helper()
	return &target{t: t, url: pgtest.NewEmptyDatabase(t), devURL: pgtest.NewEmptyDatabase(t)}
}

// variant writes testdata/base.hcl with each old string replaced by its new one and returns the path.
func variant(t *testing.T, replacements ...string) string {
	t.Helper()
	src, err := os.ReadFile("testdata/base.hcl")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for i := 0; i+1 < len(replacements); i += 2 {
		if !strings.Contains(text, replacements[i]) {
			t.Fatalf("variant: %q is not in base.hcl", replacements[i])
		}
		text = strings.Replace(text, replacements[i], replacements[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "schema.hcl")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// apply applies file (empty: testdata/base.hcl) and returns the result and the printed output.
func (tg *target) apply(file string, tweak func(*schema.Options)) (*schema.Result, string, error) {
	tg.t.Helper()
	var out bytes.Buffer
	opts := schema.Options{
		ConfigFile: "testdata/atlas.hcl",
		Env:        "test",
		URL:        tg.url,
		DevURL:     tg.devURL,
		Out:        &out,
	}
	if file != "" {
		opts.To = "file://" + file
	}
	if tweak != nil {
		tweak(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := schema.Apply(ctx, opts)
	return res, out.String(), err
}

func (tg *target) mustApply(file string, tweak func(*schema.Options)) (*schema.Result, string) {
	tg.t.Helper()
	res, out, err := tg.apply(file, tweak)
	if err != nil {
		tg.t.Fatalf("apply %s: %v\n%s", file, err, out)
	}
	return res, out
}

func (tg *target) conn() *pgx.Conn {
	tg.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tg.url)
	if err != nil {
		tg.t.Fatal(err)
	}
	tg.t.Cleanup(func() { _ = conn.Close(ctx) }) // the test is over: nothing depends on it
	return conn
}

func (tg *target) exec(sql string, args ...any) {
	tg.t.Helper()
	if _, err := tg.conn().Exec(context.Background(), sql, args...); err != nil {
		tg.t.Fatalf("%s: %v", sql, err)
	}
}

func (tg *target) queryString(sql string, args ...any) string {
	tg.t.Helper()
	var s string
	if err := tg.conn().QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		tg.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// snapshotSQL lists every column, constraint, index, view definition, function definition, trigger,
// comment and grant of the test schemas, plus each relation's and function's oid, so any change (even a
// drop and re-create with the same text) shows.
const snapshotSQL = `
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT format('column %s.%s.%s %s %s', table_schema, table_name, column_name, data_type, is_nullable) AS line
  FROM information_schema.columns WHERE table_schema IN ('public', 'shop')
  UNION ALL SELECT format('relation %s %s oid=%s', c.oid::regclass, c.relkind, c.oid)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'shop')
  UNION ALL SELECT format('constraint %s %s', conname, pg_get_constraintdef(oid))
  FROM pg_constraint WHERE connamespace IN ('public'::regnamespace, 'shop'::regnamespace)
  UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname IN ('public', 'shop')
  UNION ALL SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid))
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND n.nspname IN ('public', 'shop')
  UNION ALL SELECT format('function oid=%s %s', p.oid, pg_get_functiondef(p.oid))
  FROM pg_proc p WHERE p.pronamespace IN ('public'::regnamespace, 'shop'::regnamespace)
  UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT format('comment %s %s %s', classoid::regclass, objsubid, description) FROM pg_description
  WHERE objoid IN (SELECT oid FROM pg_class WHERE relnamespace IN ('public'::regnamespace, 'shop'::regnamespace)
                   UNION SELECT oid FROM pg_proc WHERE pronamespace IN ('public'::regnamespace, 'shop'::regnamespace))
  UNION ALL SELECT format('acl %s %s', c.oid::regclass, c.relacl) FROM pg_class c
  WHERE c.relnamespace IN ('public'::regnamespace, 'shop'::regnamespace) AND c.relacl IS NOT NULL
) lines`

func (tg *target) snapshot() string {
	tg.t.Helper()
	return tg.queryString(snapshotSQL)
}

// assertFailsUnchanged applies file, which must fail with an error containing wantErr and leave the
// target's snapshot as before.
func (tg *target) assertFailsUnchanged(file, before, wantErr string) {
	tg.t.Helper()
	_, out, err := tg.apply(file, func(o *schema.Options) { o.AutoApprove = true })
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		tg.t.Fatalf("want an error containing %q, got %v\n%s", wantErr, err, out)
	}
	if after := tg.snapshot(); after != before {
		tg.t.Errorf("the target changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func (tg *target) oid(regclass string) string {
	tg.t.Helper()
	return tg.queryString("SELECT $1::regclass::oid::text", regclass)
}

// seed loads three customers (active with a zero-amount order only, active with 200 + 5, inactive with
// 50) and refreshes the materialized view.
func (tg *target) seed() {
	tg.t.Helper()
	tg.exec(`INSERT INTO shop.customers (name, active) VALUES ('zero', true), ('big', true), ('gone', false)`)
	tg.exec(`INSERT INTO shop.orders (customer_id, amount, ordered_on)
	         SELECT id, a, date '2024-08-04' FROM shop.customers
	         JOIN (VALUES ('zero', 0), ('big', 200), ('big', 5), ('gone', 50)) v(n, a) ON v.n = name`)
	tg.exec(`CALL public.refresh_totals()`)
}

func sqlOf(res *schema.Result) []string {
	var out []string
	for _, s := range res.Plan.Statements {
		out = append(out, s.SQL)
	}
	return out
}

func TestApplyFreshDatabase(t *testing.T) {
	t.Run("creates every object and a second run plans nothing", func(t *testing.T) {
		tg := newTarget(t)
		res, out := tg.mustApply("", nil)
		if !res.Applied || len(res.Plan.Statements) == 0 {
			t.Fatalf("first apply: applied=%v with %d statements", res.Applied, len(res.Plan.Statements))
		}
		// Without --verbose the output is the summary, not the SQL.
		for _, want := range []string{
			"-- validation: public.customer_totals has 0 rows and 2 indexes",
			fmt.Sprintf("Applied %d statements (0 destructive) in one transaction", len(res.Plan.Statements)),
			"1 materialized view: public.customer_totals\n",
			"1 procedure: public.refresh_totals()\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		for _, unwanted := range []string{"CREATE MATERIALIZED VIEW", "-- prerequisite:"} {
			if strings.Contains(out, unwanted) {
				t.Errorf("output without --verbose has %q:\n%s", unwanted, out)
			}
		}
		if lines := strings.Count(out, "\n"); lines > 24 {
			t.Errorf("summary of a first apply takes %d lines, want one screen (24):\n%s", lines, out)
		}
		checks := map[string]string{
			"materialized view":     "SELECT relkind::text FROM pg_class WHERE oid = 'public.customer_totals'::regclass",
			"view on it":            "SELECT relkind::text FROM pg_class WHERE oid = 'public.big_customers'::regclass",
			"mv unique index":       "SELECT indisunique::text FROM pg_index WHERE indexrelid = 'public.customer_totals_pk'::regclass",
			"function":              "SELECT provolatile::text FROM pg_proc WHERE oid = 'public.customer_total(bigint)'::regprocedure",
			"security definer":      "SELECT prosecdef::text FROM pg_proc WHERE oid = 'public.bump_change_seq()'::regprocedure",
			"procedure":             "SELECT prokind::text FROM pg_proc WHERE oid = 'public.refresh_totals()'::regprocedure",
			"trigger":               "SELECT (pg_get_triggerdef(oid) LIKE '%REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT%')::text FROM pg_trigger WHERE tgname = 'orders_changed'",
			"role nologin":          "SELECT (NOT rolcanlogin)::text FROM pg_roles WHERE rolname = 'authenticated'",
			"grant on mv":           "SELECT has_table_privilege('authenticated', 'public.customer_totals', 'SELECT')::text",
			"grant on function":     "SELECT has_function_privilege('service_role', 'public.customer_total(bigint)', 'EXECUTE')::text",
			"mv comment":            "SELECT obj_description('public.customer_totals'::regclass, 'pg_class')",
			"table comment (atlas)": "SELECT obj_description('shop.orders'::regclass, 'pg_class')",
		}
		want := map[string]string{
			"materialized view": "m", "view on it": "v", "mv unique index": "true", "function": "s",
			"security definer": "true", "procedure": "p", "trigger": "true", "role nologin": "true",
			"grant on mv": "true", "grant on function": "true", "mv comment": "totals per active customer",
			"table comment (atlas)": "one row per order",
		}
		for name, q := range checks {
			if got := tg.queryString(q); got != want[name] {
				t.Errorf("%s: got %q, want %q", name, got, want[name])
			}
		}
		before := tg.snapshot()
		res, out = tg.mustApply("", nil)
		if res.Applied || len(res.Plan.Statements) != 0 {
			t.Fatalf("second apply planned %d statements:\n%s", len(res.Plan.Statements), out)
		}
		if !strings.Contains(out, "Schema is up to date: nothing to do.") {
			t.Errorf("second apply output: %s", out)
		}
		if after := tg.snapshot(); after != before {
			t.Errorf("second apply changed the database")
		}
	})

	t.Run("works without a dev database by using a scratch one it drops", func(t *testing.T) {
		tg := newTarget(t)
		tg.devURL = ""
		countScratch := "SELECT count(*)::text FROM pg_database WHERE datname LIKE 'sqpdash_dev_%'"
		scratchBefore := tg.queryString(countScratch)
		tg.mustApply("", nil)
		res, _ := tg.mustApply("", nil)
		if len(res.Plan.Statements) != 0 {
			t.Errorf("second apply planned %v", sqlOf(res))
		}
		if got := tg.queryString(countScratch); got != scratchBefore {
			t.Errorf("scratch databases left behind: %s before, %s after", scratchBefore, got)
		}
	})
}

func TestApplyChanges(t *testing.T) {
	t.Run("changing the materialized view's SQL recreates it, its indexes, grants and the dependent view", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		if got := tg.queryString("SELECT count(*)::text FROM public.customer_totals"); got != "2" {
			t.Fatalf("seeded view has %s rows, want 2 (zero, big)", got)
		}
		res, _ := tg.mustApply(variant(t, "WHERE c.active", "WHERE c.active AND o.amount > 0"), nil)
		got := sqlOf(res)
		for _, want := range []string{"DROP VIEW public.big_customers", "DROP MATERIALIZED VIEW public.customer_totals"} {
			if !slices.Contains(got, want) {
				t.Errorf("plan lacks %q: %q", want, got)
			}
		}
		if i, j := slices.Index(got, "DROP VIEW public.big_customers"), slices.Index(got, "DROP MATERIALIZED VIEW public.customer_totals"); i > j {
			t.Errorf("the dependent view must be dropped first: %q", got)
		}
		phases := map[schema.Phase]int{}
		for _, st := range res.Plan.Statements {
			phases[st.Phase]++
		}
		// Hold: the comment that keeps refreshes off; build: the view beside, its 2 indexes, ANALYZE; swap: 2
		// drops, 3 renames, the view, comment, grant.
		if want := map[schema.Phase]int{schema.PhaseHold: 1, schema.PhaseBuild: 4, schema.PhaseSwap: 8}; !maps.Equal(phases, want) {
			t.Errorf("plan has %v statements by phase, want %v: %q", phases, want, got)
		}
		if !slices.Equal(res.Plan.Swapped, []string{"public.customer_totals"}) || len(res.Plan.InPlace) != 0 {
			t.Errorf("swapped %q, in place %q", res.Plan.Swapped, res.Plan.InPlace)
		}
		if tg.queryString("SELECT count(*)::text FROM pg_class WHERE relname LIKE '%\\_\\_new'") != "0" {
			t.Errorf("a temporary object was left behind")
		}
		if rows := tg.queryString("SELECT string_agg(c.name, ',') FROM public.customer_totals t JOIN shop.customers c ON c.id = t.customer_id"); rows != "big" {
			t.Errorf("recreated view rows: %q, want only big (the zero-amount customer is filtered now)", rows)
		}
		if n := tg.queryString("SELECT count(*)::text FROM pg_index WHERE indrelid = 'public.customer_totals'::regclass"); n != "2" {
			t.Errorf("recreated view has %s indexes, want 2", n)
		}
		if ok := tg.queryString("SELECT has_table_privilege('authenticated', 'public.customer_totals', 'SELECT')::text"); ok != "true" {
			t.Errorf("grant lost on recreate")
		}
		if n := tg.queryString("SELECT count(*)::text FROM public.big_customers"); n != "1" {
			t.Errorf("dependent view rows: %s, want 1", n)
		}
		res, _ = tg.mustApply(variant(t, "WHERE c.active", "WHERE c.active AND o.amount > 0"), nil)
		if len(res.Plan.Statements) != 0 {
			t.Errorf("re-applying the changed file planned %q", sqlOf(res))
		}
	})

	t.Run("changing one index of the materialized view touches only that index", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		mv := tg.oid("public.customer_totals")
		other := tg.oid("public.customer_totals_pk")
		res, _ := tg.mustApply(variant(t, "desc   = true", "desc   = false"), nil)
		want := []string{"DROP INDEX public.customer_totals_total_idx", "CREATE INDEX customer_totals_total_idx ON public.customer_totals USING btree (total)"}
		if got := sqlOf(res); !slices.Equal(got, want) {
			t.Errorf("plan %q, want %q", got, want)
		}
		if tg.oid("public.customer_totals") != mv || tg.oid("public.customer_totals_pk") != other {
			t.Errorf("the view or its other index was recreated")
		}
	})

	t.Run("changing one function touches only that function", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		before := tg.queryString("SELECT 'public.customer_total(bigint)'::regprocedure::oid::text")
		mv := tg.oid("public.customer_totals")
		res, _ := tg.mustApply(variant(t, "WHERE customer_id = p_customer", "WHERE customer_id = p_customer AND total IS NOT NULL"), nil)
		got := sqlOf(res)
		if len(got) != 1 || !strings.HasPrefix(got[0], "CREATE OR REPLACE FUNCTION public.customer_total(p_customer bigint)") {
			t.Errorf("plan %q, want one CREATE OR REPLACE FUNCTION", got)
		}
		if tg.queryString("SELECT 'public.customer_total(bigint)'::regprocedure::oid::text") != before || tg.oid("public.customer_totals") != mv {
			t.Errorf("the function or the view was recreated")
		}
		if !strings.Contains(tg.queryString("SELECT prosrc FROM pg_proc WHERE oid = 'public.customer_total(bigint)'::regprocedure"), "total IS NOT NULL") {
			t.Errorf("function body not replaced")
		}
	})

	t.Run("a column type change on a table the view reads drops the dependents, alters and recreates them", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		res, _ := tg.mustApply(variant(t, "type = numeric(12, 2)", "type = numeric(14, 2)"), nil)
		got := sqlOf(res)
		alter := slices.IndexFunc(got, func(s string) bool { return strings.HasPrefix(s, `ALTER TABLE "shop"."orders"`) })
		drop := slices.Index(got, "DROP MATERIALIZED VIEW public.customer_totals")
		create := slices.IndexFunc(got, func(s string) bool { return strings.HasPrefix(s, "CREATE MATERIALIZED VIEW public.customer_totals") })
		if alter < 0 || drop < 0 || create < 0 || drop > alter || create < alter {
			t.Fatalf("want drop view, alter, create view; got %q", got)
		}
		if typ := tg.queryString("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'shop.orders'::regclass AND attname = 'amount'"); typ != "numeric(14,2)" {
			t.Errorf("amount is %s", typ)
		}
		if n := tg.queryString("SELECT count(*)::text FROM public.customer_totals"); n != "2" {
			t.Errorf("recreated view has %s rows, want 2", n)
		}
	})
}

func TestApplyFailures(t *testing.T) {
	t.Run("a broken view fails before the target is touched", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		before := tg.snapshot()
		broken := variant(t,
			"WHERE customer_id = p_customer", "WHERE customer_id = p_customer AND total > 0",
			`as         = "SELECT customer_id FROM public.customer_totals WHERE total > 100"`,
			`as         = "SELECT customer_id FROM public.no_such_table"`)
		tg.assertFailsUnchanged(broken, before, "view public.big_customers")
	})

	t.Run("a statement failing on the target rolls the whole plan back", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.seed()
		before := tg.snapshot()
		// The dev database is empty, so the new check passes there; the seeded zero-amount order violates it.
		failing := variant(t,
			"WHERE c.active", "WHERE c.active AND o.amount > 0",
			`expr = "amount >= 0"`, `expr = "amount > 0"`)
		tg.assertFailsUnchanged(failing, before, "nothing was changed")
	})

	t.Run("a destructive change is refused without approval and applied with it", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		before := tg.snapshot()
		// Renaming the table in the file: change_state is no longer declared, so it is dropped.
		dropped := variant(t, `table "change_state" {`, `table "change_state_v2" {`)
		asked := 0
		res, out, err := tg.apply(dropped, func(o *schema.Options) {
			o.Confirm = func(p *schema.Plan) bool { asked++; return false }
		})
		if !errors.Is(err, schema.ErrDestructiveNotApproved) {
			t.Fatalf("want ErrDestructiveNotApproved, got %v\n%s", err, out)
		}
		if asked != 1 || !res.Plan.Destructive {
			t.Errorf("confirm asked %d times, plan destructive=%v", asked, res.Plan.Destructive)
		}
		// Without --verbose only the destructive statements are printed, in full, before the question.
		if !strings.Contains(out, "[DESTRUCTIVE]") || !strings.Contains(out, "DROP TABLE") || !strings.Contains(out, "change_state") {
			t.Errorf("the output does not show the destructive step before asking:\n%s", out)
		}
		if strings.Contains(out, "CREATE TABLE") {
			t.Errorf("without --verbose, statements that destroy nothing were printed:\n%s", out)
		}
		if after := tg.snapshot(); after != before {
			t.Errorf("a refused plan changed the target")
		}
		res, out = tg.mustApply(dropped, func(o *schema.Options) { o.Confirm = func(*schema.Plan) bool { return true } })
		if !res.Applied {
			t.Fatalf("approved plan not applied")
		}
		for _, want := range []string{"  created    1 table: public.change_state_v2\n", "  dropped    1 table: public.change_state\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("summary lacks %q:\n%s", want, out)
			}
		}
		if got := tg.queryString("SELECT coalesce(to_regclass('public.change_state')::text, 'gone')"); got != "gone" {
			t.Errorf("change_state still exists")
		}
	})

	t.Run("an attribute the engine would ignore is reported", func(t *testing.T) {
		tg := &target{t: t, url: "postgres://127.0.0.1:1/never-connected"}
		typo := variant(t, `comment    = "total of one customer"`, `commnet    = "total of one customer"`)
		_, _, err := tg.apply(typo, nil)
		if err == nil || !strings.Contains(err.Error(), `attribute "commnet" is not supported`) {
			t.Errorf("want the typo reported, got %v", err)
		}
	})

	t.Run("a dry run prints the plan and changes nothing", func(t *testing.T) {
		tg := newTarget(t)
		res, out := tg.mustApply("", func(o *schema.Options) { o.DryRun = true })
		if res.Applied || len(res.Plan.Statements) == 0 || !strings.Contains(out, "CREATE TABLE") {
			t.Errorf("dry run: applied=%v statements=%d\n%s", res.Applied, len(res.Plan.Statements), out)
		}
		for _, want := range []string{"CREATE MATERIALIZED VIEW public.customer_totals", "-- prerequisite: public.customer_totals reads table shop.orders", "1 materialized view: public.customer_totals\n", "-- dry run: nothing was changed."} {
			if !strings.Contains(out, want) {
				t.Errorf("dry-run output lacks %q:\n%s", want, out)
			}
		}
		if got := tg.queryString("SELECT coalesce(to_regclass('shop.orders')::text, 'none')"); got != "none" {
			t.Errorf("dry run created shop.orders")
		}
	})
}

func TestApplyRollback(t *testing.T) {
	t.Run("applying the older file brings the database back", func(t *testing.T) {
		tg := newTarget(t)
		base := variant(t)
		tg.mustApply(base, nil)
		tg.seed()
		want := strings.Split(withoutOIDs(tg.snapshot()), "\n")
		newer := variant(t,
			"WHERE c.active", "WHERE c.active AND o.amount > 0",
			`  column "ordered_on" {`, "  column \"note\" {\n    type = text\n    null = true\n  }\n  column \"ordered_on\" {",
			`procedure "refresh_totals" {`, "function \"answer\" {\n  schema = schema.public\n  lang = SQL\n  return = integer\n  as = \"SELECT 42\"\n}\n\nprocedure \"refresh_totals\" {")
		tg.mustApply(newer, nil)
		if got := tg.queryString("SELECT public.answer()::text"); got != "42" {
			t.Fatalf("newer schema not applied")
		}
		res, _ := tg.mustApply(base, func(o *schema.Options) { o.AutoApprove = true })
		if !res.Plan.Destructive {
			t.Errorf("dropping the note column must count as destructive")
		}
		got := strings.Split(withoutOIDs(tg.snapshot()), "\n")
		if !slices.Equal(got, want) {
			t.Errorf("after rollback the schema differs:\nwant:\n%s\ngot:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	})
}

// withoutOIDs drops the oid columns of a snapshot: a rolled-back view is a new object with the old text.
func withoutOIDs(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, " oid="); i >= 0 {
			j := strings.IndexAny(line[i+5:], " \n")
			if j < 0 {
				line = line[:i]
			} else {
				line = line[:i] + line[i+5+j:]
			}
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func TestApplyRepositorySchema(t *testing.T) {
	if _, err := os.Stat("../../schema.hcl"); err != nil {
		t.Fatalf("the repository's schema.hcl: %v", err)
	}
	repo := func(o *schema.Options) { o.ConfigFile = "../../atlas.hcl"; o.AutoApprove = true }

	t.Run("schema.hcl applies through atlas.hcl's test env and a second run plans nothing", func(t *testing.T) {
		tg := newTarget(t)
		res, out := tg.mustApply("", func(o *schema.Options) { repo(o); o.Verbose = true })
		if !res.Applied {
			t.Fatalf("first apply did nothing:\n%s", out)
		}
		for _, want := range []string{
			"-- prerequisite: public.brand_product_segments reads table sqp.segment_sums",
			"-- validation: public.brand_product_segments has 0 rows",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		for _, role := range []string{"authenticated", "service_role"} {
			if got := tg.queryString("SELECT (NOT rolcanlogin)::text FROM pg_roles WHERE rolname = $1", role); got != "true" {
				t.Errorf("role %s: nologin=%s", role, got)
			}
		}
		res, out = tg.mustApply("", repo)
		if len(res.Plan.Statements) != 0 {
			t.Errorf("second apply planned %d statements:\n%s", len(res.Plan.Statements), out)
		}
	})

	t.Run("changing brand_product_segments' SQL builds it beside with its indexes and recreates brand_performance_enhanced", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", repo)
		tg.exec(`WITH b AS (INSERT INTO public.brands (brand_name, display_name) VALUES ('acme', 'Acme') RETURNING id),
		              m AS (INSERT INTO public.asin_brand_mapping (asin, brand_id) SELECT 'B000TEST01', id FROM b),
		              p AS (INSERT INTO sqp.asin_performance_data (asin, start_date, end_date)
		                    VALUES ('B000TEST01', date '2024-08-04', date '2024-08-10') RETURNING id)
		         INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, total_query_impression_count, asin_impression_count)
		         SELECT id, 'widget', 100, 10 FROM p`)
		tg.exec("REFRESH MATERIALIZED VIEW public.brand_product_segments")
		rows := tg.queryString("SELECT count(*)::text FROM public.brand_product_segments")
		indexes := tg.queryString("SELECT count(*)::text FROM pg_index WHERE indrelid = 'public.brand_product_segments'::regclass")
		if rows == "0" {
			t.Fatal("the seeded week produced no segment rows")
		}
		wrapped := wrapMaterializedQuery(t, "../../schema.hcl", "brand_product_segments")
		res, _ := tg.mustApply(wrapped, repo)
		got := sqlOf(res)
		for _, want := range []string{"DROP VIEW public.brand_performance_enhanced", "DROP MATERIALIZED VIEW public.brand_product_segments"} {
			if !slices.Contains(got, want) {
				t.Errorf("plan lacks %q", want)
			}
		}
		if !slices.Contains(res.Plan.Swapped, "public.brand_product_segments") {
			t.Errorf("brand_product_segments was not built beside: swapped %q, in place %q", res.Plan.Swapped, res.Plan.InPlace)
		}
		creates := 0
		for _, s := range got {
			if strings.Contains(s, "INDEX") && strings.Contains(s, `ON "public"."brand_product_segments__new"`) {
				creates++
			}
			if strings.HasPrefix(s, "ALTER TABLE") || strings.HasPrefix(s, "CREATE TABLE") || strings.Contains(s, "FUNCTION") {
				t.Errorf("an MV change touched something else: %s", s)
			}
		}
		if strconv.Itoa(creates) != indexes {
			t.Errorf("plan creates %d indexes on the MV, it has %s", creates, indexes)
		}
		if after := tg.queryString("SELECT count(*)::text FROM public.brand_product_segments"); after != rows {
			t.Errorf("recreated MV has %s rows, had %s", after, rows)
		}
		tg.exec("REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments")
		if res, _ := tg.mustApply(wrapped, repo); len(res.Plan.Statements) != 0 {
			t.Errorf("re-applying the changed file planned %q", sqlOf(res))
		}
		tg.mustApply("", repo)
		if res, _ := tg.mustApply("", repo); len(res.Plan.Statements) != 0 {
			t.Errorf("after rolling back, a second apply planned %q", sqlOf(res))
		}
	})
}

// wrapMaterializedQuery copies a schema file with the named materialized view's query wrapped in
// SELECT * FROM (...): the same rows through a different definition.
func wrapMaterializedQuery(t *testing.T, file, name string) string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	start := slices.Index(lines, `materialized "`+name+`" {`)
	if start < 0 {
		t.Fatalf("%s: no materialized %q block", file, name)
	}
	as := -1
	for i := start; i < len(lines) && lines[i] != "}"; i++ {
		if f := strings.Fields(lines[i]); len(f) == 3 && f[0] == "as" && f[1] == "=" && f[2] == "<<-SQL" {
			as = i
			break
		}
	}
	end := -1
	for i := as + 1; as >= 0 && i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "SQL" {
			end = i
			break
		}
	}
	if as < 0 || end < 0 {
		t.Fatalf("%s: materialized %q has no as = <<-SQL ... SQL query", file, name)
	}
	indent := lines[as+1][:len(lines[as+1])-len(strings.TrimLeft(lines[as+1], " "))]
	out := slices.Concat(lines[:as+1], []string{indent + "SELECT * FROM ("}, lines[as+1:end], []string{indent + ") AS wrapped"}, lines[end:])
	path := filepath.Join(t.TempDir(), "schema.hcl")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
