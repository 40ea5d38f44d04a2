// Command sqpdash serves the Search Query Performance dashboard and administers its database.
//
//	sqpdash serve                 the web dashboard (default http://localhost:8080)
//	sqpdash schema apply          apply schema.hcl to the database
//	sqpdash demo                  load deterministic demo data
//	sqpdash import FILE...        import SQP reports and brand mappings
//	sqpdash refresh               refresh the brand_product_segments view
//	sqpdash users ...             manage dashboard users
//
// Without DATABASE_URL every subcommand uses a private PostgreSQL cluster under SQPDASH_DATA_DIR.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sqpdash/sqpdash/internal/config"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand: it parses its own flags from args and returns an exit code.
type command struct {
	summary string
	run     func(ctx context.Context, cfg config.Config, args []string) int
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"serve the dashboard over HTTP", runServe},
		"schema":  {"apply schema.hcl to the database (schema apply --help)", runSchema},
		"demo":    {"load deterministic demo data", runDemo},
		"import":  {"import SQP reports (SP-API JSON, Seller Central CSV) and brand mappings", runImport},
		"refresh": {"refresh the brand_product_segments materialized view", runRefresh},
		"users":   {"manage dashboard users", runUsers},
		"bench":   {"measure refreshes, queries and the dashboard; write bench/results.md", runBench},
	}
}

func main() {
	// With the output piped (make run | tee), Ctrl-C ends the reader too; a log line written after that
	// must fail with EPIPE, not kill the process by SIGPIPE before it stops the private PostgreSQL.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand; it is separate from main so that tests can call it.
func run(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	logFormatFlag, args, err := globalLogFormat(args)
	if err != nil {
		fmt.Fprintf(stderr, "sqpdash: %v\n", err)
		return exitUsage
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sqpdash: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "sqpdash: %v\n", err)
		return exitUsage
	}
	if logFormatFlag != "" {
		cfg.LogFormat = logFormatFlag
	}
	return cmd.run(ctx, cfg, args[1:])
}

// globalLogFormat takes the global flag --log-format auto|json|text (before the command) off args.
func globalLogFormat(args []string) (format string, rest []string, err error) {
	if len(args) == 0 {
		return "", args, nil
	}
	name, value, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
	if !strings.HasPrefix(args[0], "-") || name != "log-format" {
		return "", args, nil
	}
	rest = args[1:]
	if !hasValue {
		if len(rest) == 0 {
			return "", nil, fmt.Errorf("--log-format needs a value: auto, json or text")
		}
		value, rest = rest[0], rest[1:]
	}
	if err := checkLogFormat(value); err != nil {
		return "", nil, err
	}
	return value, rest, nil
}

// checkLogFormat accepts the values of --log-format and SQPDASH_LOG_FORMAT.
func checkLogFormat(v string) error {
	switch v {
	case "auto", "json", "text":
		return nil
	}
	return fmt.Errorf("--log-format %q: want auto, json or text", v)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sqpdash [--log-format auto|json|text] <command> [flags]\n\ncommands:")
	for _, name := range []string{"serve", "schema", "demo", "import", "refresh", "users", "bench"} {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands()[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'sqpdash <command> --help' for its flags. Environment: DATABASE_URL, SQPDASH_DATA_DIR,\nSQPDASH_ADDR, SQPDASH_REFRESH_EVERY, SQPDASH_LOG_FORMAT.\nLogs go to stderr: text on a terminal, JSON otherwise (auto), or as --log-format or SQPDASH_LOG_FORMAT say.")
}
