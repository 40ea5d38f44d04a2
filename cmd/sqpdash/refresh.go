package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sqpdash/sqpdash/internal/config"
)

// runRefresh is a placeholder until its issue lands.
func runRefresh(ctx context.Context, cfg config.Config, args []string) int {
	fmt.Fprintln(os.Stderr, "sqpdash refresh: not implemented yet")
	return exitFailure
}
