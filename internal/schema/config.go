package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"ariga.io/atlas/schemahcl"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// project is the part of atlas.hcl the engine reads: its env blocks.
type project struct {
	Envs []*envBlock `spec:"env"`
}

// envBlock is one `env "name" { ... }` block of atlas.hcl. src may be a string or a list of strings, so it
// is read from the extension attributes rather than a typed field.
type envBlock struct {
	Name    string   `spec:",name"`
	URL     string   `spec:"url"`
	Dev     string   `spec:"dev"`
	Schemas []string `spec:"schemas"`
	schemahcl.DefaultExtension
}

// target is an env of atlas.hcl resolved against the command-line overrides: where to apply what.
type target struct {
	Env     string
	URL     string
	DevURL  string   // empty or docker://: a scratch database on the target's server
	Src     []string // absolute paths of the schema files
	Schemas []string
}

// resolveTarget loads atlas.hcl and applies the overrides of opts to the chosen env.
func resolveTarget(opts Options, getenv func(string) string) (*target, error) {
	configFile := opts.ConfigFile
	if configFile == "" {
		configFile = "atlas.hcl"
	}
	envName := opts.Env
	if envName == "" {
		envName = "local"
	}
	env, err := loadEnv(configFile, envName, getenv)
	if err != nil {
		return nil, err
	}
	t := &target{Env: envName, URL: env.URL, DevURL: env.Dev, Schemas: env.Schemas}
	if opts.URL != "" {
		t.URL = opts.URL
	}
	if opts.DevURL != "" {
		t.DevURL = opts.DevURL
	}
	if t.URL == "" {
		return nil, fmt.Errorf("env %q of %s: no target database url (set DATABASE_URL or --url)", envName, configFile)
	}
	if len(t.Schemas) == 0 {
		return nil, fmt.Errorf("env %q of %s: schemas is empty: list the schemas schema.hcl manages", envName, configFile)
	}
	srcs, err := envSources(env)
	if err != nil {
		return nil, fmt.Errorf("env %q of %s: %w", envName, configFile, err)
	}
	base := filepath.Dir(configFile)
	if opts.To != "" {
		// A command-line path is relative to the working directory, like any other file argument.
		srcs, base = []string{opts.To}, "."
	}
	for _, src := range srcs {
		path, err := filePath(src, base)
		if err != nil {
			return nil, fmt.Errorf("env %q of %s: %w", envName, configFile, err)
		}
		t.Src = append(t.Src, path)
	}
	return t, nil
}

// loadEnv parses atlas.hcl and returns the named env. getenv() is registered here because it is part of
// the Atlas CLI, not of the library.
func loadEnv(configFile, name string, getenv func(string) string) (*envBlock, error) {
	state := schemahcl.New(schemahcl.WithFunctions(map[string]function.Function{
		"getenv": getenvFunc(getenv),
	}))
	var p project
	if err := state.EvalFiles([]string{configFile}, &p, nil); err != nil {
		return nil, fmt.Errorf("load %s: %w", configFile, err)
	}
	var names []string
	for _, e := range p.Envs {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return nil, fmt.Errorf("load %s: no env %q (have %s)", configFile, name, strings.Join(names, ", "))
}

// envSources reads src as a string or a list of strings.
func envSources(env *envBlock) ([]string, error) {
	attr, ok := env.Attr("src")
	if !ok {
		return nil, fmt.Errorf("src is missing")
	}
	if s, err := attr.String(); err == nil {
		return []string{s}, nil
	}
	list, err := attr.Strings()
	if err != nil {
		return nil, fmt.Errorf("src: want a string or a list of strings: %w", err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("src is an empty list")
	}
	return list, nil
}

// filePath turns a file:// URL into an absolute path; relative paths are relative to atlas.hcl's folder.
func filePath(src, base string) (string, error) {
	path, ok := strings.CutPrefix(src, "file://")
	if !ok {
		return "", fmt.Errorf("src %q: only file:// sources are supported", src)
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("src %q: %w", src, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("src %q: %w", src, err)
	}
	return abs, nil
}

// getenvFunc is the HCL function getenv(name) of atlas.hcl; unset variables give "".
func getenvFunc(getenv func(string) string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "name", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.StringVal(getenv(args[0].AsString())), nil
		},
	})
}

// EnvURL returns the target URL an env of atlas.hcl declares (empty when its getenv() variable is unset),
// so a command can fall back to another database before calling Apply.
func EnvURL(configFile, env string, getenv func(string) string) (string, error) {
	e, err := loadEnv(configFile, env, getenv)
	if err != nil {
		return "", err
	}
	return e.URL, nil
}
