package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/sqpdash/sqpdash/internal/account"
	"github.com/sqpdash/sqpdash/internal/apperr"
	"github.com/sqpdash/sqpdash/internal/auth"
	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/postgres"
)

// firstAdminEmail is the account `users ensure-admin` creates on a database without users.
const firstAdminEmail = "admin@localhost"

// usersCLI runs `sqpdash users ...`. Its inputs and outputs are fields so that tests can drive it; the
// database is opened only after the arguments parsed, so --help works without one.
type usersCLI struct {
	open func(ctx context.Context) (*postgres.DB, error)
	// stdin supplies passwords when it is not a terminal (one per line); terminal is set when it is one.
	stdin    *bufio.Reader
	terminal *os.File
	out      io.Writer
	errOut   io.Writer
	// loginURL is shown after ensure-admin created an account.
	loginURL string
	// command is how the user runs sqpdash (bin/sqpdash), for the commands it suggests; empty: "sqpdash".
	command string
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usersSubcommands lists the subcommands with their synopsis, in the order of the help text.
func usersSubcommands() []struct{ name, synopsis, summary string } {
	return []struct{ name, synopsis, summary string }{
		{"add", "add [--role manager|admin] [--brand BRAND]... EMAIL", "create a user; the password is read from the terminal (no echo) or the first line of stdin"},
		{"list", "list", "list users with role, state, brands (by brand_name) and last sign-in"},
		{"set-password", "set-password EMAIL", "replace a password (read like add's) and end the user's sessions"},
		{"disable", "disable EMAIL", "stop a user from signing in and end their sessions"},
		{"enable", "enable EMAIL", "allow a disabled user to sign in again"},
		{"grant", "grant EMAIL BRAND...", "let a manager see brands (brand id or brand_name)"},
		{"revoke", "revoke EMAIL BRAND...", "take brands away from a manager"},
		{"ensure-admin", "ensure-admin", "on a database without users, create " + firstAdminEmail + " with a random password printed once"},
	}
}

// runUsers manages dashboard users. Passwords never appear in arguments, the environment or logs.
func runUsers(ctx context.Context, cfg config.Config, args []string) int {
	log := newLogger(cfg)
	var closeDB func()
	cli := &usersCLI{
		stdin:    bufio.NewReader(os.Stdin),
		out:      os.Stdout,
		errOut:   os.Stderr,
		loginURL: "http://" + cfg.Addr + "/login",
		command:  commandName(),
		open: func(ctx context.Context) (*postgres.DB, error) {
			db, closeAll, err := openDatabase(ctx, cfg, log)
			if err != nil {
				return nil, err
			}
			closeDB = closeAll
			return db, nil
		},
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		cli.terminal = os.Stdin
	}
	code := cli.run(ctx, args)
	if closeDB != nil {
		closeDB()
	}
	return code
}

// run dispatches one users subcommand and turns its error into an exit status.
func (c *usersCLI) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		c.usage(c.errOut)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	subcommands := map[string]func(context.Context, []string) error{
		"add": c.add, "list": c.list, "set-password": c.setPassword, "disable": c.disable,
		"enable": c.enable, "grant": c.grant, "revoke": c.revoke, "ensure-admin": c.ensureAdmin,
	}
	sub, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(c.errOut, "sqpdash users: unknown subcommand %q\n\n", args[0])
		c.usage(c.errOut)
		return exitUsage
	}
	err := sub(ctx, args[1:])
	var usageErr usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &usageErr):
		fmt.Fprintf(c.errOut, "sqpdash users %s: %s\n", args[0], usageErr.msg)
		return exitUsage
	}
	if e, ok := apperr.As(err); ok {
		fmt.Fprintf(c.errOut, "sqpdash users %s: %s\n", args[0], e.Error())
		return exitFailure
	}
	fmt.Fprintf(c.errOut, "sqpdash users %s: %v\n", args[0], err)
	return exitFailure
}

func (c *usersCLI) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sqpdash users <subcommand> [flags] [arguments]\n\nsubcommands:")
	for _, s := range usersSubcommands() {
		fmt.Fprintf(w, "  %-52s %s\n", s.synopsis, s.summary)
	}
	fmt.Fprintln(w, "\nRoles: admin (everything, every brand) and manager (read-only, granted brands only).")
}

// flags returns a flag set for subcommand name whose --help prints the synopsis and the flags.
func (c *usersCLI) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("sqpdash users "+name, flag.ContinueOnError)
	fs.SetOutput(c.errOut)
	fs.Usage = func() {
		for _, s := range usersSubcommands() {
			if s.name == name {
				fmt.Fprintf(c.errOut, "usage: sqpdash users %s\n\n%s.\n", s.synopsis, s.summary)
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

// parseUsersArgs parses args with fs and checks the number of positional arguments (max < 0: no maximum).
func parseUsersArgs(fs *flag.FlagSet, args []string, min, max int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if n := fs.NArg(); n < min || (max >= 0 && n > max) {
		fs.Usage()
		return usageError{fmt.Sprintf("wrong number of arguments: %q", fs.Args())}
	}
	return nil
}

// brandList collects repeated --brand flags.
type brandList []string

func (b *brandList) String() string     { return strings.Join(*b, ",") }
func (b *brandList) Set(v string) error { *b = append(*b, v); return nil }

// parseEmailArgs parses args with fs and normalises the first positional argument: the user's email.
func parseEmailArgs(fs *flag.FlagSet, args []string, min, max int) (string, error) {
	if err := parseUsersArgs(fs, args, min, max); err != nil {
		return "", err
	}
	return account.NormalizeEmail(fs.Arg(0))
}

// withDB opens the database for one subcommand and closes it when f returns.
func (c *usersCLI) withDB(ctx context.Context, f func(db *postgres.DB) error) error {
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return f(db)
}

func (c *usersCLI) add(ctx context.Context, args []string) error {
	fs := c.flags("add")
	roleName := fs.String("role", string(account.RoleManager), "admin or manager")
	var brands brandList
	fs.Var(&brands, "brand", "a brand the manager may see (id or brand_name); repeat for several")
	email, err := parseEmailArgs(fs, args, 1, 1)
	if err != nil {
		return err
	}
	role, err := account.ParseRole(*roleName)
	if err != nil {
		return err
	}
	hash, err := c.newPasswordHash()
	if err != nil {
		return err
	}
	return c.withDB(ctx, func(db *postgres.DB) error {
		if _, err := db.CreateUser(ctx, postgres.NewUser{Email: email, Role: role, PasswordHash: hash}); err != nil {
			return err
		}
		for _, b := range brands {
			if err := db.GrantBrand(ctx, email, b); err != nil {
				return err
			}
		}
		fmt.Fprintf(c.out, "created %s %s\n", role, email)
		return nil
	})
}

func (c *usersCLI) list(ctx context.Context, args []string) error {
	if err := parseUsersArgs(c.flags("list"), args, 0, 0); err != nil {
		return err
	}
	return c.withDB(ctx, func(db *postgres.DB) error {
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		active, err := db.ActiveBrands(ctx)
		if err != nil {
			return err
		}
		nameOf := make(map[string]string, len(active))
		for _, b := range active {
			nameOf[b.ID] = b.Name
		}
		tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tACTIVE\tBRANDS\tLAST SIGN-IN")
		for _, u := range users {
			names := make([]string, len(u.BrandIDs))
			for i, id := range u.BrandIDs {
				names[i] = cmp.Or(nameOf[id], id) // an inactive brand by its id
			}
			brands := strings.Join(names, ",")
			if u.IsAdmin() {
				brands = "(all)"
			} else if brands == "" {
				brands = "(none)"
			}
			last := "never"
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\n", u.Email, u.Role, u.Active, brands, last)
		}
		return tw.Flush()
	})
}

func (c *usersCLI) setPassword(ctx context.Context, args []string) error {
	email, err := parseEmailArgs(c.flags("set-password"), args, 1, 1)
	if err != nil {
		return err
	}
	hash, err := c.newPasswordHash()
	if err != nil {
		return err
	}
	return c.withDB(ctx, func(db *postgres.DB) error {
		if err := db.SetPassword(ctx, email, hash); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "password of %s changed; their sessions were ended\n", email)
		return nil
	})
}

func (c *usersCLI) disable(ctx context.Context, args []string) error {
	return c.setActive(ctx, "disable", args, false)
}

func (c *usersCLI) enable(ctx context.Context, args []string) error {
	return c.setActive(ctx, "enable", args, true)
}

func (c *usersCLI) setActive(ctx context.Context, name string, args []string, active bool) error {
	email, err := parseEmailArgs(c.flags(name), args, 1, 1)
	if err != nil {
		return err
	}
	return c.withDB(ctx, func(db *postgres.DB) error {
		if err := db.SetUserActive(ctx, email, active); err != nil {
			return err
		}
		fmt.Fprintf(c.out, "%sd %s\n", name, email)
		return nil
	})
}

func (c *usersCLI) grant(ctx context.Context, args []string) error {
	return c.changeBrands(ctx, "grant", args, (*postgres.DB).GrantBrand)
}

func (c *usersCLI) revoke(ctx context.Context, args []string) error {
	return c.changeBrands(ctx, "revoke", args, (*postgres.DB).RevokeBrand)
}

func (c *usersCLI) changeBrands(ctx context.Context, name string, args []string,
	change func(*postgres.DB, context.Context, string, string) error) error {
	fs := c.flags(name)
	email, err := parseEmailArgs(fs, args, 2, -1)
	if err != nil {
		return err
	}
	return c.withDB(ctx, func(db *postgres.DB) error {
		for _, brand := range fs.Args()[1:] {
			if err := change(db, ctx, email, brand); err != nil {
				return err
			}
			fmt.Fprintf(c.out, "%s %s: %s\n", name, email, brand)
		}
		return nil
	})
}

func (c *usersCLI) ensureAdmin(ctx context.Context, args []string) error {
	if err := parseUsersArgs(c.flags("ensure-admin"), args, 0, 0); err != nil {
		return err
	}
	password, err := auth.RandomPassword()
	if err != nil {
		return err
	}
	hasher, err := auth.NewPasswordHasher(auth.DefaultParams())
	if err != nil {
		return err
	}
	hash, err := hasher.Hash(password)
	if err != nil {
		return err
	}
	var created bool
	err = c.withDB(ctx, func(db *postgres.DB) error {
		created, err = db.CreateFirstUser(ctx, postgres.NewUser{Email: firstAdminEmail, Role: account.RoleAdmin, PasswordHash: hash})
		return err
	})
	if err != nil {
		return err
	}
	if !created {
		fmt.Fprintln(c.errOut, "sqpdash users ensure-admin: users exist already; nothing to do")
		return nil
	}
	fmt.Fprintf(c.out, `
  First run: created the admin account
      email:     %s
      password:  %s
  This password is shown only this once. Sign in at %s
  and choose your own with:  %s users set-password %s

`, firstAdminEmail, password, c.loginURL, cmp.Or(c.command, "sqpdash"), firstAdminEmail)
	return nil
}

// newPasswordHash reads a new password (twice on a terminal), validates and hashes it.
func (c *usersCLI) newPasswordHash() (string, error) {
	password, err := c.readPassword()
	if err != nil {
		return "", err
	}
	if err := auth.ValidatePassword(password); err != nil {
		return "", err
	}
	hasher, err := auth.NewPasswordHasher(auth.DefaultParams())
	if err != nil {
		return "", err
	}
	return hasher.Hash(password)
}

// readPassword prompts without echo on a terminal, or takes the first line of stdin.
func (c *usersCLI) readPassword() (string, error) {
	if c.terminal == nil {
		line, err := c.stdin.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", usageError{"no password on stdin (give it as the first line, or run on a terminal)"}
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fd := int(c.terminal.Fd())
	fmt.Fprint(c.errOut, "New password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(c.errOut)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(c.errOut, "Repeat it: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(c.errOut)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", apperr.Invalid("password", "the two entries differ")
	}
	return string(first), nil
}
