package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Build beside and swap (docs/schema-apply.md, "Changing a materialized view without stopping the readers").
//
// Dropping a materialized view and creating it again in the plan's transaction holds every reader of the
// view (and of the views on it) for as long as its query and its indexes take: seconds to minutes on real
// data. Instead, a materialized view whose SQL changed is built under a temporary name beside the serving
// one, with its data, its indexes and its statistics, while readers keep reading the old one; then the
// plan's other statements drop the old view and rename the new one and its indexes to the declared names,
// which takes milliseconds. Both happen in the apply's one transaction (the build first, the swap in a
// savepoint retried under a short lock_timeout), so a failure anywhere leaves the old view serving and no
// temporary object behind.

// swapSuffix ends the temporary name of a materialized view or index built beside the serving one.
const swapSuffix = "__new"

// maxIdentLen is PostgreSQL's NAMEDATALEN - 1: a longer name is silently truncated.
const maxIdentLen = 63

// swapRel is a materialized view built beside the serving one.
type swapRel struct {
	name string // the declared qualified name, as in the catalogs
	temp string // the qualified temporary name, quoted
	rel  string // the declared relation name, unquoted
}

// chooseSwaps picks the materialized views to build beside the serving ones among those the plan recreates:
// a view can be built before the swap only from what the target already has as the plan leaves it. A view
// that reads a table Atlas changes in this plan, a view or routine the plan creates or replaces (other than
// another view built beside), is recreated inside the swap as before; inPlace says why.
func (p *planner) chooseSwaps() {
	p.swaps, p.inPlace = map[string]*swapRel{}, map[string]string{}
	cand := map[string]bool{}
	for name := range p.recreateRel {
		c, d := p.cur.relations[name], p.des.relations[name]
		if c == nil || d == nil || c.Kind != "m" || d.Kind != "m" {
			continue
		}
		if why := p.tempNamesFree(d); why != "" {
			p.inPlace[name] = why
			continue
		}
		cand[name] = true
	}
	for changed := true; changed; {
		changed = false
		for _, name := range sortedKeys(cand) {
			if why := p.buildBlocker(name, cand); why != "" {
				delete(cand, name)
				p.inPlace[name], changed = why, true
			}
		}
	}
	for name := range cand {
		d := p.des.relations[name]
		p.swaps[name] = &swapRel{name: name, temp: tempName(d), rel: d.Rel}
	}
}

// tempNamesFree says why the view cannot be built beside under temporary names ("" when it can).
func (p *planner) tempNamesFree(d *catRelation) string {
	if d.Rel == "" || len(d.Rel)+len(swapSuffix) > maxIdentLen {
		return "its name is too long for a temporary name"
	}
	if p.cur.relations[qident(d.Schema, d.Rel+swapSuffix)] != nil || p.cur.relations[d.Schema+"."+d.Rel+swapSuffix] != nil {
		return "a relation named " + d.Rel + swapSuffix + " exists"
	}
	for _, i := range p.des.indexes {
		if i.Relation == d.Name && (i.Rel == "" || len(i.Rel)+len(swapSuffix) > maxIdentLen) {
			return "the name of its index " + i.Name + " is too long for a temporary name"
		}
	}
	return ""
}

// buildBlocker says what the desired view reads that the target does not have, as the plan leaves it,
// before the swap ("" when nothing).
func (p *planner) buildBlocker(name string, cand map[string]bool) string {
	d := p.des.relations[name]
	for _, dep := range p.des.deps {
		if dep.Dependent != d.OID {
			continue
		}
		kind, ref, _ := strings.Cut(p.des.byOID[dep.Referenced], ":")
		switch kind {
		case "table":
			if _, ok := p.cur.tables[ref]; !ok {
				return "it reads table " + ref + ", which this plan creates"
			}
			if p.changedTables[ref] {
				return "it reads table " + ref + ", which this plan alters"
			}
		case "rel":
			if cand[ref] {
				continue
			}
			if p.cur.relations[ref] == nil || p.createRel[ref] || p.recreateRel[ref] {
				return "it reads " + ref + ", which this plan creates or recreates"
			}
		case "routine":
			if p.cur.routines[ref] == nil || p.createRoutine[ref] || p.recreateRoutine[ref] || p.replaceRoutine[ref] {
				return "it calls " + ref + ", which this plan creates or replaces"
			}
		}
	}
	return ""
}

// holdStatements keep refreshes of the swapped views off until the commit. A REFRESH takes EXCLUSIVE (or,
// not concurrently, ACCESS EXCLUSIVE) on the view; LOCK TABLE refuses materialized views, and the lightest
// statement that conflicts with a refresh but not with a SELECT is COMMENT ON (SHARE UPDATE EXCLUSIVE).
// It sets the comment the old view has: the old view is dropped by the swap anyway.
func (p *planner) holdStatements() []Statement {
	var out []Statement
	for _, name := range sortedKeys(p.swaps) {
		text := "NULL"
		if c, ok := p.cur.comments["MATERIALIZED VIEW "+name]; ok {
			text = quote(c.Text)
		}
		out = append(out, Statement{SQL: "COMMENT ON MATERIALIZED VIEW " + name + " IS " + text, Comment: "hold off refreshes of " + name + " until the swap commits (its comment as it is)", Action: ActionChange, Kind: KindMaterializedView, Object: name, Phase: PhaseHold})
	}
	return out
}

// buildStatements creates each swapped view under its temporary name with its data, then its indexes,
// then its statistics (a new view has none, and the planner would guess until autovacuum analyzed it), in
// the dev database's order, so a view built from another swapped view reads that one's new version.
func (p *planner) buildStatements() []Statement {
	type built struct {
		oid uint32
		st  Statement
	}
	var list []built
	for name, s := range p.swaps {
		d := p.des.relations[name]
		with := ""
		if d.Options != "" {
			with = " WITH (" + d.Options + ")"
		}
		def := p.readsNew(strings.TrimRight(strings.TrimSpace(d.Def), ";"))
		list = append(list,
			built{d.OID, Statement{SQL: "CREATE MATERIALIZED VIEW " + s.temp + with + " AS\n" + def + "\nWITH DATA", Comment: "build materialized view " + name + " beside the serving one, as " + s.temp, Action: ActionCreate, Kind: KindMaterializedView, Object: name, Phase: PhaseBuild}},
		)
	}
	for _, name := range sortedKeys(p.des.indexes) {
		i := p.des.indexes[name]
		s := p.swaps[i.Relation]
		if s == nil {
			continue
		}
		list = append(list, built{i.OID, Statement{SQL: p.indexBeside(i, s), Comment: "build index " + name + " on " + s.temp, Action: ActionCreate, Kind: KindIndex, Object: name, Phase: PhaseBuild}})
	}
	slices.SortFunc(list, func(a, b built) int { return cmp.Compare(a.oid, b.oid) })
	out := p.holdStatements()
	for _, b := range list {
		out = append(out, b.st)
	}
	for _, name := range sortedKeys(p.swaps) {
		out = append(out, Statement{SQL: "ANALYZE " + p.swaps[name].temp, Comment: "statistics of " + p.swaps[name].temp, Action: ActionCreate, Kind: KindMaterializedView, Object: name, Phase: PhaseBuild})
	}
	return out
}

// indexBeside is the desired index's definition on the temporary view, under its temporary name.
func (p *planner) indexBeside(i *catIndex, s *swapRel) string {
	from := " INDEX " + i.Ident + " ON " + i.Relation + " "
	to := " INDEX " + ident(i.Rel+swapSuffix) + " ON " + s.temp + " "
	if !strings.Contains(i.Def, from) {
		// pg_get_indexdef always writes "CREATE [UNIQUE] INDEX name ON table USING ..."; the check after
		// the swap (verifySwap) would catch anything else.
		return i.Def
	}
	return strings.Replace(i.Def, from, to, 1)
}

// readsNew rewrites the references of a definition (as pg_get_viewdef qualifies them) to swapped views into
// their temporary names.
func (p *planner) readsNew(def string) string {
	for _, name := range sortedKeys(p.swaps) {
		def = replaceName(def, name, p.swaps[name].temp)
	}
	return def
}

// replaceName replaces the qualified name where it stands as a whole name (not inside a longer one).
func replaceName(text, name, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, name)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(name)
		whole := (i == 0 || !identByte(text[i-1]) && text[i-1] != '.' && text[i-1] != '"') &&
			(end == len(text) || !identByte(text[end]) && text[end] != '"')
		b.WriteString(text[:i])
		if whole {
			b.WriteString(with)
		} else {
			b.WriteString(name)
		}
		text = text[end:]
	}
}

func identByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// renameView gives a swapped view its declared name, where the plan would have created it (after the old
// one is dropped); renameIndex does the same for each of its indexes.
func (p *planner) renameView(name string) Statement {
	s := p.swaps[name]
	return Statement{SQL: "ALTER MATERIALIZED VIEW " + s.temp + " RENAME TO " + ident(s.rel), Comment: "swap in materialized view " + name + " (built beside)", Action: ActionCreate, Kind: KindMaterializedView, Object: name}
}

func (p *planner) renameIndex(i *catIndex) Statement {
	sch := p.des.relations[i.Relation].Schema
	return Statement{SQL: "ALTER INDEX " + qident(sch, i.Rel+swapSuffix) + " RENAME TO " + ident(i.Rel), Comment: "swap in index " + i.Name + " (built beside)", Action: ActionCreate, Kind: KindIndex, Object: i.Name}
}

// inPlaceNotes lists the materialized views recreated inside the swap, with why, for the plan's summary.
func (p *planner) inPlaceNotes() []string {
	var out []string
	for _, name := range sortedKeys(p.inPlace) {
		out = append(out, fmt.Sprintf("%s: %s", name, p.inPlace[name]))
	}
	return out
}
