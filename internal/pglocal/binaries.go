package pglocal

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// installHint ends every "binaries not found" error: the one thing a newcomer needs to do.
const installHint = "install them with: apt-get install -y postgresql"

// serverPrograms are needed to create and run a cluster; clientPrograms to manage its databases.
var (
	serverPrograms = []string{"initdb", "pg_ctl", "postgres"}
	clientPrograms = []string{"pg_isready", "createdb", "dropdb", "psql"}
)

// binaries is a directory holding one PostgreSQL installation's programs.
type binaries struct {
	dir string
}

func (b binaries) path(program string) string { return filepath.Join(b.dir, program) }

// findBinaries returns the directory to run PostgreSQL programs from. An explicit dir must hold all the
// programs. Otherwise the candidates are the directory of pg_ctl on PATH (symlinks resolved, because
// PATH often holds only a few of the programs) and then /usr/lib/postgresql/*/bin, newest first; when
// wantMajor is set (an existing data directory's PG_VERSION) the first candidate of that major version
// wins, since a server refuses a data directory of another major version.
func findBinaries(explicit string, programs []string, wantMajor string) (binaries, error) {
	if explicit != "" {
		if missing := missingPrograms(explicit, programs); len(missing) > 0 {
			return binaries{}, fmt.Errorf("postgresql programs %s not found in %s: %s",
				strings.Join(missing, ", "), explicit, installHint)
		}
		return binaries{dir: explicit}, nil
	}
	var complete []string
	for _, dir := range candidateDirs() {
		if len(missingPrograms(dir, programs)) == 0 {
			complete = append(complete, dir)
		}
	}
	if len(complete) == 0 {
		return binaries{}, fmt.Errorf("postgresql server programs not found on PATH or in /usr/lib/postgresql/*/bin: %s", installHint)
	}
	if wantMajor != "" {
		for _, dir := range complete {
			if major, err := majorVersion(dir); err == nil && major == wantMajor {
				return binaries{dir: dir}, nil
			}
		}
		return binaries{}, fmt.Errorf("the data directory needs PostgreSQL %s but only %s found: install it with: apt-get install -y postgresql-%s",
			wantMajor, strings.Join(complete, ", "), wantMajor)
	}
	return binaries{dir: complete[0]}, nil
}

// candidateDirs lists where PostgreSQL programs may live, in order of preference, without duplicates.
func candidateDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	add := func(dir string) {
		if dir != "" && !seen[dir] {
			seen[dir] = true
			dirs = append(dirs, dir)
		}
	}
	if pgCtl, err := exec.LookPath("pg_ctl"); err == nil {
		if resolved, err := filepath.EvalSymlinks(pgCtl); err == nil {
			add(filepath.Dir(resolved))
		}
		add(filepath.Dir(pgCtl))
	}
	installed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(installed, func(i, j int) bool {
		return versionNumber(installed[i]) > versionNumber(installed[j])
	})
	for _, dir := range installed {
		add(dir)
	}
	return dirs
}

// versionNumber extracts the major version from /usr/lib/postgresql/<major>/bin (0 when it is not a number).
func versionNumber(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func missingPrograms(dir string, programs []string) []string {
	var missing []string
	for _, program := range programs {
		info, err := os.Stat(filepath.Join(dir, program))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			missing = append(missing, program)
		}
	}
	return missing
}

// majorVersion asks pg_ctl for its version ("pg_ctl (PostgreSQL) 15.18 (Debian ...)" -> "15").
func majorVersion(dir string) (string, error) {
	out, err := exec.Command(filepath.Join(dir, "pg_ctl"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("pg_ctl --version in %s: %w", dir, err)
	}
	for _, field := range strings.Fields(string(out)) {
		if field[0] >= '0' && field[0] <= '9' {
			major, _, _ := strings.Cut(field, ".")
			return major, nil
		}
	}
	return "", fmt.Errorf("no version number in pg_ctl --version output %q", out)
}
