package postgres

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// domainPackages are the packages of this module that storage may depend on (docs/architecture.md:
// postgres -> domain; domain -> stdlib). Storage never imports a service (auth, refresh, importer) nor
// the web's query-string contract: the types they share with storage live in these packages.
var domainPackages = []string{"internal/apperr", "internal/period", "internal/metrics", "internal/sqp", "internal/account", "internal/refreshlog", "internal/queryfilter"}

const modulePath = "github.com/sqpdash/sqpdash/"

// TestDependenciesPointInward follows the non-test imports of this package, and of every module package
// they reach, and fails on any module package outside the domain.
func TestDependenciesPointInward(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(rel, from string)
	walk = func(rel, from string) {
		if seen[rel] {
			return
		}
		seen[rel] = true
		if rel != "internal/postgres" && !slices.Contains(domainPackages, rel) {
			t.Errorf("%s imports %s: storage may depend on domain packages only (%s)", from, rel, strings.Join(domainPackages, ", "))
			return
		}
		pkg, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(rel)), 0)
		if err != nil {
			t.Fatalf("read the imports of %s: %v", rel, err)
		}
		for _, imp := range pkg.Imports {
			if dep, ok := strings.CutPrefix(imp, modulePath); ok {
				walk(dep, rel)
			}
		}
	}
	walk("internal/postgres", "")
	if !seen["internal/sqp"] {
		t.Fatalf("the walk never reached internal/sqp: it cannot have read the imports (%v)", seen)
	}
}
