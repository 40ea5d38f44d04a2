// Package schema applies schema.hcl to a PostgreSQL database declaratively, on the ariga.io/atlas library:
// atlas.hcl + schema.hcl -> a plan of SQL statements -> one transaction.
package schema

import (
	"context"
	"errors"
	"io"
)

// Options says what to apply where. Zero values take the defaults of atlas.hcl's env.
type Options struct {
	// ConfigFile is the path of atlas.hcl; file:// paths in it are resolved relative to it.
	ConfigFile string
	// Env is the atlas.hcl environment to use ("local", "test").
	Env string
	// URL overrides the env's target database URL.
	URL string
	// DevURL overrides the env's dev database URL. Empty: a scratch database is created and dropped on the
	// target's server.
	DevURL string
	// To overrides the env's src (e.g. "file://old/schema.hcl" for a rollback); a relative path is relative
	// to the working directory.
	To string
	// DryRun prints the plan (every statement) and its summary, and changes nothing.
	DryRun bool
	// Verbose prints every statement of the plan before applying it; otherwise an apply prints only the
	// destructive statements (before asking for them) and, once applied, a summary of what changed.
	Verbose bool
	// AutoApprove allows destructive steps without asking.
	AutoApprove bool
	// Confirm is asked before destructive steps when AutoApprove is false; nil means refuse them.
	Confirm func(plan *Plan) bool
	// Out receives the plan, the summary and progress messages; nil discards them.
	Out io.Writer
	// Getenv resolves getenv() in atlas.hcl; nil means os.Getenv.
	Getenv func(string) string
}

// Plan is the ordered list of statements an apply runs in one transaction.
type Plan struct {
	Statements  []Statement
	Destructive bool
}

// Statement is one SQL statement of a plan.
type Statement struct {
	SQL         string
	Comment     string
	Destructive bool
	// Action, Kind and Object say what the statement does to which object, for the summary (Summarize).
	// Kind is empty for comments and privileges, which are counted, not listed.
	Action Action
	Kind   Kind
	Object string
}

// Result reports what an apply did.
type Result struct {
	Plan    *Plan
	Applied bool
}

// ErrDestructiveNotApproved is returned when the plan drops something and nobody approved it.
var ErrDestructiveNotApproved = errors.New("the plan contains destructive changes: rerun with --auto-approve or answer yes")

// Apply plans and applies the schema: it builds the desired state in the dev database, compares it with
// the target, prints the plan and runs it in one transaction on the target.
func Apply(ctx context.Context, opts Options) (*Result, error) {
	return apply(ctx, opts)
}
