package schema

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	"github.com/jackc/pgx/v5"
)

// built is the desired state as the dev database holds it.
type built struct {
	realm *atlasschema.Realm // tables as inspected (normalized) from the dev database
	cat   *catalog
}

func apply(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	t, err := resolveTarget(opts, getenv)
	if err != nil {
		return nil, err
	}
	d, err := loadDesired(t.Src)
	if err != nil {
		return nil, err
	}
	roles := make([]string, 0, len(d.doc.Roles))
	for _, r := range d.doc.Roles {
		roles = append(roles, r.Name)
	}

	targetDB, targetCfg, err := openDB(t.URL)
	if err != nil {
		return nil, fmt.Errorf("open target: %w", err)
	}
	// Closed after the transaction's outcome is known (and returned): a Close error cannot change it.
	defer func() { _ = targetDB.Close() }()
	targetVersion, err := majorVersion(ctx, targetDB)
	if err != nil {
		return nil, fmt.Errorf("connect to target: %w", err)
	}
	conn, err := targetDB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to target: %w", err)
	}
	defer func() { _ = conn.Close() }()
	// The target is read while the dev database is created and built: they are independent.
	type inspected struct {
		state *targetState
		err   error
	}
	current := make(chan inspected, 1)
	go func() {
		s, err := inspectTarget(ctx, conn, t.Schemas, roles)
		current <- inspected{s, err}
	}()
	b, err := buildOnNewDev(ctx, t.DevURL, targetDB, targetCfg, targetVersion, d, t.Schemas, roles, out)
	cur := <-current
	if err != nil {
		return nil, err
	}
	if cur.err != nil {
		return nil, cur.err
	}
	plan, checks, err := planTarget(ctx, cur.state, b, d.doc.Roles)
	if err != nil {
		return nil, err
	}
	res := &Result{Plan: plan}
	if len(plan.Statements) == 0 {
		fmt.Fprintf(out, "Schema is up to date: nothing to do. (%s)\n", time.Since(start).Round(time.Millisecond))
		return res, nil
	}
	summary := Summarize(plan)
	full := opts.DryRun || opts.Verbose
	if full {
		printPlan(out, plan)
	} else if plan.Destructive {
		// Whoever approves (or refuses) must see exactly what is dropped, not only a count.
		printDestructive(out, plan)
	}
	for _, c := range checks {
		// A missing prerequisite makes the apply fail: say so whatever the verbosity.
		if full || strings.HasSuffix(c, ": MISSING") {
			fmt.Fprintf(out, "-- prerequisite: %s\n", c)
		}
	}
	if opts.DryRun {
		fmt.Fprintf(out, "Dry run: the plan has %d statements (%d destructive) and would change:\n", summary.Statements, summary.Destructive)
		fmt.Fprint(out, summary)
		fmt.Fprintln(out, "-- dry run: nothing was changed.")
		return res, nil
	}
	if plan.Destructive && !opts.AutoApprove && (opts.Confirm == nil || !opts.Confirm(plan)) {
		return res, ErrDestructiveNotApproved
	}
	if err := execute(ctx, conn, plan, b.cat, opts, out, res); err != nil {
		return res, err
	}
	res.Applied = true
	fmt.Fprintf(out, "Applied %d statements (%d destructive) in one transaction (%s):\n", summary.Statements, summary.Destructive, time.Since(start).Round(time.Millisecond))
	fmt.Fprint(out, summary)
	if !full {
		fmt.Fprintln(out, "  (every statement: --dry-run to preview, --verbose to print them as they are applied)")
	}
	return res, nil
}

// buildOnNewDev opens (or creates) the dev database, checks it runs the target's PostgreSQL major version,
// builds the desired state in it and closes (or drops) it.
func buildOnNewDev(ctx context.Context, devURL string, targetDB *sql.DB, targetCfg *pgx.ConnConfig, targetVersion int, d *desired, schemas, roles []string, out io.Writer) (*built, error) {
	dev, err := openDev(ctx, devURL, targetDB, targetCfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := dev.Close(ctx); err != nil {
			fmt.Fprintf(out, "warning: %v\n", err)
		}
	}()
	devVersion, err := majorVersion(ctx, dev.db)
	if err != nil {
		return nil, fmt.Errorf("connect to dev database: %w", err)
	}
	if devVersion != targetVersion {
		return nil, fmt.Errorf("dev database runs PostgreSQL %d but the target runs %d: use a dev database of the same major version", devVersion, targetVersion)
	}
	return buildDesired(ctx, dev.db, d, schemas, roles)
}

// buildDesired creates the desired schema inside a transaction on the dev database, reads it back and rolls
// the transaction back, so the dev database (and the cluster's roles) stay as they were.
func buildDesired(ctx context.Context, db *sql.DB, d *desired, schemas, roles []string) (*built, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("dev database: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // always rolled back: the dev database only serves as a mirror
	drv, err := postgres.Open(tx)
	if err != nil {
		return nil, fmt.Errorf("dev database: open driver: %w", err)
	}
	empty, err := emptyRealm(ctx, tx, schemas)
	if err != nil {
		return nil, err
	}
	planIndex := func(v *atlasschema.View, idx *atlasschema.Index) (string, error) {
		t := v.AsTable()
		i := *idx
		i.Table, i.View = t, nil
		p, err := drv.PlanChanges(ctx, "index", []atlasschema.Change{
			&atlasschema.ModifyTable{T: t, Changes: []atlasschema.Change{&atlasschema.AddIndex{I: &i}}},
		})
		if err != nil {
			return "", err
		}
		if len(p.Changes) != 1 {
			return "", fmt.Errorf("atlas planned %d statements for one index", len(p.Changes))
		}
		return p.Changes[0].Cmd, nil
	}
	steps, err := objectSteps(d, planIndex)
	if err != nil {
		return nil, err
	}
	for _, s := range d.realm.Schemas {
		s.Views = nil // the engine's; Atlas's open-source planner refuses them
	}
	changes, err := drv.RealmDiff(empty, d.realm)
	if err != nil {
		return nil, fmt.Errorf("dev database: diff tables: %w", err)
	}
	tables, err := drv.PlanChanges(ctx, "dev", changes)
	if err != nil {
		return nil, fmt.Errorf("dev database: plan tables: %w", err)
	}
	for _, c := range tables.Changes {
		if _, err := tx.ExecContext(ctx, c.Cmd); err != nil {
			return nil, fmt.Errorf("schema files: %s: %w\n%s", c.Comment, err, c.Cmd)
		}
	}
	realm, err := drv.InspectRealm(ctx, &atlasschema.InspectRealmOption{Schemas: schemas})
	if err != nil {
		return nil, fmt.Errorf("dev database: inspect tables: %w", err)
	}
	for _, r := range d.doc.Roles {
		if _, err := tx.ExecContext(ctx, ensureRoleSQL(r)); err != nil {
			return nil, fmt.Errorf("schema files: role %s: %w", r.Name, err)
		}
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
			return nil, fmt.Errorf("schema files: %s: %w\n%s", s.What, err, s.SQL)
		}
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path = ''"); err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	cat, err := readCatalog(ctx, tx, schemas, roles)
	if err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	return &built{realm: realm, cat: cat}, nil
}

// targetState is the target as it is now: Atlas's view of its tables and the catalog of the rest.
type targetState struct {
	drv   migrate.Driver
	realm *atlasschema.Realm
	cat   *catalog
}

// inspectTarget reads the target's tables (Atlas) and objects (catalog) on one session.
func inspectTarget(ctx context.Context, conn *sql.Conn, schemas, roles []string) (*targetState, error) {
	if _, err := conn.ExecContext(ctx, "SET search_path = ''"); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "RESET search_path") //nolint:errcheck // best effort; execute resets again
	drv, err := postgres.Open(conn)
	if err != nil {
		return nil, fmt.Errorf("target: open driver: %w", err)
	}
	realm, err := drv.InspectRealm(ctx, &atlasschema.InspectRealmOption{Schemas: schemas})
	if err != nil {
		return nil, fmt.Errorf("target: inspect: %w", err)
	}
	cat, err := readCatalog(ctx, conn, schemas, roles)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	return &targetState{drv: drv, realm: realm, cat: cat}, nil
}

// emptyRealm checks the managed schemas of the dev database hold nothing and returns them as a realm, the
// starting point of the dev build (cheaper than an inspection).
func emptyRealm(ctx context.Context, tx *sql.Tx, schemas []string) (*atlasschema.Realm, error) {
	var objects int
	err := tx.QueryRowContext(ctx, `
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`, schemas).Scan(&objects)
	if err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	if objects > 0 {
		return nil, fmt.Errorf("dev database is not empty: %d relations in %v (use an empty dev database)", objects, schemas)
	}
	realm := atlasschema.NewRealm()
	err = scanRows(ctx, tx, "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)", []any{schemas}, func(rows *sql.Rows) error {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		realm.AddSchemas(atlasschema.New(name))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	return realm, nil
}

// planTarget compares the target with the built state: tables through Atlas, the rest through the
// catalogs. It also returns the prerequisite checks of the materialized views.
func planTarget(ctx context.Context, ts *targetState, b *built, roles []*roleSpec) (*Plan, []string, error) {
	// Both realms come from PostgreSQL's inspection, so expressions (checks, index expressions) compare
	// as text.
	changes, err := ts.drv.RealmDiff(ts.realm, b.realm, atlasschema.DiffNormalized())
	if err != nil {
		return nil, nil, fmt.Errorf("target: diff tables: %w", err)
	}
	tables, err := ts.drv.PlanChanges(ctx, "apply", changes)
	if err != nil {
		return nil, nil, fmt.Errorf("target: plan tables: %w", err)
	}
	cur := ts.cat
	risky, created, altered := tableChangeInfo(changes, func(t *atlasschema.Table) string { return tableKey(t, b.cat, cur) })
	p := &planner{cur: cur, des: b.cat, riskyTables: risky, newTables: created, changedTables: altered}
	before, after := p.planObjects()

	plan := &Plan{Statements: p.build, Swapped: sortedKeys(p.swaps), InPlace: p.inPlaceNotes()}
	for _, r := range roles {
		if !cur.roles[r.Name] {
			plan.Statements = append(plan.Statements, Statement{SQL: ensureRoleSQL(r), Comment: "create role " + r.Name, Action: ActionCreate, Kind: KindRole, Object: r.Name})
		}
	}
	plan.Statements = append(plan.Statements, before...)
	for _, c := range tables.Changes {
		st := Statement{SQL: c.Cmd, Comment: c.Comment, Destructive: destructiveChange(c.Source)}
		st.Action, st.Kind, st.Object = describeAtlasChange(c)
		plan.Statements = append(plan.Statements, st)
	}
	plan.Statements = append(plan.Statements, backfillStatements(changes)...)
	plan.Statements = append(plan.Statements, after...)
	plan.Statements = append(plan.Statements, fillStatements(created)...)
	plan.Destructive = slices.ContainsFunc(plan.Statements, func(s Statement) bool { return s.Destructive })
	return plan, prerequisites(b.cat, cur, created), nil
}

// prerequisites lists, for each materialized view, the tables it reads and whether the target has them
// (the seed's "Check prerequisites" block, made declarative).
func prerequisites(des, cur *catalog, created map[string]bool) []string {
	var out []string
	for _, name := range sortedKeys(des.relations) {
		r := des.relations[name]
		if r.Kind != "m" {
			continue
		}
		var reads []string
		for _, d := range des.deps {
			if d.Dependent != r.OID {
				continue
			}
			if t, ok := strings.CutPrefix(des.byOID[d.Referenced], "table:"); ok && !slices.Contains(reads, t) {
				reads = append(reads, t)
			}
		}
		slices.Sort(reads)
		for _, t := range reads {
			state := "present"
			if _, ok := cur.tables[t]; !ok {
				state = "missing now, created by this plan"
				if !created[t] {
					state = "MISSING"
				}
			}
			out = append(out, fmt.Sprintf("%s reads table %s: %s", name, t, state))
		}
	}
	return out
}

func ensureRoleSQL(r *roleSpec) string {
	login := "NOLOGIN"
	if r.Login {
		login = "LOGIN"
	}
	return "DO " + dollarQuote(fmt.Sprintf("BEGIN CREATE ROLE %s %s; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END", ident(r.Name), login))
}

// printDestructive prints the plan's destructive statements in full, marked as printPlan marks them.
func printDestructive(out io.Writer, plan *Plan) {
	fmt.Fprintf(out, "-- The plan has %d statements; these destroy data or objects:\n", len(plan.Statements))
	for i, s := range plan.Statements {
		if s.Destructive {
			fmt.Fprintf(out, "-- %d. [DESTRUCTIVE] %s\n%s;\n", i+1, s.Comment, strings.TrimRight(strings.TrimSpace(s.SQL), ";"))
		}
	}
}

// printPlan prints every statement of the plan (--dry-run, --verbose).
func printPlan(out io.Writer, plan *Plan) {
	destructive := 0
	for _, s := range plan.Statements {
		if s.Destructive {
			destructive++
		}
	}
	fmt.Fprintf(out, "-- Planned changes: %d statements, %d destructive, in one transaction\n", len(plan.Statements), destructive)
	for _, n := range plan.InPlace {
		fmt.Fprintf(out, "-- recreated inside the swap (its readers wait for its query and indexes): %s\n", n)
	}
	phase := Phase("none")
	for i, s := range plan.Statements {
		if len(plan.Swapped) > 0 && s.Phase != phase {
			phase = s.Phase
			switch phase {
			case PhaseHold:
				fmt.Fprintln(out, "-- Hold off refreshes of the views to swap (each lock wait given up after lock_timeout and retried):")
			case PhaseBuild:
				fmt.Fprintln(out, "-- Build beside the serving views (readers keep reading them; refreshes of them wait):")
			default:
				fmt.Fprintln(out, "-- Swap (each lock wait given up after lock_timeout and retried):")
			}
		}
		mark := ""
		if s.Destructive {
			mark = " [DESTRUCTIVE]"
		}
		fmt.Fprintf(out, "-- %d.%s %s\n%s;\n", i+1, mark, s.Comment, strings.TrimRight(strings.TrimSpace(s.SQL), ";"))
	}
}
