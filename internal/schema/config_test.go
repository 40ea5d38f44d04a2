package schema

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestResolveTarget(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.hcl", "b.hcl", "old.hcl"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(dir, "atlas.hcl")
	err := os.WriteFile(config, []byte(`
env "local" {
  url     = getenv("DATABASE_URL")
  dev     = "docker://postgres/15/dev"
  src     = "file://a.hcl"
  schemas = ["public", "sqp"]
}
env "multi" {
  url     = "postgres://fixed/db"
  src     = ["file://a.hcl", "file://b.hcl"]
  schemas = ["public"]
}
env "remote" {
  url     = "postgres://fixed/db"
  src     = "https://example.invalid/schema.hcl"
  schemas = ["public"]
}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": "postgres://from-env/db"}
	getenv := func(k string) string { return env[k] }

	t.Run("getenv fills url and src is relative to atlas.hcl", func(t *testing.T) {
		got, err := resolveTarget(Options{ConfigFile: config}, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if got.Env != "local" || got.URL != "postgres://from-env/db" || got.DevURL != "docker://postgres/15/dev" {
			t.Errorf("got %+v", got)
		}
		if !slices.Equal(got.Src, []string{filepath.Join(dir, "a.hcl")}) || !slices.Equal(got.Schemas, []string{"public", "sqp"}) {
			t.Errorf("src %v schemas %v", got.Src, got.Schemas)
		}
	})
	t.Run("a list src gives every file", func(t *testing.T) {
		got, err := resolveTarget(Options{ConfigFile: config, Env: "multi"}, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{filepath.Join(dir, "a.hcl"), filepath.Join(dir, "b.hcl")}; !slices.Equal(got.Src, want) {
			t.Errorf("src %v, want %v", got.Src, want)
		}
	})
	t.Run("flags override url, dev and src; --to is relative to the working directory", func(t *testing.T) {
		t.Chdir(dir)
		got, err := resolveTarget(Options{ConfigFile: config, URL: "postgres://flag/db", DevURL: "postgres://dev/db", To: "file://old.hcl"}, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if got.URL != "postgres://flag/db" || got.DevURL != "postgres://dev/db" || !slices.Equal(got.Src, []string{filepath.Join(dir, "old.hcl")}) {
			t.Errorf("got %+v", got)
		}
	})
	for name, c := range map[string]struct {
		opts   Options
		getenv func(string) string
		want   string
	}{
		"an unknown env is an error":        {Options{ConfigFile: config, Env: "prod"}, getenv, `no env "prod"`},
		"an unset url is an error":          {Options{ConfigFile: config}, func(string) string { return "" }, "no target database url"},
		"a non-file src is an error":        {Options{ConfigFile: config, Env: "remote"}, getenv, "only file:// sources"},
		"a missing schema file is an error": {Options{ConfigFile: config, To: "file://" + filepath.Join(dir, "nope.hcl")}, getenv, "nope.hcl"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := resolveTarget(c.opts, c.getenv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
