package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	atlasschema "ariga.io/atlas/sql/schema"
)

// planner derives the target's plan from two catalogs: cur (the target now) and des (the dev database
// built from the schema files). What differs is dropped and created, replaced in place when PostgreSQL
// allows it (CREATE OR REPLACE FUNCTION), and every view that depends on something dropped is dropped
// first and created again.
type planner struct {
	cur, des *catalog
	// riskyTables are tables whose Atlas changes (dropped, altered or dropped columns) fail while a view
	// reads them.
	riskyTables []string
	// newTables are tables Atlas creates: they have no grants yet.
	newTables map[string]bool
	// changedTables are the tables Atlas creates, alters or drops: a view reading one cannot be built
	// before the swap (swap.go).
	changedTables map[string]bool

	// swaps are the materialized views built beside the serving ones (build), inPlace the recreated ones
	// that cannot be, with why.
	swaps   map[string]*swapRel
	inPlace map[string]string
	build   []Statement

	dropRel, recreateRel, createRel              map[string]bool
	dropRoutine, recreateRoutine, replaceRoutine map[string]bool
	createRoutine, recreateTrigger, createdIndex map[string]bool
	createdTrigger                               map[string]bool
}

// planObjects returns the statements around Atlas's table statements: before (drops) and after
// (creates, comments, grants).
func (p *planner) planObjects() (before, after []Statement) {
	p.dropRel, p.recreateRel, p.createRel = map[string]bool{}, map[string]bool{}, map[string]bool{}
	p.dropRoutine, p.recreateRoutine, p.replaceRoutine = map[string]bool{}, map[string]bool{}, map[string]bool{}
	p.createRoutine, p.recreateTrigger = map[string]bool{}, map[string]bool{}
	p.createdIndex, p.createdTrigger = map[string]bool{}, map[string]bool{}

	for name, r := range p.cur.relations {
		switch d, ok := p.des.relations[name]; {
		case !ok:
			p.dropRel[name] = true
		case d.Kind != r.Kind || d.Def != r.Def || d.Options != r.Options:
			p.recreateRel[name] = true
		}
	}
	for name := range p.des.relations {
		if p.cur.relations[name] == nil {
			p.createRel[name] = true
		}
	}
	for sig, r := range p.cur.routines {
		switch d, ok := p.des.routines[sig]; {
		case !ok:
			p.dropRoutine[sig] = true
		case d.Def == r.Def:
		case d.Kind != r.Kind || d.Result != r.Result || d.Args != r.Args:
			p.recreateRoutine[sig] = true
		default:
			p.replaceRoutine[sig] = true
		}
	}
	for sig := range p.des.routines {
		if p.cur.routines[sig] == nil {
			p.createRoutine[sig] = true
		}
	}
	p.closeOverDependents()
	p.chooseSwaps()
	p.build = p.buildStatements()

	before = append(before, p.dropTriggers()...)
	before = append(before, p.dropIndexes()...)
	before = append(before, p.dropRelationsAndRoutines()...)
	after = append(after, p.creates()...)
	after = append(after, p.comments()...)
	after = append(after, p.grants()...)
	after = append(after, p.revokePublicExecute()...)
	return before, after
}

// closeOverDependents adds every view that reads a dropped or recreated relation or function, or a table
// Atlas alters, to the views to recreate (or to drop, when the schema files no longer declare it).
func (p *planner) closeOverDependents() {
	seeds := make(map[uint32]bool)
	for name, r := range p.cur.relations {
		if p.dropRel[name] || p.recreateRel[name] {
			seeds[r.OID] = true
		}
	}
	for sig, r := range p.cur.routines {
		if p.dropRoutine[sig] || p.recreateRoutine[sig] {
			seeds[r.OID] = true
		}
	}
	for _, t := range p.riskyTables {
		if oid, ok := p.cur.tables[t]; ok {
			seeds[oid] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, d := range p.cur.deps {
			if !seeds[d.Referenced] || seeds[d.Dependent] {
				continue
			}
			kind, name, _ := strings.Cut(p.cur.byOID[d.Dependent], ":")
			switch kind {
			case "rel":
				if p.des.relations[name] != nil {
					p.recreateRel[name] = true
				}
			case "routine":
				// A routine with an SQL-standard body is bound to what it reads: it goes and comes back
				// with it.
				if p.des.routines[name] != nil && !p.dropRoutine[name] {
					p.recreateRoutine[name] = true
					delete(p.replaceRoutine, name)
				}
			default:
				continue
			}
			seeds[d.Dependent], changed = true, true
		}
	}
	for key, t := range p.cur.triggers {
		if seeds[t.Func] && p.des.triggers[key] != nil {
			p.recreateTrigger[key] = true
		}
	}
}

func (p *planner) relGone(name string) bool { return p.dropRel[name] || p.recreateRel[name] }

func (p *planner) dropTriggers() []Statement {
	var out []Statement
	for _, key := range sortedKeys(p.cur.triggers) {
		t := p.cur.triggers[key]
		if p.relGone(t.Relation) {
			continue
		}
		d := p.des.triggers[key]
		switch {
		case d == nil:
			out = append(out, Statement{SQL: "DROP TRIGGER " + key, Comment: "drop trigger " + key + " (no longer declared)", Destructive: true, Action: ActionDrop, Kind: KindTrigger, Object: key})
		case d.Def != t.Def || p.recreateTrigger[key]:
			out = append(out, Statement{SQL: "DROP TRIGGER " + key, Comment: "drop trigger " + key + " (changed)", Action: ActionDrop, Kind: KindTrigger, Object: key})
			p.recreateTrigger[key] = true
		}
	}
	return out
}

func (p *planner) dropIndexes() []Statement {
	var out []Statement
	for _, name := range sortedKeys(p.cur.indexes) {
		i := p.cur.indexes[name]
		if p.relGone(i.Relation) {
			continue
		}
		switch d := p.des.indexes[name]; {
		case d == nil:
			out = append(out, Statement{SQL: "DROP INDEX " + name, Comment: "drop index " + name + " (no longer declared)", Destructive: true, Action: ActionDrop, Kind: KindIndex, Object: name})
		case d.Def != i.Def:
			out = append(out, Statement{SQL: "DROP INDEX " + name, Comment: "drop index " + name + " (changed)", Action: ActionDrop, Kind: KindIndex, Object: name})
		}
	}
	return out
}

// dropRelationsAndRoutines drops views, materialized views and routines, dependents before what they read:
// relations first, as long as one is free to go, then routines (a routine with an SQL-standard body can
// hold a view, and a view can read a routine).
func (p *planner) dropRelationsAndRoutines() []Statement {
	pendingRel := make(map[uint32]*catRelation)
	for name, r := range p.cur.relations {
		if p.relGone(name) {
			pendingRel[r.OID] = r
		}
	}
	pendingRoutine := make(map[uint32]*catRoutine)
	for sig, r := range p.cur.routines {
		if p.dropRoutine[sig] || p.recreateRoutine[sig] {
			pendingRoutine[r.OID] = r
		}
	}
	free := func(oid uint32) bool {
		return !slices.ContainsFunc(p.cur.deps, func(d catDep) bool {
			return d.Referenced == oid && d.Dependent != oid && (pendingRel[d.Dependent] != nil || pendingRoutine[d.Dependent] != nil)
		})
	}
	var out []Statement
	for len(pendingRel)+len(pendingRoutine) > 0 {
		var rels []*catRelation
		for oid, r := range pendingRel {
			if free(oid) {
				rels = append(rels, r)
			}
		}
		if len(rels) > 0 {
			slices.SortFunc(rels, func(a, b *catRelation) int { return cmp.Compare(b.OID, a.OID) })
			for _, r := range rels {
				delete(pendingRel, r.OID)
				why, destructive := "changed or depends on a change", false
				if p.dropRel[r.Name] {
					why, destructive = "no longer declared", true
					// A view whose name the schema files now give a table that a fill rebuilds in this same
					// transaction loses nothing: its rows were derived, and the fill derives them again.
					if _, isTable := p.des.tables[r.Name]; isTable && hasFill(r.Name) {
						why, destructive = "replaced by a table of the same name, filled by this plan", false
					}
				}
				out = append(out, Statement{SQL: "DROP " + relKeyword(r.Kind) + " " + r.Name, Comment: "drop " + strings.ToLower(relKeyword(r.Kind)) + " " + r.Name + " (" + why + ")", Destructive: destructive, Action: ActionDrop, Kind: relKind(r.Kind), Object: r.Name})
			}
			continue
		}
		var routines []*catRoutine
		for oid, r := range pendingRoutine {
			if free(oid) {
				routines = append(routines, r)
			}
		}
		if len(routines) == 0 { // a cycle cannot happen between these objects; drop the rest as they are
			for _, r := range pendingRoutine {
				routines = append(routines, r)
			}
			for _, r := range pendingRel {
				out = append(out, Statement{SQL: "DROP " + relKeyword(r.Kind) + " " + r.Name, Comment: "drop " + strings.ToLower(relKeyword(r.Kind)) + " " + r.Name, Destructive: p.dropRel[r.Name], Action: ActionDrop, Kind: relKind(r.Kind), Object: r.Name})
				delete(pendingRel, r.OID)
			}
		}
		slices.SortFunc(routines, func(a, b *catRoutine) int { return cmp.Compare(a.Sig, b.Sig) })
		for _, r := range routines {
			delete(pendingRoutine, r.OID)
			kw := routineKeyword(r.Kind)
			if p.dropRoutine[r.Sig] {
				out = append(out, Statement{SQL: "DROP " + kw + " " + r.Sig, Comment: "drop " + strings.ToLower(kw) + " " + r.Sig + " (no longer declared)", Destructive: true, Action: ActionDrop, Kind: routineKind(r.Kind), Object: r.Sig})
				continue
			}
			why := "its signature or result changed"
			if d := p.des.routines[r.Sig]; d != nil && d.Result == r.Result && d.Args == r.Args && d.Kind == r.Kind {
				why = "it reads something this plan recreates"
			}
			out = append(out, Statement{SQL: "DROP " + kw + " " + r.Sig, Comment: "drop " + strings.ToLower(kw) + " " + r.Sig + " (" + why + ")", Action: ActionDrop, Kind: routineKind(r.Kind), Object: r.Sig})
		}
	}
	return out
}

// creates creates and replaces objects in the order the dev database created them (its oids), which is a
// dependency order.
func (p *planner) creates() []Statement {
	type created struct {
		oid uint32
		st  Statement
	}
	var list []created
	for sig, d := range p.des.routines {
		if p.createRoutine[sig] || p.recreateRoutine[sig] || p.replaceRoutine[sig] {
			verb, action := "create", ActionCreate
			if p.replaceRoutine[sig] {
				verb, action = "replace", ActionChange
			}
			list = append(list, created{d.OID, Statement{SQL: strings.TrimSpace(d.Def), Comment: verb + " " + strings.ToLower(routineKeyword(d.Kind)) + " " + sig, Action: action, Kind: routineKind(d.Kind), Object: sig}})
		}
	}
	for name, d := range p.des.relations {
		if p.swaps[name] != nil {
			list = append(list, created{d.OID, p.renameView(name)})
			continue
		}
		if p.createRel[name] || p.recreateRel[name] {
			def := strings.TrimRight(strings.TrimSpace(d.Def), ";")
			with := ""
			if d.Options != "" {
				with = " WITH (" + d.Options + ")"
			}
			list = append(list, created{d.OID, Statement{SQL: "CREATE " + relKeyword(d.Kind) + " " + name + with + " AS\n" + def, Comment: "create " + strings.ToLower(relKeyword(d.Kind)) + " " + name, Action: ActionCreate, Kind: relKind(d.Kind), Object: name}})
		}
	}
	for name, d := range p.des.indexes {
		c := p.cur.indexes[name]
		if p.swaps[d.Relation] != nil {
			p.createdIndex[name] = true
			list = append(list, created{d.OID, p.renameIndex(d)})
			continue
		}
		if p.createRel[d.Relation] || p.recreateRel[d.Relation] || c == nil || c.Def != d.Def {
			p.createdIndex[name] = true
			list = append(list, created{d.OID, Statement{SQL: d.Def, Comment: "create index " + name + " on " + d.Relation, Action: ActionCreate, Kind: KindIndex, Object: name}})
		}
	}
	for key, d := range p.des.triggers {
		c := p.cur.triggers[key]
		if c == nil || p.recreateTrigger[key] || p.relGone(d.Relation) || p.createRel[d.Relation] {
			p.createdTrigger[key] = true
			list = append(list, created{d.OID, Statement{SQL: d.Def, Comment: "create trigger " + key, Action: ActionCreate, Kind: KindTrigger, Object: key}})
		}
	}
	slices.SortFunc(list, func(a, b created) int { return cmp.Compare(a.oid, b.oid) })
	out := make([]Statement, len(list))
	for i, c := range list {
		out[i] = c.st
	}
	return out
}

// isNew reports whether the owner of a comment or grant is created by this plan (so it has none yet).
func (p *planner) isNew(owner string) bool {
	kind, name, _ := strings.Cut(owner, ":")
	switch kind {
	case "rel":
		return p.createRel[name] || p.recreateRel[name]
	case "routine":
		return p.createRoutine[name] || p.recreateRoutine[name]
	case "index":
		return p.createdIndex[name]
	case "trigger":
		return p.createdTrigger[name]
	case "table":
		return p.newTables[name]
	}
	return false
}

// isGone reports whether the owner of a comment or grant is dropped by this plan.
func (p *planner) isGone(owner string) bool {
	kind, name, _ := strings.Cut(owner, ":")
	switch kind {
	case "rel":
		return p.relGone(name)
	case "routine":
		return p.dropRoutine[name] || p.recreateRoutine[name]
	case "index":
		return p.des.indexes[name] == nil || p.createdIndex[name]
	case "trigger":
		return p.des.triggers[name] == nil || p.createdTrigger[name]
	case "table":
		_, ok := p.des.tables[name]
		return !ok
	}
	return false
}

func (p *planner) comments() []Statement {
	var out []Statement
	for _, on := range sortedKeys(p.des.comments) {
		d := p.des.comments[on]
		if c, ok := p.cur.comments[on]; !ok || c.Text != d.Text || p.isNew(d.Owner) {
			out = append(out, Statement{SQL: "COMMENT ON " + on + " IS " + quote(d.Text), Comment: "comment on " + strings.ToLower(on), Action: ActionComment, Object: on})
		}
	}
	for _, on := range sortedKeys(p.cur.comments) {
		c := p.cur.comments[on]
		if _, ok := p.des.comments[on]; !ok && !p.isGone(c.Owner) {
			out = append(out, Statement{SQL: "COMMENT ON " + on + " IS NULL", Comment: "remove comment on " + strings.ToLower(on), Action: ActionComment, Object: on})
		}
	}
	return out
}

func (p *planner) grants() []Statement {
	var revokes, grants []Statement
	for _, g := range sortedGrants(p.cur.grants) {
		if !p.des.grants[g] && !p.isGone(g.Owner) {
			revokes = append(revokes, Statement{SQL: fmt.Sprintf("REVOKE %s ON %s FROM %s", g.Privilege, g.On, ident(g.Role)), Comment: fmt.Sprintf("revoke %s on %s from %s (no longer declared)", g.Privilege, strings.ToLower(g.On), g.Role), Action: ActionRevoke, Object: g.On})
		}
	}
	for _, g := range sortedGrants(p.des.grants) {
		if !p.cur.grants[g] || p.isNew(g.Owner) {
			sql := fmt.Sprintf("GRANT %s ON %s TO %s", g.Privilege, g.On, ident(g.Role))
			if g.Grantable {
				sql += " WITH GRANT OPTION"
			}
			grants = append(grants, Statement{SQL: sql, Comment: fmt.Sprintf("grant %s on %s to %s", g.Privilege, strings.ToLower(g.On), g.Role), Action: ActionGrant, Object: g.On})
		}
	}
	return append(revokes, grants...)
}

// revokePublicExecute takes EXECUTE away from PUBLIC on every SECURITY DEFINER function and procedure.
// PostgreSQL grants it to PUBLIC on CREATE, and a definer routine runs with its owner's rights: only the
// roles a permission block names may call it. A created routine always needs the revoke; a replaced one
// keeps its ACL but may have just become a definer, so it gets it too; any other one only when the target
// still lets PUBLIC execute it (so a second run plans nothing).
func (p *planner) revokePublicExecute() []Statement {
	var out []Statement
	for _, sig := range sortedKeys(p.des.routines) {
		d, c := p.des.routines[sig], p.cur.routines[sig]
		if !d.Definer || !(p.isNew("routine:"+sig) || p.replaceRoutine[sig] || c.PublicExecute) {
			continue
		}
		kw := routineKeyword(d.Kind)
		out = append(out, Statement{SQL: "REVOKE EXECUTE ON " + kw + " " + sig + " FROM PUBLIC", Comment: "revoke execute on " + strings.ToLower(kw) + " " + sig + " from public (security definer)", Action: ActionRevoke, Object: kw + " " + sig})
	}
	return out
}

// tableChangeInfo reads Atlas's changes for the tables it creates, the tables whose changes would fail
// while a view reads them, and every table it changes.
func tableChangeInfo(changes []atlasschema.Change, tableName func(*atlasschema.Table) string) (risky []string, created, changed map[string]bool) {
	created, changed = make(map[string]bool), make(map[string]bool)
	for _, c := range changes {
		if t := changedTable(c); t != nil {
			changed[tableName(t)] = true
		}
		switch c := c.(type) {
		case *atlasschema.AddTable:
			created[tableName(c.T)] = true
		case *atlasschema.DropTable:
			risky = append(risky, tableName(c.T))
		case *atlasschema.ModifyTable:
			// PostgreSQL refuses to drop a column or change its type while a view reads it; other column
			// changes (default, null, comment, rename) leave the views alone.
			if slices.ContainsFunc(c.Changes, func(tc atlasschema.Change) bool {
				switch tc := tc.(type) {
				case *atlasschema.DropColumn:
					return true
				case *atlasschema.ModifyColumn:
					return tc.Change.Is(atlasschema.ChangeType)
				}
				return false
			}) {
				risky = append(risky, tableName(c.T))
			}
		}
	}
	return risky, created, changed
}

// destructiveChange reports Atlas changes that lose data: dropping a schema, a table or a column.
func destructiveChange(c atlasschema.Change) bool {
	switch c := c.(type) {
	case *atlasschema.DropSchema, *atlasschema.DropTable:
		return true
	case *atlasschema.ModifyTable:
		return slices.ContainsFunc(c.Changes, func(tc atlasschema.Change) bool {
			_, ok := tc.(*atlasschema.DropColumn)
			return ok
		})
	}
	return false
}

// tableKey returns a table's key in the catalogs (schema.name in PostgreSQL's quote_ident quoting): from the
// catalog that has the table, the desired one first (created tables are only there), else the target's
// (dropped ones). PostgreSQL quotes keywords that Go has no list of, so the key is never rendered here.
func tableKey(t *atlasschema.Table, cats ...*catalog) string {
	sch := "public"
	if t.Schema != nil {
		sch = t.Schema.Name
	}
	for _, c := range cats {
		if k, ok := c.tableKeys[[2]string{sch, t.Name}]; ok {
			return k
		}
	}
	return qident(sch, t.Name) // in neither catalog: nothing can match it
}

func relKeyword(kind string) string {
	if kind == "m" {
		return "MATERIALIZED VIEW"
	}
	return "VIEW"
}

// relKind is the summary's kind of a view (relkind v) or materialized view (m).
func relKind(kind string) Kind {
	if kind == "m" {
		return KindMaterializedView
	}
	return KindView
}

// routineKind is the summary's kind of a function (prokind f) or procedure (p).
func routineKind(kind string) Kind {
	if kind == "p" {
		return KindProcedure
	}
	return KindFunction
}

func routineKeyword(kind string) string {
	if kind == "p" {
		return "PROCEDURE"
	}
	return "FUNCTION"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedGrants(m map[catGrant]bool) []catGrant {
	out := make([]catGrant, 0, len(m))
	for g := range m {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b catGrant) int {
		return cmp.Or(cmp.Compare(a.On, b.On), cmp.Compare(a.Role, b.Role), cmp.Compare(a.Privilege, b.Privilege))
	})
	return out
}
