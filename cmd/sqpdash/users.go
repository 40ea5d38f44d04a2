package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sqpdash/sqpdash/internal/config"
)

// runUsers is a placeholder until its issue lands.
func runUsers(ctx context.Context, cfg config.Config, args []string) int {
	fmt.Fprintln(os.Stderr, "sqpdash users: not implemented yet")
	return exitFailure
}
