package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sqpdash/sqpdash/internal/config"
)

// runServe is a placeholder until its issue lands.
func runServe(ctx context.Context, cfg config.Config, args []string) int {
	fmt.Fprintln(os.Stderr, "sqpdash serve: not implemented yet")
	return exitFailure
}
