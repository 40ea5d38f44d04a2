package pglocal

import (
	"context"
	"fmt"
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
