package pglocal

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestChownTree(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root gives files to another user")
	}
	id, err := resolveIdentity(defaultRunAs)
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "pg")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{dir, filepath.Join(dir, "base", "1")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(dir, "base", "1", "1249"), outside} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := chownTree(dir, id); err != nil {
		t.Fatal(err)
	}
	owner := func(path string) uint32 {
		t.Helper()
		info, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Sys().(*syscall.Stat_t).Uid
	}

	t.Run("everything in the directory belongs to the server's user", func(t *testing.T) {
		for _, p := range []string{dir, filepath.Join(dir, "base"), filepath.Join(dir, "base", "1", "1249"), filepath.Join(dir, "link")} {
			if got := owner(p); got != id.uid {
				t.Errorf("%s belongs to uid %d, want %d", p, got, id.uid)
			}
		}
	})
	t.Run("a symbolic link's target outside the directory keeps its owner", func(t *testing.T) {
		if got := owner(outside); got != 0 {
			t.Errorf("%s belongs to uid %d, want 0 (root): the walk followed the link", outside, got)
		}
	})
}
