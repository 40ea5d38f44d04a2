package schema_test

import (
	"testing"
)

// TestApplyReferenceForms applies the PostgreSQL examples of Atlas's HCL reference (testdata/reference.hcl):
// unnamed arguments, SQL-standard bodies (RETURN, BEGIN ATOMIC), a trigger without `for` (a statement
// trigger, PostgreSQL's default), `update_of`, a computed trigger (`for_each`) and a procedure with a
// default. A second run plans nothing.
func TestApplyReferenceForms(t *testing.T) {
	tg := newTarget(t)
	tg.mustApply("testdata/reference.hcl", nil)
	checks := map[string]string{
		`SELECT public.positive(2)::text || public.sql_body1(3) || public.sql_body2(4)`: "true34",
		// SQL-standard bodies are parsed at CREATE and stored as such (prosqlbody), not as text.
		`SELECT string_agg(proname || '=' || (prosqlbody IS NOT NULL), ',' ORDER BY proname) FROM pg_proc WHERE proname LIKE 'sql_body%'`:                                     "sql_body1=true,sql_body2=true",
		`SELECT pg_get_function_arguments('public.sql_body2'::regproc) || ' ' || provolatile::text || proisstrict::text FROM pg_proc WHERE oid = 'public.sql_body2'::regproc`: "integer itrue",
		`SELECT pg_get_function_arguments('public.proc'::regproc)`: "IN a integer, IN b text, IN c integer DEFAULT 100",
		`SELECT string_agg(pg_get_triggerdef(oid), E'\n' ORDER BY tgname, tgrelid::regclass::text) FROM pg_trigger WHERE NOT tgisinternal`: "" +
			"CREATE TRIGGER audit_log_trigger AFTER INSERT OR DELETE OR UPDATE ON shop.orders FOR EACH STATEMENT EXECUTE FUNCTION audit_orders()\n" +
			"CREATE TRIGGER audit_log_trigger AFTER INSERT OR DELETE OR UPDATE ON shop.payments FOR EACH STATEMENT EXECUTE FUNCTION audit_orders()\n" +
			"CREATE TRIGGER trigger_orders_audit AFTER INSERT OR UPDATE OF amount ON shop.orders FOR EACH STATEMENT EXECUTE FUNCTION audit_orders()",
	}
	for q, want := range checks {
		if got := tg.queryString(q); got != want {
			t.Errorf("%s:\ngot  %q\nwant %q", q, got, want)
		}
	}
	// The procedure's default fills c; each statement trigger fires once per INSERT, with NEW unset (NULL).
	tg.exec(`CALL public.proc(1, 'x')`)
	if got := tg.queryString(`SELECT (SELECT string_agg(order_id || ':' || amount, ',') FROM shop.orders) || ' ' ||
	       (SELECT string_agg(coalesce(order_id::text, 'null') || ':' || operation, ',' ORDER BY order_id NULLS FIRST) FROM shop.orders_audit)`); got != "1:100 null:INSERT,null:INSERT,100:x" {
		t.Errorf("after CALL proc(1, 'x'): orders and audit rows %q", got)
	}
	if res, out := tg.mustApply("testdata/reference.hcl", nil); len(res.Plan.Statements) != 0 {
		t.Fatalf("second apply planned %d statements:\n%s", len(res.Plan.Statements), out)
	}
}
