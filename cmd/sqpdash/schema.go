package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/schema"
)

const schemaUsage = `usage: sqpdash schema apply [flags]

Applies schema.hcl (atlas.hcl's env src) to the database in one transaction and prints a summary of
what it created, changed and dropped. Before a destructive step (dropping a table, a column or an object
schema.hcl no longer declares) it prints those statements and asks. "Schema is up to date" when there is
nothing to do. --dry-run prints every planned statement and changes nothing; --verbose prints them too,
then applies. See docs/schema-apply.md.

The target is --url, else the env's url (DATABASE_URL for env local), else the private cluster.

flags:
`

// runSchema is `sqpdash schema apply`.
func runSchema(ctx context.Context, cfg config.Config, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(os.Stderr, schemaUsage)
		schemaFlags(&schema.Options{}).PrintDefaults()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] != "apply" {
		fmt.Fprintf(os.Stderr, "sqpdash schema: unknown subcommand %q (want apply)\n", args[0])
		return exitUsage
	}
	opts := schema.Options{Out: os.Stdout, Getenv: os.Getenv}
	fs := schemaFlags(&opts)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), schemaUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sqpdash schema apply: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	if opts.To != "" && !strings.HasPrefix(opts.To, "file://") {
		fmt.Fprintf(os.Stderr, "sqpdash schema apply: --to %q: want file://path\n", opts.To)
		return exitUsage
	}
	if opts.URL == "" {
		envURL, err := schema.EnvURL(opts.ConfigFile, opts.Env, os.Getenv)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sqpdash schema apply: %v\n", err)
			return exitFailure
		}
		if envURL == "" {
			url, stop, err := openDatabaseURL(ctx, cfg, newLogger(cfg))
			if err != nil {
				fmt.Fprintf(os.Stderr, "sqpdash schema apply: %v\n", err)
				return exitFailure
			}
			defer stop()
			opts.URL = url
		}
	}
	if isTerminal(os.Stdin) {
		opts.Confirm = func(p *schema.Plan) bool { return confirm(os.Stdin, os.Stdout, p) }
	}
	if _, err := schema.Apply(ctx, opts); err != nil {
		fmt.Fprintf(os.Stderr, "sqpdash schema apply: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func schemaFlags(opts *schema.Options) *flag.FlagSet {
	fs := flag.NewFlagSet("sqpdash schema apply", flag.ContinueOnError)
	fs.StringVar(&opts.ConfigFile, "config", "atlas.hcl", "the atlas.hcl project file")
	fs.StringVar(&opts.Env, "env", "local", "the env of atlas.hcl to use")
	fs.StringVar(&opts.URL, "url", "", "target database URL (overrides the env's url)")
	fs.StringVar(&opts.DevURL, "dev-url", "", "an empty dev database of the same PostgreSQL major version (default: a scratch database on the target's server)")
	fs.StringVar(&opts.To, "to", "", "apply this schema file instead of the env's src, e.g. file://old/schema.hcl (rollback)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "print every planned statement and a summary, and change nothing")
	fs.BoolVar(&opts.Verbose, "verbose", false, "print every planned statement before applying (default: a summary after)")
	fs.BoolVar(&opts.AutoApprove, "auto-approve", false, "apply destructive steps without asking")
	fs.DurationVar(&opts.LockTimeout, "lock-timeout", schema.DefaultLockTimeout, "longest wait for each lock of the swap (readers queue behind it); given up and retried")
	fs.DurationVar(&opts.LockRetryFor, "lock-retry-for", schema.DefaultLockRetryFor, "how long the swap's locks are retried (and refreshes of the views to swap waited for) before giving up")
	return fs
}

// confirm asks on the terminal whether to run a destructive plan.
func confirm(in io.Reader, out io.Writer, p *schema.Plan) bool {
	n := 0
	for _, s := range p.Statements {
		if s.Destructive {
			n++
		}
	}
	fmt.Fprintf(out, "The plan has %d destructive statement(s) (printed above, marked [DESTRUCTIVE]). Apply it? [y/N] ", n)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true
	}
	return false
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
