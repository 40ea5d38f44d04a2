package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sqpdash/sqpdash/internal/bench"
	"github.com/sqpdash/sqpdash/internal/schema"
)

// benchSwapCase is the benchmark's `schema apply` of a changed brand_product_segments SQL (its query
// wrapped in SELECT * FROM (...): the same rows, a different definition) and back, with readers running
// the expansion query against the view throughout. The changed schema file is written under dir.
func benchSwapCase(f benchFlags, url, dir string, target bench.Target) (*bench.SwapCase, error) {
	const view = "brand_product_segments"
	src, err := os.ReadFile(filepath.Join(filepath.Dir(f.atlas), "schema.hcl"))
	if err != nil {
		return nil, fmt.Errorf("bench swap: %w", err)
	}
	wrapped, err := bench.WrapMaterializedQuery(string(src), view)
	if err != nil {
		return nil, fmt.Errorf("bench swap: schema.hcl: %w", err)
	}
	changed := filepath.Join(dir, "schema-"+view+"-wrapped.hcl")
	// dir is the benchmark's own temporary directory and the name a constant: nothing here comes from input.
	if err := os.WriteFile(changed, []byte(wrapped), 0o600); err != nil { //nolint:gosec // see above
		return nil, fmt.Errorf("bench swap: %w", err)
	}
	return &bench.SwapCase{
		View: "public." + view,
		Apply: func(ctx context.Context, toChanged bool) (bench.SwapApply, error) {
			opts := schema.Options{ConfigFile: f.atlas, Env: "local", URL: url, AutoApprove: true, Out: io.Discard}
			if toChanged {
				opts.To = "file://" + changed
			}
			res, err := schema.Apply(ctx, opts)
			if err != nil {
				return bench.SwapApply{}, err
			}
			return bench.SwapApply{Build: res.Build, Swap: res.Swap, Tries: res.SwapTries, Swapped: res.Plan.Swapped}, nil
		},
		Read: func(ctx context.Context, client, n int) error {
			p := target.Products[(client*7919+n)%len(target.Products)]
			_, err := target.Store.ExpansionRows(ctx, p, target.From, target.To, false)
			return err
		},
	}, nil
}
