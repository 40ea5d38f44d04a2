package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
)

// serverSecretLen is the size of a new server secret: 256 bits, the HMAC-SHA256 key size.
const serverSecretLen = 32

// ServerSecret returns the secret called name that every sqpdash process on this database shares,
// creating a random one when none exists yet. The first insert wins: a process that loses the race
// reads the winner's secret, so several instances behind a load balancer agree on it.
func (db *DB) ServerSecret(ctx context.Context, name string) ([]byte, error) {
	candidate := make([]byte, serverSecretLen)
	if _, err := rand.Read(candidate); err != nil {
		return nil, fmt.Errorf("server secret %q: random bytes: %w", name, err)
	}
	// Two statements, not one: the SELECT must see a secret another process committed while the INSERT
	// waited on its key, which a single statement's snapshot would not.
	const insert = `INSERT INTO public.app_server_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
	if _, err := db.pool.Exec(ctx, insert, name, candidate); err != nil {
		return nil, fmt.Errorf("create server secret %q: %w", name, err)
	}
	var secret []byte
	const read = `SELECT secret FROM public.app_server_secrets WHERE name = $1`
	if err := db.pool.QueryRow(ctx, read, name).Scan(&secret); err != nil {
		return nil, fmt.Errorf("read server secret %q: %w", name, err)
	}
	return secret, nil
}
