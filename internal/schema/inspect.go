package schema

import (
	"context"
	"database/sql"
	"fmt"

	atlasschema "ariga.io/atlas/sql/schema"
)

// catalog is what a database holds of the engine's objects, read through PostgreSQL's own deparsers
// (pg_get_viewdef, pg_get_functiondef, pg_get_indexdef, pg_get_triggerdef) with an empty search_path, so
// every name is qualified and two databases built from the same schema files read the same.
type catalog struct {
	relations map[string]*catRelation // views and materialized views by qualified name
	routines  map[string]*catRoutine  // functions and procedures by regprocedure text
	indexes   map[string]*catIndex    // indexes of materialized views by qualified name
	triggers  map[string]*catTrigger  // user triggers by "name ON table"
	comments  map[string]catComment   // by the COMMENT ON target, e.g. "VIEW public.v"
	grants    map[catGrant]bool
	tables    map[string]uint32    // tables by qualified name -> oid
	tableKeys map[[2]string]string // {schema, table} as named -> qualified name as in tables
	roles     map[string]bool      // the declared roles that exist
	deps      []catDep             // view/materialized view -> relation or function it reads
	byOID     map[uint32]string    // owner key ("rel:...", "routine:...", "table:...") of an oid
}

type catRelation struct {
	OID  uint32
	Name string
	// Schema and Rel are the schema's and the relation's names as they are (unquoted), for the temporary
	// name of a materialized view built beside this one (swap.go).
	Schema, Rel string
	Kind        string // "v" or "m"
	Def         string
	// Options are the reloptions (check_option, security_barrier), which pg_get_viewdef leaves out.
	Options string
}

type catRoutine struct {
	OID    uint32
	Sig    string // regprocedure: public.f(uuid,date)
	Kind   string // "f" or "p"
	Def    string // CREATE OR REPLACE FUNCTION ...
	Result string
	Args   string
	// Definer is SECURITY DEFINER; PublicExecute says PUBLIC may execute it (a NULL proacl is the default
	// ACL, which grants EXECUTE to PUBLIC).
	Definer, PublicExecute bool
}

type catIndex struct {
	OID      uint32
	Name     string
	Relation string
	Def      string
	// Ident is the index's own name as pg_get_indexdef writes it (quote_ident), Rel the name as it is.
	Ident, Rel string
}

type catTrigger struct {
	OID      uint32
	Key      string // "name ON schema.table"
	Relation string
	Def      string
	Func     uint32
}

type catComment struct {
	Owner string // "rel:public.v", "routine:...", "index:...", "trigger:..."
	Text  string
}

// catGrant is one privilege of a declared role on one object.
type catGrant struct {
	On        string // "TABLE public.t", "FUNCTION public.f(uuid)", "SCHEMA sqp"
	Owner     string // "rel:public.t", "table:public.t", "routine:...", "schema:sqp"
	Privilege string
	Role      string
	Grantable bool
}

type catDep struct {
	Dependent, Referenced uint32
}

const (
	relationsSQL = `
SELECT c.oid, format('%I.%I', n.nspname, c.relname), n.nspname, c.relname, c.relkind::text, pg_get_viewdef(c.oid, true),
       coalesce(array_to_string(c.reloptions, ', '), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`

	routinesSQL = `
SELECT p.oid, p.oid::regprocedure::text, p.prokind::text, pg_get_functiondef(p.oid),
       coalesce(pg_get_function_result(p.oid), ''), pg_get_function_arguments(p.oid), p.prosecdef,
       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p') AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`

	indexesSQL = `
SELECT i.oid, format('%I.%I', n.nspname, i.relname), format('%I.%I', tn.nspname, t.relname), pg_get_indexdef(i.oid),
       quote_ident(i.relname), i.relname
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE t.relkind = 'm' AND tn.nspname = ANY($1)`

	triggersSQL = `
SELECT tg.oid, format('%I ON %I.%I', tg.tgname, n.nspname, c.relname), format('%I.%I', n.nspname, c.relname),
       pg_get_triggerdef(tg.oid), tg.tgfoid
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT tg.tgisinternal AND n.nspname = ANY($1)`

	tablesSQL = `
SELECT c.oid, format('%I.%I', n.nspname, c.relname), n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)`

	commentsSQL = `
SELECT CASE WHEN d.objsubid = 0
            THEN CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'VIEW ' END || format('%I.%I', n.nspname, c.relname)
            ELSE 'COLUMN ' || format('%I.%I.%I', n.nspname, c.relname, a.attname) END,
       'rel:' || format('%I.%I', n.nspname, c.relname), d.description
FROM pg_description d
JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1)
UNION ALL
SELECT 'INDEX ' || format('%I.%I', n.nspname, i.relname), 'index:' || format('%I.%I', n.nspname, i.relname), d.description
FROM pg_description d
JOIN pg_class i ON d.classoid = 'pg_class'::regclass AND d.objoid = i.oid AND d.objsubid = 0
JOIN pg_namespace n ON n.oid = i.relnamespace
JOIN pg_index x ON x.indexrelid = i.oid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relkind = 'm' AND n.nspname = ANY($1)
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || p.oid::regprocedure::text,
       'routine:' || p.oid::regprocedure::text, d.description
FROM pg_description d
JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY($1)
UNION ALL
SELECT 'TRIGGER ' || format('%I ON %I.%I', tg.tgname, n.nspname, c.relname),
       'trigger:' || format('%I ON %I.%I', tg.tgname, n.nspname, c.relname), d.description
FROM pg_description d
JOIN pg_trigger tg ON d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid
JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)`

	grantsSQL = `
SELECT 'TABLE ' || format('%I.%I', n.nspname, c.relname),
       CASE WHEN c.relkind IN ('v', 'm') THEN 'rel:' ELSE 'table:' END || format('%I.%I', n.nspname, c.relname),
       a.privilege_type, r.rolname, a.is_grantable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY($1) AND r.rolname = ANY($2)
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || p.oid::regprocedure::text,
       'routine:' || p.oid::regprocedure::text, a.privilege_type, r.rolname, a.is_grantable
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL aclexplode(p.proacl) a JOIN pg_roles r ON r.oid = a.grantee
WHERE n.nspname = ANY($1) AND r.rolname = ANY($2)
UNION ALL
SELECT 'SCHEMA ' || quote_ident(n.nspname), 'schema:' || quote_ident(n.nspname), a.privilege_type, r.rolname, a.is_grantable
FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles r ON r.oid = a.grantee
WHERE n.nspname = ANY($1) AND r.rolname = ANY($2)`

	// Views and materialized views depend on what they read through their rewrite rule; a routine with an
	// SQL-standard body (BEGIN ATOMIC, RETURN) is bound when created and depends on what it reads directly.
	// Other SQL and PL/pgSQL routines look names up when they run and have no such dependency.
	depsSQL = `
SELECT DISTINCT r.ev_class, d.refobjid
FROM pg_depend d JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
WHERE d.refobjid <> r.ev_class AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)
UNION
SELECT d.objid, d.refobjid
FROM pg_depend d
WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'n' AND d.refobjid <> d.objid
  AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)`

	rolesSQL = `SELECT rolname FROM pg_roles WHERE rolname = ANY($1)`
)

// readCatalog reads the engine's objects of the managed schemas. q must be a single session (a *sql.Conn
// or *sql.Tx) whose search_path is empty, so that the deparsers qualify every name.
func readCatalog(ctx context.Context, q atlasschema.ExecQuerier, schemas, roles []string) (*catalog, error) {
	c := &catalog{
		relations: make(map[string]*catRelation),
		routines:  make(map[string]*catRoutine),
		indexes:   make(map[string]*catIndex),
		triggers:  make(map[string]*catTrigger),
		comments:  make(map[string]catComment),
		grants:    make(map[catGrant]bool),
		tables:    make(map[string]uint32),
		tableKeys: make(map[[2]string]string),
		roles:     make(map[string]bool),
		byOID:     make(map[uint32]string),
	}
	nsp, rls := schemas, roles
	err := scanRows(ctx, q, relationsSQL, []any{nsp}, func(rows *sql.Rows) error {
		r := &catRelation{}
		if err := rows.Scan(&r.OID, &r.Name, &r.Schema, &r.Rel, &r.Kind, &r.Def, &r.Options); err != nil {
			return err
		}
		c.relations[r.Name], c.byOID[r.OID] = r, "rel:"+r.Name
		return nil
	})
	if err == nil {
		err = scanRows(ctx, q, routinesSQL, []any{nsp}, func(rows *sql.Rows) error {
			r := &catRoutine{}
			if err := rows.Scan(&r.OID, &r.Sig, &r.Kind, &r.Def, &r.Result, &r.Args, &r.Definer, &r.PublicExecute); err != nil {
				return err
			}
			c.routines[r.Sig], c.byOID[r.OID] = r, "routine:"+r.Sig
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, indexesSQL, []any{nsp}, func(rows *sql.Rows) error {
			i := &catIndex{}
			if err := rows.Scan(&i.OID, &i.Name, &i.Relation, &i.Def, &i.Ident, &i.Rel); err != nil {
				return err
			}
			c.indexes[i.Name] = i
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, triggersSQL, []any{nsp}, func(rows *sql.Rows) error {
			t := &catTrigger{}
			if err := rows.Scan(&t.OID, &t.Key, &t.Relation, &t.Def, &t.Func); err != nil {
				return err
			}
			c.triggers[t.Key] = t
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, tablesSQL, []any{nsp}, func(rows *sql.Rows) error {
			var oid uint32
			var name, sch, rel string
			if err := rows.Scan(&oid, &name, &sch, &rel); err != nil {
				return err
			}
			c.tables[name], c.byOID[oid] = oid, "table:"+name
			c.tableKeys[[2]string{sch, rel}] = name
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, commentsSQL, []any{nsp}, func(rows *sql.Rows) error {
			var on string
			var cm catComment
			if err := rows.Scan(&on, &cm.Owner, &cm.Text); err != nil {
				return err
			}
			c.comments[on] = cm
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, grantsSQL, []any{nsp, rls}, func(rows *sql.Rows) error {
			var g catGrant
			if err := rows.Scan(&g.On, &g.Owner, &g.Privilege, &g.Role, &g.Grantable); err != nil {
				return err
			}
			c.grants[g] = true
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, depsSQL, nil, func(rows *sql.Rows) error {
			var d catDep
			if err := rows.Scan(&d.Dependent, &d.Referenced); err != nil {
				return err
			}
			c.deps = append(c.deps, d)
			return nil
		})
	}
	if err == nil {
		err = scanRows(ctx, q, rolesSQL, []any{rls}, func(rows *sql.Rows) error {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			c.roles[name] = true
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	return c, nil
}

func scanRows(ctx context.Context, q atlasschema.ExecQuerier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }() // rows.Err, returned below, reports a failed read
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
