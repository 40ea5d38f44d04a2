package schema_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// allowedWarnings are the plpgsql_check findings kept on purpose in schema.hcl, by routine (regprocedure
// text) and message, each with the reason it is right as written. Anything else fails the test.
var allowedWarnings = map[[2]string]string{}

// TestPlpgsqlCheckRepositorySchema runs plpgsql_check (the extension of Debian's postgresql-15-plpgsql-check,
// installed by .ci/install-deps.sh --test) on every PL/pgSQL function, procedure and trigger function that
// schema.hcl creates, with all its warnings on: PostgreSQL itself checks a PL/pgSQL body only for syntax at
// CREATE, so a wrong column, a type mismatch or an unused variable would otherwise show only when the line
// runs. No error may be reported, and each warning must be fixed or listed in allowedWarnings.
func TestPlpgsqlCheckRepositorySchema(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }() // the test is over: nothing depends on it
	// In a schema of its own, so that its functions are not mistaken for the schema's.
	if _, err := conn.Exec(ctx, "CREATE SCHEMA plpgsql_check; CREATE EXTENSION plpgsql_check SCHEMA plpgsql_check"); err != nil {
		var dir string
		_ = conn.QueryRow(ctx, "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'").Scan(&dir)
		t.Fatalf("CREATE EXTENSION plpgsql_check on the test server (share dir %s): %v\n"+
			"Install it with .ci/install-deps.sh --test (make test does): Debian's postgresql-15-plpgsql-check "+
			"(on a server given by %s, the test's role must also be allowed to create it).", dir, err, pgtest.DatabaseURLEnv)
	}

	// Every PL/pgSQL routine outside the system and extension schemas, and for a trigger function each
	// table it fires on with every transition table its triggers there declare: plpgsql_check reads the
	// whole body, so a branch that runs only for the UPDATE trigger (old_rows and new_rows) is checked with
	// the TRUNCATE trigger's table too.
	rows, err := conn.Query(ctx, `
SELECT p.oid::regprocedure::text, p.prokind::text, p.prorettype = 'trigger'::regtype,
       coalesce(tg.tgrelid, 0)::regclass::text, max(tg.tgoldtable::text), max(tg.tgnewtable::text)
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_trigger tg ON tg.tgfoid = p.oid AND NOT tg.tgisinternal
WHERE l.lanname = 'plpgsql'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'plpgsql_check')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
GROUP BY p.oid, p.prokind, p.prorettype, tg.tgrelid
ORDER BY 1, 4`)
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		routine, kind, relid string
		trigger              bool
		oldTable, newTable   *string
	}
	var targets []target
	for rows.Next() {
		var tg target
		if err := rows.Scan(&tg.routine, &tg.kind, &tg.trigger, &tg.relid, &tg.oldTable, &tg.newTable); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, tg := range targets {
		kind := map[string]string{"f": "function", "p": "procedure"}[tg.kind]
		if tg.trigger {
			kind = "trigger function"
		}
		kinds[kind]++
	}
	t.Logf("checking %d routine/table pairs: %v", len(targets), kinds)
	for _, kind := range []string{"function", "procedure", "trigger function"} {
		if kinds[kind] == 0 {
			t.Errorf("found no PL/pgSQL %s in schema.hcl's database: the query above no longer finds them", kind)
		}
	}

	// The check itself must see mistakes: a routine with a misspelt column and an unused variable, created
	// after the listing, must be reported with an error and a warning.
	if _, err := conn.Exec(ctx, `CREATE FUNCTION plpgsql_check.canary() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_unused int; v_n bigint;
BEGIN
  SELECT count(b.no_such_column) INTO v_n FROM public.brands b;
  RETURN v_n;
END $$`); err != nil {
		t.Fatal(err)
	}
	var canary string
	if err := conn.QueryRow(ctx, `SELECT string_agg(level || ': ' || message, '; ' ORDER BY level)
FROM plpgsql_check.plpgsql_check_function_tb('plpgsql_check.canary()', fatal_errors => false, all_warnings => true)`).Scan(&canary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(canary, "error: column b.no_such_column does not exist") || !strings.Contains(canary, "unused variable") {
		t.Fatalf("plpgsql_check missed the canary's misspelt column or unused variable: %s", canary)
	}

	used := map[[2]string]bool{}
	for _, tg := range targets {
		what := tg.routine
		if tg.trigger {
			if tg.relid == "-" {
				t.Errorf("trigger function %s is used by no trigger, so it cannot be checked", tg.routine)
				continue
			}
			what += " on " + tg.relid
		}
		rows, err := conn.Query(ctx, `
SELECT coalesce(lineno, 0), level, message, coalesce(detail, ''), coalesce(statement, '')
FROM plpgsql_check.plpgsql_check_function_tb($1::regprocedure, $2::regclass, fatal_errors => false,
     all_warnings => true, oldtable => $3, newtable => $4)`, tg.routine, tg.relid, tg.oldTable, tg.newTable)
		if err != nil {
			t.Fatalf("plpgsql_check %s: %v", what, err)
		}
		for rows.Next() {
			var line int
			var level, message, detail, statement string
			if err := rows.Scan(&line, &level, &message, &detail, &statement); err != nil {
				t.Fatal(err)
			}
			finding := fmt.Sprintf("%s line %d (%s): %s: %s", what, line, statement, level, message)
			if detail != "" {
				finding += " (" + detail + ")"
			}
			key := [2]string{tg.routine, message}
			switch {
			case level == "error":
				t.Errorf("%s", finding)
			case allowedWarnings[key] != "":
				used[key] = true
				t.Logf("allowed: %s: %s", finding, allowedWarnings[key])
			default:
				t.Errorf("%s\n(fix it in schema.hcl, or add it to allowedWarnings with the reason it is right)", finding)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("plpgsql_check %s: %v", what, err)
		}
	}
	for key := range allowedWarnings {
		if !used[key] {
			t.Errorf("allowedWarnings lists %s: %q, which plpgsql_check no longer reports: remove it", key[0], key[1])
		}
	}
}
