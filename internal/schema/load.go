package schema

import (
	"errors"
	"fmt"
	"slices"

	"ariga.io/atlas/schemahcl"
	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlspec"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// desired is what the schema files declare: the tables (and views, for their indexes) as an Atlas realm,
// and the document the engine's own objects are read from.
type desired struct {
	// realm holds schemas, tables and views as the Atlas codec parsed them. Views are kept only so that
	// the indexes of materialized views can be planned by Atlas; they are removed before diffing.
	realm *atlasschema.Realm
	doc   *objectDoc
}

// objectDoc is the engine's reading of the schema files: the blocks Atlas's open-source codec does not
// handle, plus tables and schemas so references to them resolve.
type objectDoc struct {
	Schemas      []*sqlspec.Schema  `spec:"schema"`
	Tables       []*sqlspec.Table   `spec:"table"`
	Views        []*sqlspec.View    `spec:"view"`
	Materialized []*sqlspec.View    `spec:"materialized"`
	Funcs        []*sqlspec.Func    `spec:"function"`
	Procs        []*sqlspec.Func    `spec:"procedure"`
	Triggers     []*sqlspec.Trigger `spec:"trigger"`
	Roles        []*roleSpec        `spec:"role"`
	Permissions  []*permissionSpec  `spec:"permission"`
	schemahcl.DefaultExtension
}

// roleSpec is `role "name" { login = false }`.
type roleSpec struct {
	Name  string `spec:",name"`
	Login bool   `spec:"login"`
	schemahcl.DefaultExtension
}

// permissionSpec is `permission { to = role.r, for = table.t, privileges = [SELECT], grantable = false }`.
type permissionSpec struct {
	To         *schemahcl.Ref `spec:"to"`
	For        *schemahcl.Ref `spec:"for"`
	Privileges []string       `spec:"privileges"`
	Grantable  bool           `spec:"grantable"`
	schemahcl.DefaultExtension
}

// codecBlocks are the top-level blocks handed to Atlas's codec; the rest are the engine's.
var codecBlocks = []string{"schema", "table", "view", "materialized", "enum"}

// loadDesired parses the schema files twice (schemahcl mutates parsed bodies, so each pass gets its own
// parser): once through Atlas's Postgres codec for tables, once into objectDoc for everything else.
func loadDesired(paths []string) (*desired, error) {
	state := newHCLState()
	p, err := parseFiles(paths)
	if err != nil {
		return nil, err
	}
	for _, f := range p.Files() {
		body := f.Body.(*hclsyntax.Body)
		var keep hclsyntax.Blocks
		for _, b := range body.Blocks {
			if !slices.Contains(codecBlocks, b.Type) {
				continue
			}
			// Dependencies are the engine's business; a depends_on naming a function would not resolve
			// in the codec, whose open-source build does not know functions.
			delete(b.Body.Attributes, "depends_on")
			keep = append(keep, b)
		}
		body.Blocks = keep
	}
	realm := &atlasschema.Realm{}
	codec := &postgres.Codec{State: state}
	if err := codec.Eval(p, realm, nil); err != nil {
		return nil, fmt.Errorf("load tables of %v: %w", paths, err)
	}
	p, err = parseFiles(paths)
	if err != nil {
		return nil, err
	}
	doc := &objectDoc{}
	if err := state.Eval(p, doc, nil); err != nil {
		return nil, fmt.Errorf("load objects of %v: %w", paths, err)
	}
	for _, r := range doc.Extra.Children {
		if !slices.Contains(codecBlocks, r.Type) {
			return nil, fmt.Errorf("load %v: block %q is not supported by sqpdash schema apply (see docs/schema-apply.md)", paths, r.Type)
		}
	}
	if err := checkKnown(doc); err != nil {
		return nil, fmt.Errorf("load %v: %w", paths, err)
	}
	return &desired{realm: realm, doc: doc}, nil
}

func parseFiles(paths []string) (*hclparse.Parser, error) {
	p := hclparse.NewParser()
	for _, path := range paths {
		if _, diag := p.ParseHCLFile(path); diag.HasErrors() {
			return nil, fmt.Errorf("parse %s: %w", path, diag)
		}
	}
	return p, nil
}

// Function vocabulary of the official Atlas HCL for PostgreSQL that the open-source codec does not register.
var (
	routineTypes = []*schemahcl.TypeSpec{
		schemahcl.NewTypeSpec("void"), schemahcl.NewTypeSpec("trigger"), schemahcl.NewTypeSpec("record"),
	}
	langs       = []string{"SQL", "PLpgSQL", "plpgsql", "sql"}
	volatility  = []string{"IMMUTABLE", "STABLE", "VOLATILE"}
	security    = []string{"INVOKER", "DEFINER"}
	parallel    = []string{"UNSAFE", "RESTRICTED", "SAFE"}
	argModes    = []string{"IN", "OUT", "INOUT", "VARIADIC"}
	privileges  = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE", "CREATE", "EXECUTE", "ALL"}
	refActions  = []string{"NO_ACTION", "RESTRICT", "CASCADE", "SET_NULL", "SET_DEFAULT"}
	indexTypes  = []string{postgres.IndexTypeBTree, postgres.IndexTypeBRIN, postgres.IndexTypeHash, postgres.IndexTypeGIN, postgres.IndexTypeGiST, "GiST", postgres.IndexTypeSPGiST, "SPGiST"}
	opClasses   = []string{"text_pattern_ops", "varchar_pattern_ops", "bpchar_pattern_ops", "gin_trgm_ops", "gist_trgm_ops", "jsonb_ops", "jsonb_path_ops", "array_ops", "int4_ops", "int8_ops", "text_ops", "date_ops", "uuid_ops", "numeric_ops", "timestamptz_ops"}
	triggerFors = []string{"ROW", "STATEMENT"}
)

// newHCLState returns a schemahcl state configured like Atlas's Postgres codec, plus the function,
// procedure, trigger and permission vocabulary.
func newHCLState() *schemahcl.State {
	types := postgres.TypeRegistry.Specs()
	withRoutine := append(slices.Clone(types), routineTypes...)
	opts := []schemahcl.Option{
		schemahcl.WithTypes("table.column.type", types),
		schemahcl.WithTypes("view.column.type", types),
		schemahcl.WithTypes("materialized.column.type", types),
		schemahcl.WithScopedEnums("view.check_option", atlasschema.ViewCheckOptionLocal, atlasschema.ViewCheckOptionCascaded),
		schemahcl.WithScopedEnums("table.index.type", indexTypes...),
		schemahcl.WithScopedEnums("materialized.index.type", indexTypes...),
		schemahcl.WithScopedEnums("table.partition.type", postgres.PartitionTypeRange, postgres.PartitionTypeList, postgres.PartitionTypeHash),
		schemahcl.WithScopedEnums("table.column.identity.generated", postgres.GeneratedTypeAlways, postgres.GeneratedTypeByDefault),
		schemahcl.WithScopedEnums("table.column.as.type", "STORED"),
		schemahcl.WithScopedEnums("table.foreign_key.on_update", refActions...),
		schemahcl.WithScopedEnums("table.foreign_key.on_delete", refActions...),
		schemahcl.WithScopedEnums("table.index.on.ops", opClasses...),
		schemahcl.WithScopedEnums("materialized.index.on.ops", opClasses...),
		schemahcl.WithScopedEnums("trigger.for", triggerFors...),
		schemahcl.WithScopedEnums("permission.privileges", privileges...),
	}
	for _, kind := range []string{"function", "procedure"} {
		opts = append(opts,
			schemahcl.WithTypes(kind+".arg.type", withRoutine),
			schemahcl.WithScopedEnums(kind+".arg.mode", argModes...),
			schemahcl.WithScopedEnums(kind+".lang", langs...),
			schemahcl.WithScopedEnums(kind+".security", security...),
			schemahcl.WithScopedEnums(kind+".volatility", volatility...),
			schemahcl.WithScopedEnums(kind+".parallel", parallel...),
		)
	}
	opts = append(opts,
		schemahcl.WithTypes("function.return", withRoutine),
		schemahcl.WithTypes("function.return_table.column.type", types),
	)
	return schemahcl.New(opts...)
}

// Attributes and child blocks the engine reads per block type, beyond the typed fields; anything else is
// a typo or an unsupported feature, reported instead of silently ignored.
var knownAttrs = map[string]struct{ attrs, blocks []string }{
	"function":     {[]string{"return", "as", "volatility", "security", "parallel", "strict", "leakproof", "cost", "rows", "comment", "depends_on"}, []string{"return_table", "config_params"}},
	"procedure":    {[]string{"as", "security", "comment", "depends_on"}, []string{"config_params"}},
	"view":         {[]string{"as", "comment", "depends_on", "check_option"}, nil},
	"materialized": {[]string{"as", "comment", "depends_on"}, nil},
	"trigger":      {[]string{"for", "when", "comment"}, []string{"before", "after", "instead_of", "referencing", "execute"}},
	"role":         {[]string{"comment"}, nil},
	"permission":   {nil, nil},
}

// checkKnown reports the first attribute or block of an engine object that the engine would ignore.
func checkKnown(doc *objectDoc) error {
	check := func(kind, name string, ext *schemahcl.DefaultExtension) error {
		known := knownAttrs[kind]
		for _, a := range ext.Extra.Attrs {
			if !slices.Contains(known.attrs, a.K) {
				return fmt.Errorf("%s %q: attribute %q is not supported (see docs/schema-apply.md)", kind, name, a.K)
			}
		}
		for _, c := range ext.Extra.Children {
			if !slices.Contains(known.blocks, c.Type) {
				return fmt.Errorf("%s %q: block %q is not supported (see docs/schema-apply.md)", kind, name, c.Type)
			}
		}
		return nil
	}
	var err error
	for _, f := range doc.Funcs {
		err = errors.Join(err, check("function", f.Name, &f.DefaultExtension))
	}
	for _, p := range doc.Procs {
		err = errors.Join(err, check("procedure", p.Name, &p.DefaultExtension))
	}
	for _, v := range doc.Views {
		err = errors.Join(err, check("view", v.Name, &v.DefaultExtension))
	}
	for _, v := range doc.Materialized {
		err = errors.Join(err, check("materialized", v.Name, &v.DefaultExtension))
	}
	for _, t := range doc.Triggers {
		err = errors.Join(err, check("trigger", t.Name, &t.DefaultExtension))
	}
	for _, r := range doc.Roles {
		err = errors.Join(err, check("role", r.Name, &r.DefaultExtension))
	}
	for _, p := range doc.Permissions {
		err = errors.Join(err, check("permission", "", &p.DefaultExtension))
	}
	return err
}
