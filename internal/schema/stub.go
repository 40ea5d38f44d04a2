package schema

import (
	"context"
	"errors"
)

// apply is a placeholder until the engine lands; delete this file when it does.
func apply(ctx context.Context, opts Options) (*Result, error) {
	return nil, errors.New("schema apply: not implemented yet")
}
