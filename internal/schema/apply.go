// Package schema applies schema.hcl to a PostgreSQL database declaratively, on the ariga.io/atlas library:
// atlas.hcl + schema.hcl -> a plan of SQL statements -> one transaction.
package schema

import (
	"context"
	"errors"
	"io"
	"time"
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
	// LockTimeout bounds each wait for a lock of the swap (the plan's statements after the views built
	// beside): readers queue behind a waiting DROP, so a wait longer than this is given up and retried.
	// Zero: DefaultLockTimeout.
	LockTimeout time.Duration
	// LockRetryFor is how long the swap's lock waits are retried, and how long the build waits for the
	// refreshes of the views it replaces to finish, before the apply gives up (and changes nothing). Zero:
	// DefaultLockRetryFor.
	LockRetryFor time.Duration
}

// The defaults of Options.LockTimeout and Options.LockRetryFor.
const (
	DefaultLockTimeout  = 200 * time.Millisecond
	DefaultLockRetryFor = 2 * time.Minute
)

// Phase says when a statement runs within the apply's transaction.
type Phase string

// The phases of a plan, in the order they run. PhaseHold statements take the locks that keep refreshes of
// the views to swap off (retried under lock_timeout). PhaseBuild statements build materialized views beside
// the serving ones: they take no lock that readers wait for, however long they run. PhaseSwap statements
// (all the others) run after them in a savepoint retried under lock_timeout.
const (
	PhaseHold  Phase = "hold"
	PhaseBuild Phase = "build"
	PhaseSwap  Phase = ""
)

// Plan is the ordered list of statements an apply runs in one transaction: the build (PhaseBuild), then
// the swap.
type Plan struct {
	Statements  []Statement
	Destructive bool
	// Swapped are the materialized views the plan builds beside the serving ones and swaps in; InPlace
	// the ones it drops and creates inside the swap (readers wait for them), each with why.
	Swapped, InPlace []string
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
	// Phase is PhaseBuild for the statements that build materialized views beside the serving ones.
	Phase Phase
}

// Result reports what an apply did.
type Result struct {
	Plan    *Plan
	Applied bool
	// Build is how long building the swapped views took; Swap how long the swap held its locks (from its
	// last try to the commit: what readers of the swapped views may have waited at most); SwapTries the
	// tries the swap took.
	Build, Swap time.Duration
	SwapTries   int
}

// ErrDestructiveNotApproved is returned when the plan drops something and nobody approved it.
var ErrDestructiveNotApproved = errors.New("the plan contains destructive changes: rerun with --auto-approve or answer yes")

// Apply plans and applies the schema: it builds the desired state in the dev database, compares it with
// the target, prints the plan and runs it in one transaction on the target.
func Apply(ctx context.Context, opts Options) (*Result, error) {
	return apply(ctx, opts)
}
