package schema

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// newCatalog returns an empty catalog for the planner's tests.
func newCatalog() *catalog {
	return &catalog{
		relations: map[string]*catRelation{}, routines: map[string]*catRoutine{}, indexes: map[string]*catIndex{},
		triggers: map[string]*catTrigger{}, comments: map[string]catComment{}, grants: map[catGrant]bool{},
		tables: map[string]uint32{}, roles: map[string]bool{}, byOID: map[uint32]string{},
	}
}

func (c *catalog) addRel(oid uint32, name, kind, def string) {
	sch, rel, _ := strings.Cut(name, ".")
	c.relations[name] = &catRelation{OID: oid, Name: name, Schema: sch, Rel: rel, Kind: kind, Def: def}
	c.byOID[oid] = "rel:" + name
}

func (c *catalog) addRoutine(oid uint32, sig, def, result string) {
	c.routines[sig] = &catRoutine{OID: oid, Sig: sig, Kind: "f", Def: def, Result: result}
	c.byOID[oid] = "routine:" + sig
}

func (c *catalog) addTable(oid uint32, name string) {
	c.tables[name] = oid
	c.byOID[oid] = "table:" + name
}

func planSQL(p *planner) []string {
	before, after := p.planObjects()
	var out []string
	for _, s := range slices.Concat(p.build, before, after) {
		out = append(out, s.SQL)
	}
	return out
}

func TestPlanObjects(t *testing.T) {
	t.Run("a view two levels above a changed view is dropped first and recreated last", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addRel(10, "public.m", "m", "SELECT 1")
		cur.addRel(11, "public.v1", "v", "SELECT * FROM m")
		cur.addRel(12, "public.v2", "v", "SELECT * FROM v1")
		cur.deps = []catDep{{11, 10}, {12, 11}}
		des.addRel(20, "public.m", "m", "SELECT 2")
		des.addRel(21, "public.v1", "v", "SELECT * FROM m")
		des.addRel(22, "public.v2", "v", "SELECT * FROM v1")
		got := planSQL(&planner{cur: cur, des: des})
		want := []string{
			"COMMENT ON MATERIALIZED VIEW public.m IS NULL",
			"CREATE MATERIALIZED VIEW \"public\".\"m__new\" AS\nSELECT 2\nWITH DATA", "ANALYZE \"public\".\"m__new\"",
			"DROP VIEW public.v2", "DROP VIEW public.v1", "DROP MATERIALIZED VIEW public.m",
			"ALTER MATERIALIZED VIEW \"public\".\"m__new\" RENAME TO \"m\"", "CREATE VIEW public.v1 AS\nSELECT * FROM m", "CREATE VIEW public.v2 AS\nSELECT * FROM v1",
		}
		if !slices.Equal(got, want) {
			t.Errorf("plan\n%q\nwant\n%q", got, want)
		}
	})

	t.Run("a function whose result changes is dropped with the view and trigger that use it", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addRoutine(10, "public.f()", "CREATE OR REPLACE FUNCTION public.f() RETURNS int", "integer")
		cur.addRel(11, "public.v", "v", "SELECT public.f()")
		cur.deps = []catDep{{11, 10}}
		cur.triggers["t ON public.x"] = &catTrigger{OID: 12, Key: "t ON public.x", Relation: "public.x", Def: "CREATE TRIGGER t", Func: 10}
		des.addRoutine(20, "public.f()", "CREATE OR REPLACE FUNCTION public.f() RETURNS bigint", "bigint")
		des.addRel(21, "public.v", "v", "SELECT public.f()")
		des.triggers["t ON public.x"] = &catTrigger{OID: 22, Key: "t ON public.x", Relation: "public.x", Def: "CREATE TRIGGER t", Func: 20}
		got := planSQL(&planner{cur: cur, des: des})
		want := []string{
			"DROP TRIGGER t ON public.x", "DROP VIEW public.v", "DROP FUNCTION public.f()",
			"CREATE OR REPLACE FUNCTION public.f() RETURNS bigint", "CREATE VIEW public.v AS\nSELECT public.f()", "CREATE TRIGGER t",
		}
		if !slices.Equal(got, want) {
			t.Errorf("plan\n%q\nwant\n%q", got, want)
		}
	})

	t.Run("a column type change under a view recreates only the views that read the table", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addTable(1, "public.t")
		cur.addTable(2, "public.other")
		cur.addRel(10, "public.reads_t", "v", "SELECT * FROM t")
		cur.addRel(11, "public.reads_other", "v", "SELECT * FROM other")
		cur.deps = []catDep{{10, 1}, {11, 2}}
		des.addRel(20, "public.reads_t", "v", "SELECT * FROM t")
		des.addRel(21, "public.reads_other", "v", "SELECT * FROM other")
		got := planSQL(&planner{cur: cur, des: des, riskyTables: []string{"public.t"}})
		want := []string{"DROP VIEW public.reads_t", "CREATE VIEW public.reads_t AS\nSELECT * FROM t"}
		if !slices.Equal(got, want) {
			t.Errorf("plan %q, want %q", got, want)
		}
	})

	t.Run("objects no longer declared are dropped as destructive, comments and grants follow", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addRel(10, "public.old", "v", "SELECT 1")
		cur.addRel(11, "public.keep", "v", "SELECT 1")
		des.addRel(21, "public.keep", "v", "SELECT 1")
		cur.comments["VIEW public.keep"] = catComment{Owner: "rel:public.keep", Text: "stale"}
		cur.comments["VIEW public.old"] = catComment{Owner: "rel:public.old", Text: "gone with it"}
		grantOld := catGrant{On: "TABLE public.keep", Owner: "rel:public.keep", Privilege: "INSERT", Role: "web"}
		grantNew := catGrant{On: "TABLE public.keep", Owner: "rel:public.keep", Privilege: "SELECT", Role: "web"}
		cur.grants[grantOld] = true
		des.grants[grantNew] = true
		p := &planner{cur: cur, des: des}
		before, after := p.planObjects()
		all := slices.Concat(before, after)
		var got []string
		for _, s := range all {
			got = append(got, s.SQL)
			if strings.HasPrefix(s.SQL, "DROP VIEW public.old") != s.Destructive {
				t.Errorf("%s: destructive=%v", s.SQL, s.Destructive)
			}
		}
		want := []string{"DROP VIEW public.old", "COMMENT ON VIEW public.keep IS NULL", "REVOKE INSERT ON TABLE public.keep FROM \"web\"", "GRANT SELECT ON TABLE public.keep TO \"web\""}
		if !slices.Equal(got, want) {
			t.Errorf("plan %q, want %q", got, want)
		}
	})

	t.Run("a recreated view gets its comment and grants again", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addRel(10, "public.v", "v", "SELECT 1")
		des.addRel(20, "public.v", "v", "SELECT 2")
		g := catGrant{On: "TABLE public.v", Owner: "rel:public.v", Privilege: "SELECT", Role: "web"}
		c := catComment{Owner: "rel:public.v", Text: "same text"}
		cur.grants[g], des.grants[g] = true, true
		cur.comments["VIEW public.v"], des.comments["VIEW public.v"] = c, c
		got := planSQL(&planner{cur: cur, des: des})
		want := []string{"DROP VIEW public.v", "CREATE VIEW public.v AS\nSELECT 2", "COMMENT ON VIEW public.v IS 'same text'", "GRANT SELECT ON TABLE public.v TO \"web\""}
		if !slices.Equal(got, want) {
			t.Errorf("plan %q, want %q", got, want)
		}
	})
}

func TestPlanSwap(t *testing.T) {
	t.Run("a view built from a changed view is built beside from the new one, with its index", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addTable(1, "public.t")
		cur.addRel(10, "public.base", "m", "SELECT a FROM public.t")
		cur.addRel(11, "public.top", "m", "SELECT a FROM public.base b")
		cur.deps = []catDep{{10, 1}, {11, 10}}
		des.addTable(2, "public.t")
		des.addRel(20, "public.base", "m", "SELECT a, 1 AS one FROM public.t")
		des.addRel(21, "public.top", "m", "SELECT a FROM public.base b")
		des.indexes["public.top_a"] = &catIndex{OID: 22, Name: "public.top_a", Relation: "public.top", Ident: "top_a", Rel: "top_a", Def: "CREATE UNIQUE INDEX top_a ON public.top USING btree (a)"}
		des.deps = []catDep{{20, 2}, {21, 20}}
		cur.comments["MATERIALIZED VIEW public.top"] = catComment{Owner: "rel:public.top", Text: "kept"}
		p := &planner{cur: cur, des: des}
		got := planSQL(p)
		want := []string{
			"COMMENT ON MATERIALIZED VIEW public.base IS NULL", "COMMENT ON MATERIALIZED VIEW public.top IS 'kept'",
			"CREATE MATERIALIZED VIEW \"public\".\"base__new\" AS\nSELECT a, 1 AS one FROM public.t\nWITH DATA",
			"CREATE MATERIALIZED VIEW \"public\".\"top__new\" AS\nSELECT a FROM \"public\".\"base__new\" b\nWITH DATA",
			"CREATE UNIQUE INDEX \"top_a__new\" ON \"public\".\"top__new\" USING btree (a)",
			"ANALYZE \"public\".\"base__new\"", "ANALYZE \"public\".\"top__new\"",
			"DROP MATERIALIZED VIEW public.top", "DROP MATERIALIZED VIEW public.base",
			"ALTER MATERIALIZED VIEW \"public\".\"base__new\" RENAME TO \"base\"",
			"ALTER MATERIALIZED VIEW \"public\".\"top__new\" RENAME TO \"top\"",
			"ALTER INDEX \"public\".\"top_a__new\" RENAME TO \"top_a\"",
		}
		if !slices.Equal(got, want) {
			t.Errorf("plan\n%q\nwant\n%q", got, want)
		}
		if !slices.Equal(slices.Sorted(maps.Keys(p.swaps)), []string{"public.base", "public.top"}) || len(p.inPlace) != 0 {
			t.Errorf("swaps %v, in place %v", p.swaps, p.inPlace)
		}
	})

	t.Run("a view that reads a table the plan alters is recreated inside the swap, and so is one built from it", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addTable(1, "public.t")
		cur.addRel(10, "public.base", "m", "SELECT a FROM public.t")
		cur.addRel(11, "public.top", "m", "SELECT a FROM public.base b")
		cur.deps = []catDep{{10, 1}, {11, 10}}
		des.addTable(2, "public.t")
		des.addRel(20, "public.base", "m", "SELECT a, b FROM public.t")
		des.addRel(21, "public.top", "m", "SELECT a FROM public.base b")
		des.deps = []catDep{{20, 2}, {21, 20}}
		p := &planner{cur: cur, des: des, changedTables: map[string]bool{"public.t": true}}
		got := planSQL(p)
		want := []string{
			"DROP MATERIALIZED VIEW public.top", "DROP MATERIALIZED VIEW public.base",
			"CREATE MATERIALIZED VIEW public.base AS\nSELECT a, b FROM public.t", "CREATE MATERIALIZED VIEW public.top AS\nSELECT a FROM public.base b",
		}
		if !slices.Equal(got, want) {
			t.Errorf("plan\n%q\nwant\n%q", got, want)
		}
		if want := []string{"public.base: it reads table public.t, which this plan alters", "public.top: it reads public.base, which this plan creates or recreates"}; !slices.Equal(p.inPlaceNotes(), want) {
			t.Errorf("in place %q, want %q", p.inPlaceNotes(), want)
		}
	})

	t.Run("a routine bound to a swapped view (SQL-standard body) is dropped before it and created after", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		cur.addRel(10, "public.m", "m", "SELECT 1 AS a")
		cur.addRoutine(11, "public.f()", "CREATE FUNCTION public.f() BEGIN ATOMIC SELECT a FROM public.m; END", "integer")
		cur.deps = []catDep{{11, 10}}
		des.addRel(20, "public.m", "m", "SELECT 2 AS a")
		des.addRoutine(21, "public.f()", "CREATE FUNCTION public.f() BEGIN ATOMIC SELECT a FROM public.m; END", "integer")
		des.deps = []catDep{{21, 20}}
		got := planSQL(&planner{cur: cur, des: des})
		want := []string{
			"COMMENT ON MATERIALIZED VIEW public.m IS NULL",
			"CREATE MATERIALIZED VIEW \"public\".\"m__new\" AS\nSELECT 2 AS a\nWITH DATA", "ANALYZE \"public\".\"m__new\"",
			"DROP FUNCTION public.f()", "DROP MATERIALIZED VIEW public.m",
			"ALTER MATERIALIZED VIEW \"public\".\"m__new\" RENAME TO \"m\"", "CREATE FUNCTION public.f() BEGIN ATOMIC SELECT a FROM public.m; END",
		}
		if !slices.Equal(got, want) {
			t.Errorf("plan\n%q\nwant\n%q", got, want)
		}
	})
}

func TestReplaceName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FROM public.m x", "FROM N x"},
		{"FROM public.m", "FROM N"},
		{"FROM public.mm JOIN public.m_2 ON", "FROM public.mm JOIN public.m_2 ON"},
		{"FROM xpublic.m, public.m, other.public.m", "FROM xpublic.m, N, other.public.m"},
		{"(public.m)", "(N)"},
	} {
		if got := replaceName(c.in, "public.m", "N"); got != c.want {
			t.Errorf("replaceName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPlanRevokePublicExecute(t *testing.T) {
	definer := func(c *catalog, oid uint32, sig, def string, public bool) {
		c.addRoutine(oid, sig, def, "bigint")
		c.routines[sig].Definer, c.routines[sig].PublicExecute = true, public
	}
	t.Run("only definer routines PUBLIC may execute, or that the plan creates or replaces, get the revoke", func(t *testing.T) {
		cur, des := newCatalog(), newCatalog()
		definer(cur, 10, "public.open()", "A", true)
		definer(cur, 11, "public.closed()", "B", false)
		definer(cur, 12, "public.replaced()", "C", false)
		cur.addRoutine(13, "public.invoker()", "D", "bigint")
		cur.routines["public.invoker()"].PublicExecute = true
		definer(des, 20, "public.open()", "A", true)
		definer(des, 21, "public.closed()", "B", true)
		definer(des, 22, "public.replaced()", "C2", true)
		des.addRoutine(23, "public.invoker()", "D", "bigint")
		definer(des, 24, "public.created()", "E", true)
		got := planSQL(&planner{cur: cur, des: des})
		want := []string{
			"C2", "E",
			"REVOKE EXECUTE ON FUNCTION public.created() FROM PUBLIC",
			"REVOKE EXECUTE ON FUNCTION public.open() FROM PUBLIC",
			"REVOKE EXECUTE ON FUNCTION public.replaced() FROM PUBLIC",
		}
		if !slices.Equal(got, want) {
			t.Errorf("plan %q, want %q", got, want)
		}
	})
}
