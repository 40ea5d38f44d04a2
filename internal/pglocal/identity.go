package pglocal

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// identity is the OS user the server programs run as. PostgreSQL refuses to run as root, so when we are
// root the server runs as an unprivileged user (credential set); otherwise it runs as ourselves.
type identity struct {
	name       string
	uid, gid   uint32
	groups     []uint32
	credential *syscall.Credential // nil: run as the current user
}

// resolveIdentity picks who runs the server: runAs when we are root, the current user otherwise.
func resolveIdentity(runAs string) (identity, error) {
	if euid, egid := os.Geteuid(), os.Getegid(); euid != 0 {
		current, err := user.Current()
		if err != nil {
			return identity{}, fmt.Errorf("look up the current user: %w", err)
		}
		// Unix IDs are 32-bit and never negative (-1 is what Windows answers).
		if euid < 0 || egid < 0 || euid > math.MaxUint32 || egid > math.MaxUint32 {
			return identity{}, fmt.Errorf("unsupported user ids: uid %d, gid %d", euid, egid)
		}
		return identity{name: current.Username, uid: uint32(euid), gid: uint32(egid)}, nil
	}
	u, err := user.Lookup(runAs)
	if err != nil {
		return identity{}, fmt.Errorf("running as root, the server must run as the unprivileged user %q, which does not exist (it comes with: apt-get install -y postgresql): %w", runAs, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return identity{}, fmt.Errorf("parse uid %q of user %s: %w", u.Uid, runAs, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return identity{}, fmt.Errorf("parse gid %q of user %s: %w", u.Gid, runAs, err)
	}
	id := identity{name: runAs, uid: uint32(uid), gid: uint32(gid)}
	groupIDs, err := u.GroupIds()
	if err != nil {
		return identity{}, fmt.Errorf("look up the groups of user %s: %w", runAs, err)
	}
	for _, g := range groupIDs {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			id.groups = append(id.groups, uint32(n))
		}
	}
	if id.uid == 0 {
		return identity{}, fmt.Errorf("the server cannot run as %q: it is root", runAs)
	}
	id.credential = &syscall.Credential{Uid: id.uid, Gid: id.gid, Groups: id.groups}
	return id, nil
}

// switched reports whether the server runs as another user than ourselves.
func (id identity) switched() bool { return id.credential != nil }

// canTraverse reports whether the identity may enter dir, judged from its mode bits the way the kernel
// does for a non-root user.
func (id identity) canTraverse(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := info.Mode().Perm()
	switch {
	case st.Uid == id.uid:
		return mode&0o100 != 0
	case st.Gid == id.gid || containsGID(id.groups, st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

func containsGID(groups []uint32, gid uint32) bool {
	for _, g := range groups {
		if g == gid {
			return true
		}
	}
	return false
}

// checkReachable fails with an explanation when a directory above dir cannot be entered by the server's
// user: initdb would otherwise fail later with a bare "permission denied". Directories that do not exist
// yet are not judged: open creates them enterable (mkdirEnterable), so only the existing ancestors matter;
// a fresh checkout has no .sqpdash yet, and that alone must not count as unreachable.
func (id identity) checkReachable(dir string) error {
	if !id.switched() {
		return nil
	}
	for parent := filepath.Dir(dir); ; parent = filepath.Dir(parent) {
		info, err := os.Stat(parent)
		if errors.Is(err, fs.ErrNotExist) && parent != filepath.Dir(parent) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", parent, err)
		}
		if !id.canTraverse(info) {
			return fmt.Errorf("the server runs as user %q, who cannot enter %s (mode %o) on the way to %s: run chmod o+x %s, or put the data directory elsewhere",
				id.name, parent, info.Mode().Perm(), dir, parent)
		}
		if parent == filepath.Dir(parent) {
			return nil
		}
	}
}

// mkdirEnterable creates dir and its missing parents with mode 0755 whatever the umask, so that the
// server's user can pass through the directories we create on its way to the data directory. Existing
// directories are left as they are (checkReachable judges those).
func mkdirEnterable(dir string) error {
	info, err := os.Stat(dir)
	if err == nil {
		if !info.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirEnterable(parent); err != nil {
			return err
		}
	}
	// 0755 on purpose (gosec G301/G302 want 0750): the server runs as another user, who must pass through.
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) { //nolint:gosec // see above
		return err
	}
	return os.Chmod(dir, 0o755) //nolint:gosec // see above
}

// own gives dir and everything under it to the server's user, so a data directory that root created (or
// copied) can be used. It does nothing when we run the server as ourselves.
func (id identity) own(dir string) error {
	if !id.switched() || id.ownsTopLevel(dir) {
		return nil
	}
	return chownTree(dir, id)
}

// ownsTopLevel reports whether dir and its direct entries belong to the identity already, which saves
// walking a large data directory on every start.
func (id identity) ownsTopLevel(dir string) bool {
	paths := []string{dir}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, entry := range entries {
		paths = append(paths, filepath.Join(dir, entry.Name()))
	}
	for _, path := range paths {
		info, err := os.Lstat(path)
		if err != nil {
			return false
		}
		if st, ok := info.Sys().(*syscall.Stat_t); !ok || st.Uid != id.uid {
			return false
		}
	}
	return true
}

// chownTree walks dir through an os.Root, so that a symbolic link swapped in during the walk cannot lead
// it to change the owner of anything outside dir.
func chownTree(dir string, id identity) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("give %s to user %s: %w", dir, id.name, err)
	}
	err = fs.WalkDir(root.FS(), ".", func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return root.Lchown(path, int(id.uid), int(id.gid))
	})
	if err = errors.Join(err, root.Close()); err != nil {
		return fmt.Errorf("give %s to user %s: %w", dir, id.name, err)
	}
	return nil
}

// chown gives one file we created as root to the server's user.
func (id identity) chown(path string) error {
	if !id.switched() {
		return nil
	}
	if err := os.Chown(path, int(id.uid), int(id.gid)); err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, id.name, err)
	}
	return nil
}

// errNotOwner is returned by checkPrivateDir for a directory someone else controls.
var errNotOwner = errors.New("not owned by the server's user or not private (mode 0700)")

// checkPrivateDir verifies a directory we reuse in a shared place (/tmp) really is ours and private, so
// nobody else can plant a socket the clients would trust.
func (id identity) checkPrivateDir(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("stat %s: %w", dir, err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !info.IsDir() || !ok || st.Uid != id.uid || info.Mode().Perm() != 0o700 {
		return fmt.Errorf("socket directory %s: %w", dir, errNotOwner)
	}
	return nil
}

// CheckReachable reports whether the server, run as runAs when we are root (default "postgres"), can reach
// dataDir through its parent directories. Callers use it to pick another place before Start fails.
func CheckReachable(dataDir, runAs string) error {
	if runAs == "" {
		runAs = defaultRunAs
	}
	id, err := resolveIdentity(runAs)
	if err != nil {
		return err
	}
	return id.checkReachable(dataDir)
}
