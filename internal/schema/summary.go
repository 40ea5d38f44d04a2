package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	atlasschema "ariga.io/atlas/sql/schema"
)

// Action is what a plan statement does to its object.
type Action string

// The actions of plan statements. A drop followed by a create of the same object is a change in the
// summary: the object is replaced, not lost.
const (
	ActionCreate  Action = "create"
	ActionChange  Action = "change" // altered or replaced in place
	ActionDrop    Action = "drop"
	ActionComment Action = "comment"
	ActionGrant   Action = "grant"
	ActionRevoke  Action = "revoke"
	// ActionFill fills tables with derived rows (backfill.go); its Object lists the tables, ", "-separated.
	ActionFill Action = "fill"
)

// Kind is the kind of database object a statement creates, changes or drops.
type Kind string

// The kinds of objects the summary lists, in its order.
const (
	KindRole             Kind = "role"
	KindSchema           Kind = "schema"
	KindTable            Kind = "table"
	KindView             Kind = "view"
	KindMaterializedView Kind = "materialized view"
	KindFunction         Kind = "function"
	KindProcedure        Kind = "procedure"
	KindIndex            Kind = "index"
	KindTrigger          Kind = "trigger"
	// KindOther is a statement the engine could not attribute to an object (an Atlas change of a shape
	// this package does not know): it is counted, never silently left out.
	KindOther Kind = "other statement"
)

var kindOrder = []Kind{KindRole, KindSchema, KindTable, KindView, KindMaterializedView, KindFunction,
	KindProcedure, KindIndex, KindTrigger, KindOther}

func (k Kind) plural(n int) string {
	switch {
	case n == 1:
		return string(k)
	case k == KindIndex:
		return "indexes"
	}
	return string(k) + "s"
}

// Summary is what a plan does, object by object: what `schema apply` prints instead of the SQL.
type Summary struct {
	Created, Changed, Dropped []Group
	// Filled lists the tables the plan fills with derived rows (a fill), sorted.
	Filled []string
	// Comments, Grants and Revokes count the statements that set or remove comments and privileges.
	Comments, Grants, Revokes int
	// Statements and Destructive count the plan's statements.
	Statements, Destructive int
	// Swapped and InPlace are the plan's (Plan.Swapped, Plan.InPlace).
	Swapped, InPlace []string
}

// Group is the objects of one kind, sorted by name.
type Group struct {
	Kind  Kind
	Names []string
}

// Summarize groups the plan's statements by object: an object only created is created, one only dropped
// is dropped, and one altered, replaced, or dropped and created again is changed.
func Summarize(p *Plan) Summary {
	type key struct {
		kind Kind
		name string
	}
	actions := make(map[key][]Action)
	var order []key
	s := Summary{Statements: len(p.Statements), Swapped: p.Swapped, InPlace: p.InPlace}
	for _, st := range p.Statements {
		if st.Destructive {
			s.Destructive++
		}
		switch st.Action {
		case ActionComment:
			s.Comments++
			continue
		case ActionGrant:
			s.Grants++
			continue
		case ActionRevoke:
			s.Revokes++
			continue
		case ActionFill:
			s.Filled = append(s.Filled, strings.Split(st.Object, ", ")...)
			continue
		}
		k := key{st.Kind, st.Object}
		if k.kind == "" {
			k = key{KindOther, st.Comment}
		}
		if _, ok := actions[k]; !ok {
			order = append(order, k)
		}
		actions[k] = append(actions[k], st.Action)
	}
	created, changed, dropped := map[Kind][]string{}, map[Kind][]string{}, map[Kind][]string{}
	for _, k := range order {
		a := actions[k]
		switch {
		case slices.Contains(a, ActionChange), slices.Contains(a, ActionCreate) && slices.Contains(a, ActionDrop):
			changed[k.kind] = append(changed[k.kind], k.name)
		case slices.Contains(a, ActionDrop):
			dropped[k.kind] = append(dropped[k.kind], k.name)
		default:
			created[k.kind] = append(created[k.kind], k.name)
		}
	}
	s.Created, s.Changed, s.Dropped = groups(created), groups(changed), groups(dropped)
	slices.Sort(s.Filled)
	return s
}

func groups(byKind map[Kind][]string) []Group {
	var out []Group
	for _, k := range kindOrder {
		if names := byKind[k]; len(names) > 0 {
			slices.Sort(names)
			out = append(out, Group{Kind: k, Names: names})
		}
	}
	return out
}

// summaryWidth bounds the names listed on one line, so that the summary of a first apply (some 200
// statements) fits on one screen; --verbose and --dry-run show everything.
const summaryWidth = 96

// String is the summary as `schema apply` prints it, one line per kind of object, e.g.
//
//	created    10 tables: public.app_sessions, public.app_user_brands, … and 8 more
//	dropped     1 index: public.orders_by_day
//	and      55 comments, 62 grants, 3 revokes
func (s Summary) String() string {
	var w strings.Builder
	for _, part := range []struct {
		label  string
		groups []Group
	}{{"created", s.Created}, {"changed", s.Changed}, {"dropped", s.Dropped}} {
		for i, g := range part.groups {
			label := ""
			if i == 0 {
				label = part.label
			}
			fmt.Fprintf(&w, "  %-8s %3d %s: %s\n", label, len(g.Names), g.Kind.plural(len(g.Names)), listNames(g.Names, summaryWidth))
		}
	}
	if n := len(s.Filled); n > 0 {
		fmt.Fprintf(&w, "  %-8s %3d %s: %s\n", "filled", n, KindTable.plural(n), listNames(s.Filled, summaryWidth))
	}
	var extras []string
	for _, c := range []struct {
		n    int
		what string
	}{{s.Comments, "comment"}, {s.Grants, "grant"}, {s.Revokes, "revoke"}} {
		switch {
		case c.n == 1:
			extras = append(extras, "1 "+c.what)
		case c.n > 1:
			extras = append(extras, fmt.Sprintf("%d %ss", c.n, c.what))
		}
	}
	if len(extras) > 0 {
		fmt.Fprintf(&w, "  %-8s %s\n", "and", strings.Join(extras, ", "))
	}
	if len(s.Swapped) > 0 {
		fmt.Fprintf(&w, "  built beside the serving views, then swapped in: %s\n", strings.Join(s.Swapped, ", "))
	}
	for _, n := range s.InPlace {
		fmt.Fprintf(&w, "  recreated inside the swap (its readers wait): %s\n", n)
	}
	return w.String()
}

// listNames joins names up to width characters and says how many did not fit.
func listNames(names []string, width int) string {
	var b strings.Builder
	for i, n := range names {
		n = shortSignature(n)
		rest := len(names) - i
		more := ""
		if rest > 1 {
			more = fmt.Sprintf(", … and %d more", rest-1)
		}
		if i > 0 && b.Len()+2+len(n)+len(more) > width {
			fmt.Fprintf(&b, ", … and %d more", rest)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}

// shortSignature abbreviates a routine's long argument list: the summary names the routine; --verbose
// shows its signature.
func shortSignature(name string) string {
	open := strings.IndexByte(name, '(')
	if open < 0 || len(name)-open <= 24 {
		return name
	}
	return name[:open] + "(…)"
}

// atlasIndexName finds the index name in Atlas's CREATE/DROP INDEX statements: the last quoted identifier
// before " ON" (create) or at the end (drop, possibly schema-qualified).
var atlasIndexName = regexp.MustCompile(`INDEX (?:CONCURRENTLY )?(?:IF (?:NOT )?EXISTS )?((?:"[^"]+"\.)?"[^"]+")`)

// describeAtlasChange attributes one of Atlas's table statements to its object. Atlas plans a new table
// as CREATE TABLE plus CREATE INDEX and COMMENT ON statements that all share the table's change, so the
// statement's own SQL tells which object it is about.
func describeAtlasChange(c *migrate.Change) (Action, Kind, string) {
	cmd := strings.TrimSpace(c.Cmd)
	upper := strings.ToUpper(cmd)
	switch {
	case strings.HasPrefix(upper, "COMMENT ON"):
		return ActionComment, "", ""
	case strings.HasPrefix(upper, "CREATE INDEX"), strings.HasPrefix(upper, "CREATE UNIQUE INDEX"),
		strings.HasPrefix(upper, "DROP INDEX"):
		action := ActionCreate
		if strings.HasPrefix(upper, "DROP") {
			action = ActionDrop
		}
		if m := atlasIndexName.FindStringSubmatch(cmd); m != nil {
			name := strings.ReplaceAll(m[1], `"`, "")
			if !strings.Contains(name, ".") {
				if t := changedTable(c.Source); t != nil && t.Schema != nil {
					name = t.Schema.Name + "." + name
				}
			}
			return action, KindIndex, name
		}
	}
	switch src := c.Source.(type) {
	case *atlasschema.AddSchema:
		return ActionCreate, KindSchema, src.S.Name
	case *atlasschema.DropSchema:
		return ActionDrop, KindSchema, src.S.Name
	case *atlasschema.ModifySchema:
		return ActionChange, KindSchema, src.S.Name
	case *atlasschema.AddTable:
		return ActionCreate, KindTable, unquotedTableName(src.T)
	case *atlasschema.DropTable:
		return ActionDrop, KindTable, unquotedTableName(src.T)
	case *atlasschema.ModifyTable:
		return ActionChange, KindTable, unquotedTableName(src.T)
	case *atlasschema.RenameTable:
		return ActionChange, KindTable, unquotedTableName(src.To)
	}
	return ActionChange, KindOther, c.Comment
}

// changedTable is the table an Atlas change is about, if any.
func changedTable(c atlasschema.Change) *atlasschema.Table {
	switch c := c.(type) {
	case *atlasschema.AddTable:
		return c.T
	case *atlasschema.DropTable:
		return c.T
	case *atlasschema.ModifyTable:
		return c.T
	}
	return nil
}

// unquotedTableName is schema.table as the summary shows it (the engine's own objects are named so too).
func unquotedTableName(t *atlasschema.Table) string {
	if t.Schema == nil {
		return t.Name
	}
	return t.Schema.Name + "." + t.Name
}
