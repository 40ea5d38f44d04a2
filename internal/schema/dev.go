package schema

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openDB opens a database/sql pool on the pgx driver (Atlas's inspector needs database/sql).
func openDB(url string) (*sql.DB, *pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("parse database url: %w", err)
	}
	return stdlib.OpenDB(*cfg), cfg, nil
}

// devDatabase is where the desired schema is built and read back before the target is touched.
type devDatabase struct {
	db      *sql.DB
	scratch string // name of the scratch database to drop, if the engine created one
	admin   *sql.DB
}

// openDev opens the dev database. Without one (or with the Atlas CLI's docker:// form) it creates a scratch
// database on the target's server, which also guarantees the same PostgreSQL version.
func openDev(ctx context.Context, devURL string, target *sql.DB, targetCfg *pgx.ConnConfig) (*devDatabase, error) {
	if devURL != "" && !strings.HasPrefix(devURL, "docker://") {
		db, _, err := openDB(devURL)
		if err != nil {
			return nil, fmt.Errorf("open dev database: %w", err)
		}
		if err := db.PingContext(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("open dev database: %w", err), db.Close())
		}
		return &devDatabase{db: db}, nil
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("name scratch database: %w", err)
	}
	name := "sqpdash_dev_" + hex.EncodeToString(suffix)
	if _, err := target.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return nil, fmt.Errorf("create scratch dev database %s on the target's server (give --dev-url, or a role with CREATEDB): %w", name, err)
	}
	cfg := targetCfg.Copy()
	cfg.Database = name
	return &devDatabase{db: stdlib.OpenDB(*cfg), scratch: name, admin: target}, nil
}

// Close closes the dev database and drops it if it was a scratch database.
func (d *devDatabase) Close(ctx context.Context) error {
	err := d.db.Close()
	if d.scratch != "" {
		if _, dropErr := d.admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+d.scratch+" WITH (FORCE)"); dropErr != nil {
			return fmt.Errorf("drop scratch dev database %s: %w", d.scratch, dropErr)
		}
	}
	return err
}

// majorVersion returns the server's major version (15 for 15.18).
func majorVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&v); err != nil {
		return 0, fmt.Errorf("read server version: %w", err)
	}
	return v, nil
}
