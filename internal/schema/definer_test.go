package schema_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/schema"
)

// queryAs runs query in a rolled-back transaction as role (SET LOCAL ROLE) and returns its error.
func (tg *target) queryAs(role, query string) error {
	tg.t.Helper()
	ctx := context.Background()
	tx, err := tg.conn().Begin(ctx)
	if err != nil {
		tg.t.Fatal(err)
	}
	defer func() {
		if err := tx.Rollback(ctx); err != nil {
			tg.t.Errorf("roll back the transaction as %s: %v", role, err)
		}
	}()
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+pgx.Identifier{role}.Sanitize()); err != nil {
		tg.t.Fatalf("set role %s: %v", role, err)
	}
	_, err = tx.Exec(ctx, query)
	return err
}

// newRoleWithoutGrants creates a role no permission block names (roles belong to the cluster, so it is
// dropped when the test ends).
func (tg *target) newRoleWithoutGrants() string {
	tg.t.Helper()
	role := fmt.Sprintf("no_grants_%d", time.Now().UnixNano())
	tg.exec("CREATE ROLE " + role + " NOLOGIN")
	tg.t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, tg.url)
		if err != nil {
			tg.t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer func() { _ = conn.Close(ctx) }() // the role is dropped (or the failure reported) by then
		if _, err := conn.Exec(ctx, "DROP ROLE "+role); err != nil {
			tg.t.Errorf("drop role %s: %v", role, err)
		}
	})
	return role
}

// assertDefinerLocked checks that a role without grants cannot call public.active_customers() and that
// service_role, which a permission block names, can.
func (tg *target) assertDefinerLocked(call string) {
	tg.t.Helper()
	fresh := tg.newRoleWithoutGrants()
	if err := tg.queryAs(fresh, call); err == nil || !strings.Contains(err.Error(), "permission denied for function") {
		tg.t.Errorf("%s as a role without grants: want permission denied, got %v", call, err)
	}
	if err := tg.queryAs("service_role", call); err != nil {
		tg.t.Errorf("%s as service_role (granted EXECUTE): %v", call, err)
	}
}

func TestApplySecurityDefiner(t *testing.T) {
	const revoke = "REVOKE EXECUTE ON FUNCTION public.active_customers() FROM PUBLIC"

	t.Run("PUBLIC cannot execute a definer function, the granted role can, a second run plans nothing", func(t *testing.T) {
		tg := newTarget(t)
		res, _ := tg.mustApply("", nil)
		got := sqlOf(res)
		for _, want := range []string{revoke, "REVOKE EXECUTE ON FUNCTION public.bump_change_seq() FROM PUBLIC"} {
			if !slices.Contains(got, want) {
				t.Errorf("plan lacks %q", want)
			}
		}
		if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "customer_total(bigint) FROM PUBLIC") }) {
			t.Errorf("the SECURITY INVOKER function customer_total lost PUBLIC EXECUTE: %q", got)
		}
		tg.assertDefinerLocked("SELECT public.active_customers()")
		fresh := tg.newRoleWithoutGrants()
		if got := tg.queryString("SELECT has_function_privilege($1, 'public.customer_total(bigint)', 'EXECUTE')::text", fresh); got != "true" {
			t.Errorf("a role without grants may execute the invoker function customer_total: %s, want true", got)
		}
		if got := tg.queryString("SELECT array_to_string(proconfig, '; ') FROM pg_proc WHERE oid = 'public.active_customers()'::regprocedure"); got != "search_path=pg_catalog, pg_temp" {
			t.Errorf("config_params: proconfig is %q", got)
		}
		if res, out := tg.mustApply("", nil); len(res.Plan.Statements) != 0 {
			t.Errorf("second apply planned %d statements:\n%s", len(res.Plan.Statements), out)
		}
	})

	t.Run("a definer function recreated or replaced by a change gets its PUBLIC revoke again", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		recreated := variant(t,
			"return     = bigint", "return     = integer",
			`"SELECT count(*) FROM shop.customers WHERE active"`, `"SELECT count(*)::integer FROM shop.customers WHERE active"`)
		res, _ := tg.mustApply(recreated, nil)
		got := sqlOf(res)
		if !slices.Contains(got, "DROP FUNCTION public.active_customers()") || !slices.Contains(got, revoke) {
			t.Errorf("a result type change: plan %q, want the function dropped, created and PUBLIC revoked", got)
		}
		tg.assertDefinerLocked("SELECT public.active_customers()")

		replaced := variant(t,
			"return     = bigint", "return     = integer",
			`"SELECT count(*) FROM shop.customers WHERE active"`, `"SELECT count(*)::integer FROM shop.customers WHERE active"`,
			`search_path = "pg_catalog, pg_temp"`, `search_path = "pg_catalog"`)
		res, _ = tg.mustApply(replaced, nil)
		got = sqlOf(res)
		if len(got) != 2 || !strings.HasPrefix(got[0], "CREATE OR REPLACE FUNCTION public.active_customers()") ||
			!strings.Contains(got[0], "SET search_path TO 'pg_catalog'") || got[1] != revoke {
			t.Errorf("a search_path change: plan %q, want CREATE OR REPLACE with the new SET, then the revoke", got)
		}
		tg.assertDefinerLocked("SELECT public.active_customers()")
		if res, _ := tg.mustApply(replaced, nil); len(res.Plan.Statements) != 0 {
			t.Errorf("re-applying planned %q", sqlOf(res))
		}
	})

	t.Run("PUBLIC EXECUTE on the target, granted by hand or by a NULL ACL, is revoked", func(t *testing.T) {
		tg := newTarget(t)
		tg.mustApply("", nil)
		tg.exec("GRANT EXECUTE ON FUNCTION public.active_customers() TO PUBLIC")
		res, _ := tg.mustApply("", nil)
		if got := sqlOf(res); !slices.Equal(got, []string{revoke}) {
			t.Errorf("after a hand-made grant to PUBLIC: plan %q, want only %q", got, revoke)
		}
		tg.assertDefinerLocked("SELECT public.active_customers()")

		// The same function created again by hand has a NULL ACL: PostgreSQL's default, PUBLIC included.
		def := tg.queryString("SELECT pg_get_functiondef('public.active_customers()'::regprocedure)")
		tg.exec("DROP FUNCTION public.active_customers()")
		tg.exec(def)
		if got := tg.queryString("SELECT (proacl IS NULL)::text FROM pg_proc WHERE oid = 'public.active_customers()'::regprocedure"); got != "true" {
			t.Fatalf("proacl IS NULL = %s after re-creating the function by hand", got)
		}
		res, _ = tg.mustApply("", nil)
		got := sqlOf(res)
		if !slices.Contains(got, revoke) || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "CREATE") }) {
			t.Errorf("with a NULL ACL: plan %q, want the revoke and no CREATE", got)
		}
		tg.assertDefinerLocked("SELECT public.active_customers()")
	})
}

func TestApplyRepositorySchemaDefiners(t *testing.T) {
	repo := func(o *schema.Options) { o.ConfigFile = "../../atlas.hcl"; o.AutoApprove = true }
	tg := newTarget(t)
	tg.mustApply("", repo)
	fresh := tg.newRoleWithoutGrants()
	definers := tg.queryString(`SELECT count(*)::text FROM pg_proc
		WHERE prosecdef AND pronamespace IN ('public'::regnamespace, 'sqp'::regnamespace)`)
	if definers == "0" {
		t.Fatal("schema.hcl declares no SECURITY DEFINER function: nothing to check")
	}
	if open := tg.queryString(`SELECT coalesce(string_agg(oid::regprocedure::text, ', '), '') FROM pg_proc
		WHERE prosecdef AND pronamespace IN ('public'::regnamespace, 'sqp'::regnamespace)
		  AND has_function_privilege($1, oid, 'EXECUTE')`, fresh); open != "" {
		t.Errorf("SECURITY DEFINER functions a role without grants may execute (through PUBLIC): %s", open)
	}
	if unpinned := tg.queryString(`SELECT coalesce(string_agg(oid::regprocedure::text, ', '), '') FROM pg_proc
		WHERE prosecdef AND pronamespace IN ('public'::regnamespace, 'sqp'::regnamespace)
		  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (proconfig), false)`); unpinned != "" {
		t.Errorf("SECURITY DEFINER functions without SET search_path = pg_catalog, pg_temp: %s", unpinned)
	}
}
