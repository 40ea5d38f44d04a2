package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/schema"
)

func TestSchemaConfirm(t *testing.T) {
	plan := &schema.Plan{Destructive: true, Statements: []schema.Statement{
		{SQL: "DROP TABLE t", Destructive: true}, {SQL: "CREATE TABLE u ()"},
	}}
	for answer, want := range map[string]bool{"y\n": true, "yes\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "sure\n": false} {
		var out bytes.Buffer
		if got := confirm(strings.NewReader(answer), &out, plan); got != want {
			t.Errorf("answer %q: confirm = %v, want %v", answer, got, want)
		}
		if !strings.Contains(out.String(), "1 destructive statement") {
			t.Errorf("prompt %q does not count the destructive statements", out.String())
		}
	}
}

func TestSchemaUsage(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"no subcommand is bad usage", nil, exitUsage},
		{"help is ok", []string{"--help"}, exitOK},
		{"apply --help is ok", []string{"apply", "--help"}, exitOK},
		{"unknown subcommand is bad usage", []string{"diff"}, exitUsage},
		{"unknown flag is bad usage", []string{"apply", "--bogus"}, exitUsage},
		{"extra arguments are bad usage", []string{"apply", "extra"}, exitUsage},
		{"--to without file:// is bad usage", []string{"apply", "--to", "old.hcl"}, exitUsage},
		{"a missing env is a failure", []string{"apply", "--config", "../../atlas.hcl", "--env", "nope", "--url", "postgres://localhost/none"}, exitFailure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := runSchema(ctx, config.Default(), c.args); got != c.want {
				t.Errorf("runSchema(%q) = %d, want %d", c.args, got, c.want)
			}
		})
	}
}
