package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sqpdash/sqpdash/internal/config"
)

// runDemo is a placeholder until its issue lands.
func runDemo(ctx context.Context, cfg config.Config, args []string) int {
	fmt.Fprintln(os.Stderr, "sqpdash demo: not implemented yet")
	return exitFailure
}
