package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"ariga.io/atlas/schemahcl"
	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlspec"
	"github.com/jackc/pgx/v5"
	"github.com/zclconf/go-cty/cty"
)

// step is one statement of the engine's objects, executed on the dev database to build the desired
// state. The target never runs these texts directly: its plan is derived from the dev catalogs.
type step struct {
	What string // e.g. "materialized view public.brand_product_segments", for error messages
	SQL  string
}

// objectNode is a view, materialized view, function or procedure of the schema files, in the graph that
// orders their creation.
type objectNode struct {
	kind  string // block type: view, materialized, function, procedure
	ref   string // "kind.name" as references spell it
	what  string
	name  string // unqualified object name, searched in other objects' SQL
	text  string // SQL text whose mentions of other objects count as dependencies
	deps  []string
	steps []step
}

// indexPlanner returns Atlas's CREATE INDEX statement for an index of a materialized view.
type indexPlanner func(v *atlasschema.View, idx *atlasschema.Index) (string, error)

// objectSteps turns the engine's blocks into statements in dependency order: functions, procedures,
// views and materialized views (each with its indexes) topologically, then triggers, comments, grants.
func objectSteps(d *desired, planIndex indexPlanner) ([]step, error) {
	r := &resolver{doc: d.doc}
	var nodes []*objectNode
	for _, f := range d.doc.Funcs {
		n, err := r.routineNode("function", f)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	for _, p := range d.doc.Procs {
		n, err := r.routineNode("procedure", p)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	for _, kind := range []string{"view", "materialized"} {
		specs := d.doc.Views
		if kind == "materialized" {
			specs = d.doc.Materialized
		}
		for _, v := range specs {
			n, err := r.viewNode(kind, v, d.realm, planIndex)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
	}
	ordered, err := orderNodes(nodes, true)
	if err != nil {
		// A name mentioned in a comment or a string can make a false cycle: trust depends_on alone.
		if ordered, err = orderNodes(nodes, false); err != nil {
			return nil, err
		}
	}
	var steps []step
	for _, n := range ordered {
		steps = append(steps, n.steps...)
	}
	for _, t := range d.doc.Triggers {
		s, err := r.triggerSteps(t)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s...)
	}
	for _, p := range d.doc.Permissions {
		s, err := r.grantStep(p)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// resolver turns HCL references into qualified SQL names.
type resolver struct {
	doc *objectDoc
}

func (r *resolver) schemaOf(ref *schemahcl.Ref, what string) (string, error) {
	if ref == nil {
		return "public", nil
	}
	path, err := ref.Path()
	if err != nil || len(path) != 1 || path[0].T != "schema" || len(path[0].V) != 1 {
		return "", fmt.Errorf("%s: schema must reference a schema block, got %q", what, ref.V)
	}
	return path[0].V[0], nil
}

// object resolves a reference such as table.brands, materialized.m, function.f to its qualified name.
func (r *resolver) object(ref *schemahcl.Ref) (kind, qualified string, err error) {
	path, err := ref.Path()
	if err != nil || len(path) == 0 {
		return "", "", fmt.Errorf("invalid reference %q", ref.V)
	}
	kind, ids := path[0].T, path[0].V
	name := ids[len(ids)-1]
	qualifier := ""
	if len(ids) > 1 {
		qualifier = ids[0]
	}
	switch kind {
	case "schema", "role":
		return kind, ident(name), nil
	}
	for _, obj := range r.declared(kind) {
		if obj.Label() != name || (qualifier != "" && obj.QualifierLabel() != qualifier) {
			continue
		}
		sch, err := r.schemaOf(obj.SchemaRef(), name)
		if err != nil {
			return "", "", err
		}
		return kind, qident(sch, name), nil
	}
	return "", "", fmt.Errorf("reference %q: no such %s in the schema files", ref.V, kind)
}

// declaredObject is what tables, views and functions of the schema files have in common.
type declaredObject interface {
	Label() string
	QualifierLabel() string
	SchemaRef() *schemahcl.Ref
}

// declared lists the blocks of one type that references can point to.
func (r *resolver) declared(kind string) []declaredObject {
	var out []declaredObject
	switch kind {
	case "table":
		for _, t := range r.doc.Tables {
			out = append(out, t)
		}
	case "view", "materialized":
		specs := r.doc.Views
		if kind == "materialized" {
			specs = r.doc.Materialized
		}
		for _, v := range specs {
			out = append(out, v)
		}
	case "function", "procedure":
		specs := r.doc.Funcs
		if kind == "procedure" {
			specs = r.doc.Procs
		}
		for _, f := range specs {
			out = append(out, f)
		}
	}
	return out
}

func (r *resolver) routineNode(kind string, f *sqlspec.Func) (*objectNode, error) {
	what := kind + " " + f.Name
	sch, err := r.schemaOf(f.Schema, what)
	if err != nil {
		return nil, err
	}
	name := qident(sch, f.Name)
	what = kind + " " + sch + "." + f.Name
	body, err := stringAttr(&f.DefaultExtension, "as")
	if err != nil || body == "" {
		return nil, fmt.Errorf("%s: the body attribute as is required", what)
	}
	var args []string
	for _, a := range f.Args {
		typ, err := sqlType(a.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: arg %s: %w", what, a.Name, err)
		}
		arg := typ // `arg { type = integer }`: an unnamed argument, as in Atlas's reference
		if a.Name != "" {
			arg = ident(a.Name) + " " + typ
		}
		if mode, _ := stringAttr(&a.DefaultExtension, "mode"); mode != "" {
			arg = mode + " " + arg
		}
		if def, ok := literal(a.Default); ok {
			arg += " DEFAULT " + def
		}
		args = append(args, arg)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE %s %s(%s)", strings.ToUpper(kind), name, strings.Join(args, ", "))
	if kind == "function" {
		ret, err := r.returns(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		b.WriteString(" RETURNS " + ret)
	}
	lang := "sql"
	if f.Lang.Type() == cty.String && !f.Lang.IsNull() {
		lang = f.Lang.AsString()
	}
	b.WriteString(" LANGUAGE " + lang)
	for _, attr := range []string{"volatility", "security", "parallel"} {
		v, _ := stringAttr(&f.DefaultExtension, attr)
		switch {
		case v == "":
		case attr == "security":
			b.WriteString(" SECURITY " + v)
		case attr == "parallel":
			b.WriteString(" PARALLEL " + v)
		default:
			b.WriteString(" " + v)
		}
	}
	for _, attr := range []string{"strict", "leakproof"} {
		if a, ok := f.Attr(attr); ok {
			if v, err := a.Bool(); err == nil && v {
				b.WriteString(" " + strings.ToUpper(attr))
			}
		}
	}
	for _, attr := range []string{"cost", "rows"} {
		if a, ok := f.Attr(attr); ok {
			if v, err := a.Int64(); err == nil {
				fmt.Fprintf(&b, " %s %d", strings.ToUpper(attr), v)
			}
		}
	}
	set, err := configParams(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b.WriteString(set)
	if std, ok := sqlStandardBody(body); ok && strings.EqualFold(lang, "sql") {
		b.WriteString(" " + std)
	} else {
		b.WriteString(" AS " + dollarQuote(body))
	}
	n := &objectNode{kind: kind, ref: kind + "." + f.Name, what: what, name: f.Name, text: body}
	n.steps = append(n.steps, step{What: what, SQL: b.String()})
	if c, _ := stringAttr(&f.DefaultExtension, "comment"); c != "" {
		n.steps = append(n.steps, step{What: what + " comment", SQL: fmt.Sprintf("COMMENT ON %s %s IS %s", strings.ToUpper(kind), name, quote(c))})
	}
	n.deps, err = r.dependsOn(&f.DefaultExtension, what)
	return n, err
}

// sqlStandardBody recognises an SQL-standard body (`RETURN expr` or `BEGIN ATOMIC ... END`, PostgreSQL 14+),
// which Atlas's reference writes in `as` like a quoted one: it follows the options unquoted, and PostgreSQL
// parses it at CREATE and records what it uses.
func sqlStandardBody(body string) (string, bool) {
	b := strings.TrimSpace(body)
	if sqlStandardStart.MatchString(b) {
		return strings.TrimRight(b, "; \t\n"), true
	}
	return "", false
}

var sqlStandardStart = regexp.MustCompile(`(?is)^(RETURN\b|BEGIN\s+ATOMIC\b)`)

// configParams renders Atlas's `config_params { search_path = "pg_catalog, pg_temp" }` as the routine's
// SET clauses, which PostgreSQL applies for the routine's run only and restores after it (also on error):
// the way to pin a SECURITY DEFINER function's search_path. Each value is SQL text, as it would follow
// `SET name =`. Sorted by name, because HCL attributes come unordered and the catalogs keep the order.
func configParams(f *sqlspec.Func) (string, error) {
	blk, ok := f.Extra.Resource("config_params")
	if !ok {
		return "", nil
	}
	attrs := slices.Clone(blk.Attrs)
	slices.SortFunc(attrs, func(a, b *schemahcl.Attr) int { return strings.Compare(a.K, b.K) })
	var b strings.Builder
	for _, a := range attrs {
		v, err := a.String()
		if err != nil || strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("config_params: %s must be a non-empty string of SQL", a.K)
		}
		fmt.Fprintf(&b, " SET %s = %s", a.K, v)
	}
	return b.String(), nil
}

// returns renders `return = type` or `return_table { column ... }`.
func (r *resolver) returns(f *sqlspec.Func) (string, error) {
	if a, ok := f.Attr("return"); ok {
		t, err := a.Type()
		if err != nil {
			return "", fmt.Errorf("return: %w", err)
		}
		return sqlType(t)
	}
	if rt, ok := f.Extra.Resource("return_table"); ok {
		var cols []string
		for _, c := range rt.Resources("column") {
			a, ok := c.Attr("type")
			if !ok {
				return "", fmt.Errorf("return_table column %s: type is required", c.Name)
			}
			t, err := a.Type()
			if err != nil {
				return "", fmt.Errorf("return_table column %s: %w", c.Name, err)
			}
			typ, err := sqlType(t)
			if err != nil {
				return "", fmt.Errorf("return_table column %s: %w", c.Name, err)
			}
			cols = append(cols, ident(c.Name)+" "+typ)
		}
		return "TABLE(" + strings.Join(cols, ", ") + ")", nil
	}
	return "", fmt.Errorf("return or return_table is required")
}

func (r *resolver) viewNode(kind string, v *sqlspec.View, realm *atlasschema.Realm, planIndex indexPlanner) (*objectNode, error) {
	sch, err := r.schemaOf(v.Schema, kind+" "+v.Name)
	if err != nil {
		return nil, err
	}
	name := qident(sch, v.Name)
	keyword := "VIEW"
	if kind == "materialized" {
		keyword = "MATERIALIZED VIEW"
	}
	what := strings.ToLower(keyword) + " " + sch + "." + v.Name
	def, err := stringAttr(&v.DefaultExtension, "as")
	if err != nil || def == "" {
		return nil, fmt.Errorf("%s: the query attribute as is required", what)
	}
	def = strings.TrimRight(strings.TrimSpace(def), ";")
	create := fmt.Sprintf("CREATE %s %s AS %s", keyword, name, def)
	if opt, _ := stringAttr(&v.DefaultExtension, "check_option"); opt != "" && kind == "view" {
		create += " WITH " + opt + " CHECK OPTION"
	}
	n := &objectNode{kind: kind, ref: kind + "." + v.Name, what: what, name: v.Name, text: def}
	n.steps = append(n.steps, step{What: what, SQL: create})
	if len(v.Indexes) > 0 {
		av, ok := findView(realm, sch, v.Name)
		if !ok {
			return nil, fmt.Errorf("%s: not found in the parsed realm", what)
		}
		for _, idx := range av.Indexes {
			sql, err := planIndex(av, idx)
			if err != nil {
				return nil, fmt.Errorf("%s: index %s: %w", what, idx.Name, err)
			}
			n.steps = append(n.steps, step{What: what + " index " + idx.Name, SQL: sql})
		}
	}
	if c, _ := stringAttr(&v.DefaultExtension, "comment"); c != "" {
		n.steps = append(n.steps, step{What: what + " comment", SQL: fmt.Sprintf("COMMENT ON %s %s IS %s", keyword, name, quote(c))})
	}
	for _, col := range v.Columns {
		if c, _ := stringAttr(&col.DefaultExtension, "comment"); c != "" {
			n.steps = append(n.steps, step{What: what + " column " + col.Name + " comment", SQL: fmt.Sprintf("COMMENT ON COLUMN %s.%s IS %s", name, ident(col.Name), quote(c))})
		}
	}
	for _, idx := range v.Indexes {
		if c, _ := stringAttr(&idx.DefaultExtension, "comment"); c != "" {
			n.steps = append(n.steps, step{What: what + " index " + idx.Name + " comment", SQL: fmt.Sprintf("COMMENT ON INDEX %s IS %s", qident(sch, idx.Name), quote(c))})
		}
	}
	n.deps, err = r.dependsOn(&v.DefaultExtension, what)
	return n, err
}

func findView(realm *atlasschema.Realm, sch, name string) (*atlasschema.View, bool) {
	s, ok := realm.Schema(sch)
	if !ok {
		return nil, false
	}
	for _, v := range s.Views {
		if v.Name == name {
			return v, true
		}
	}
	return nil, false
}

// dependsOn returns the depends_on references as "kind.name".
func (r *resolver) dependsOn(ext *schemahcl.DefaultExtension, what string) ([]string, error) {
	a, ok := ext.Attr("depends_on")
	if !ok {
		return nil, nil
	}
	refs, err := a.Refs()
	if err != nil {
		return nil, fmt.Errorf("%s: depends_on: %w", what, err)
	}
	var deps []string
	for _, ref := range refs {
		path, err := ref.Path()
		if err != nil || len(path) == 0 {
			return nil, fmt.Errorf("%s: depends_on: invalid reference %q", what, ref.V)
		}
		deps = append(deps, path[0].T+"."+path[0].V[len(path[0].V)-1])
	}
	return deps, nil
}

var triggerTimings = []struct{ block, sql string }{{"before", "BEFORE"}, {"after", "AFTER"}, {"instead_of", "INSTEAD OF"}}

func (r *resolver) triggerSteps(t *sqlspec.Trigger) ([]step, error) {
	what := "trigger " + t.Name
	if t.On == nil {
		return nil, fmt.Errorf("%s: on is required", what)
	}
	_, on, err := r.object(t.On)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	what += " on " + on
	var timing string
	var events []string
	for _, tm := range triggerTimings {
		blk, ok := t.Extra.Resource(tm.block)
		if !ok {
			continue
		}
		timing = tm.sql
		for _, ev := range []string{"insert", "update", "delete", "truncate"} {
			if a, ok := blk.Attr(ev); ok {
				if v, err := a.Bool(); err == nil && v {
					events = append(events, strings.ToUpper(ev))
				}
			}
		}
		if a, ok := blk.Attr("update_of"); ok {
			refs, err := a.Refs()
			if err != nil {
				return nil, fmt.Errorf("%s: update_of: %w", what, err)
			}
			var cols []string
			for _, ref := range refs {
				path, err := ref.Path()
				if err != nil || len(path) == 0 {
					return nil, fmt.Errorf("%s: update_of: invalid reference %q", what, ref.V)
				}
				last := path[len(path)-1]
				cols = append(cols, ident(last.V[len(last.V)-1]))
			}
			events = append(events, "UPDATE OF "+strings.Join(cols, ", "))
		}
	}
	if timing == "" || len(events) == 0 {
		return nil, fmt.Errorf("%s: one of before/after/instead_of with at least one event is required", what)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TRIGGER %s %s %s ON %s", ident(t.Name), timing, strings.Join(events, " OR "), on)
	if ref, ok := t.Extra.Resource("referencing"); ok {
		var parts []string
		for _, side := range []string{"old", "new"} {
			if v, _ := stringAttr(&schemahcl.DefaultExtension{Extra: *ref}, side); v != "" {
				parts = append(parts, strings.ToUpper(side)+" TABLE AS "+ident(v))
			}
		}
		if len(parts) > 0 {
			b.WriteString(" REFERENCING " + strings.Join(parts, " "))
		}
	}
	level, _ := stringAttr(&t.DefaultExtension, "for")
	if level == "" {
		level = "STATEMENT"
	}
	b.WriteString(" FOR EACH " + level)
	if when, _ := stringAttr(&t.DefaultExtension, "when"); when != "" {
		b.WriteString(" WHEN (" + when + ")")
	}
	exec, ok := t.Extra.Resource("execute")
	if !ok {
		return nil, fmt.Errorf("%s: execute { function = function.f } is required", what)
	}
	fa, ok := exec.Attr("function")
	if !ok {
		return nil, fmt.Errorf("%s: execute { function = function.f } is required", what)
	}
	fref, err := fa.Ref()
	if err != nil {
		return nil, fmt.Errorf("%s: execute.function: %w", what, err)
	}
	_, fn, err := r.object(&schemahcl.Ref{V: fref})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	b.WriteString(" EXECUTE FUNCTION " + fn + "()")
	steps := []step{{What: what, SQL: b.String()}}
	if c, _ := stringAttr(&t.DefaultExtension, "comment"); c != "" {
		steps = append(steps, step{What: what + " comment", SQL: fmt.Sprintf("COMMENT ON TRIGGER %s ON %s IS %s", ident(t.Name), on, quote(c))})
	}
	return steps, nil
}

func (r *resolver) grantStep(p *permissionSpec) (step, error) {
	if p.To == nil || p.For == nil || len(p.Privileges) == 0 {
		return step{}, fmt.Errorf("permission: to, for and privileges are required")
	}
	_, role, err := r.object(p.To)
	if err != nil {
		return step{}, fmt.Errorf("permission: %w", err)
	}
	kind, obj, err := r.object(p.For)
	if err != nil {
		return step{}, fmt.Errorf("permission: %w", err)
	}
	on := map[string]string{"table": "TABLE", "view": "TABLE", "materialized": "TABLE", "function": "FUNCTION", "procedure": "PROCEDURE", "schema": "SCHEMA"}[kind]
	if on == "" {
		return step{}, fmt.Errorf("permission for %s: unsupported object kind %s", p.For.V, kind)
	}
	privs := strings.Join(p.Privileges, ", ")
	if privs == "ALL" {
		privs = "ALL PRIVILEGES"
	}
	sql := fmt.Sprintf("GRANT %s ON %s %s TO %s", privs, on, obj, role)
	if p.Grantable {
		sql += " WITH GRANT OPTION"
	}
	return step{What: "permission " + sql, SQL: sql}, nil
}

// orderNodes sorts objects so each comes after what it depends on: its depends_on references and, with
// byText, the other objects whose names appear as words in its SQL. Ties keep the declaration order.
func orderNodes(nodes []*objectNode, byText bool) ([]*objectNode, error) {
	byRef := make(map[string][]int)
	for i, n := range nodes {
		byRef[n.ref] = append(byRef[n.ref], i)
	}
	edges := make([][]int, len(nodes)) // edges[i]: nodes i depends on
	for i, n := range nodes {
		for _, d := range n.deps {
			edges[i] = append(edges[i], byRef[d]...)
		}
		for j, m := range nodes {
			if byText && i != j && m.name != n.name && mentions(n.text, m.name) {
				edges[i] = append(edges[i], j)
			}
		}
	}
	var (
		out   []*objectNode
		state = make([]int, len(nodes)) // 0 new, 1 visiting, 2 done
		visit func(i int) error
	)
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("dependency cycle through %s", nodes[i].what)
		case 2:
			return nil
		}
		state[i] = 1
		deps := slices.Clone(edges[i])
		slices.Sort(deps)
		for _, j := range slices.Compact(deps) {
			if j == i {
				continue
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		out = append(out, nodes[i])
		return nil
	}
	for i := range nodes {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func mentions(text, name string) bool {
	return regexp.MustCompile(`(?i)(^|[^a-z0-9_$])` + regexp.QuoteMeta(name) + `($|[^a-z0-9_$])`).MatchString(text)
}

// sqlType renders an HCL type (uuid, varchar(20), numeric(12,2), void, trigger, record) as SQL.
func sqlType(t *schemahcl.Type) (string, error) {
	if t == nil {
		return "", fmt.Errorf("type is required")
	}
	for _, rt := range routineTypes {
		if t.T == rt.T {
			return t.T, nil
		}
	}
	st, err := postgres.TypeRegistry.Type(t, nil)
	if err != nil {
		return "", fmt.Errorf("type %s: %w", t.T, err)
	}
	return postgres.FormatType(st)
}

// literal renders an argument default: strings as SQL literals, sql("expr") as is.
func literal(v cty.Value) (string, bool) {
	if v == cty.NilVal || v.IsNull() {
		return "", false
	}
	switch {
	case v.Type() == cty.String:
		return quote(v.AsString()), true
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1), true
	case v.Type() == cty.Bool:
		if v.True() {
			return "true", true
		}
		return "false", true
	case v.Type().IsCapsuleType():
		if x, ok := v.EncapsulatedValue().(*schemahcl.RawExpr); ok {
			return x.X, true
		}
	}
	return "", false
}

func stringAttr(ext *schemahcl.DefaultExtension, name string) (string, error) {
	a, ok := ext.Attr(name)
	if !ok {
		return "", nil
	}
	if a.IsRawExpr() {
		x, err := a.RawExpr()
		if err != nil {
			return "", err
		}
		return x.X, nil
	}
	return a.String()
}

func dollarQuote(body string) string {
	tag := "$body$"
	for i := 0; strings.Contains(body, tag); i++ {
		tag = fmt.Sprintf("$body%d$", i)
	}
	return tag + "\n" + strings.TrimRight(body, " \t") + tag
}

// ident quotes a name as an SQL identifier, always (pgx doubles any quote in it), so a reserved word, a
// capital or a quote in a name never changes what PostgreSQL reads. These texts only build the desired state
// on the dev database; the target's plan is read back from the catalogs in PostgreSQL's own quoting.
func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

func qident(schema, name string) string { return pgx.Identifier{schema, name}.Sanitize() }

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
