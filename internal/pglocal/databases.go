package pglocal

import (
	"context"
	"fmt"
	"strings"
)

// CreateDatabase creates database name, as a copy of template when it is not empty (the fast way to
// hand each test a database with the schema already applied). The server's createdb quotes the names.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	args := []string{"--maintenance-db=" + c.URL(c.maintenanceDB())}
	if template != "" {
		args = append(args, "--template="+template)
	}
	args = append(args, "--", name)
	if _, err := command(ctx, nil, c.bin.path("createdb"), args...); err != nil {
		return fmt.Errorf("create database %s from template %q: %w", name, template, err)
	}
	return nil
}

// DropDatabase drops database name if it exists, ending the sessions still connected to it (a test's
// leaked connection must not keep its database alive).
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	_, err := command(ctx, nil, c.bin.path("dropdb"), "--if-exists", "--force",
		"--maintenance-db="+c.URL(c.maintenanceDB()), "--", name)
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// maintenanceDB is the database createdb and dropdb connect to: postgres on the private cluster, the
// URL's own database on an attached server (the role may not reach postgres there).
func (c *Cluster) maintenanceDB() string {
	if c.dataDir != "" {
		return "postgres"
	}
	if db := c.serverURL.Path; len(db) > 1 {
		return db[1:]
	}
	return "postgres"
}

// EnsureDatabase creates database name unless it exists, for an application database that the first
// run creates and every later run reuses; created reports which happened.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) (created bool, err error) {
	if c.dataDir != "" {
		// Two sqpdash processes starting at once must not both try to create it.
		unlock, err := lockDir(ctx, c.dataDir)
		if err != nil {
			return false, err
		}
		defer unlock()
	}
	exists, err := c.DatabaseExists(ctx, name)
	if err != nil || exists {
		return false, err
	}
	if err := c.CreateDatabase(ctx, name, ""); err != nil {
		return false, err
	}
	return true, nil
}

// DatabaseExists reports whether the server has database name, from psql's database list (psql -l).
func (c *Cluster) DatabaseExists(ctx context.Context, name string) (bool, error) {
	// NUL-terminated records, because the access privileges column holds newlines; fields split by the
	// ASCII unit separator, which no database name here contains.
	out, err := command(ctx, nil, c.bin.path("psql"), "-X", "--list", "--tuples-only", "--no-align",
		"--field-separator=\x1f", "--record-separator-zero", "-d", c.URL(c.maintenanceDB()))
	if err != nil {
		return false, fmt.Errorf("list databases: %w", err)
	}
	for _, record := range strings.Split(out, "\x00") {
		if datname, _, _ := strings.Cut(record, "\x1f"); datname == name {
			return true, nil
		}
	}
	return false, nil
}
