package pglocal

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests start real PostgreSQL servers from the system's programs; each gets its own data
// directory (and so its own socket), which lets them run in parallel. They run as root here (the normal case for this project), which also exercises running
// the server as the postgres user.

func TestStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := newDataDir(t)
	c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})

	t.Run("initializes and starts a new cluster", func(t *testing.T) {
		if !c.StartedByUs() {
			t.Fatal("StartedByUs() = false for a cluster that was just initialized")
		}
		if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
			t.Fatalf("no cluster in the data directory: %v", err)
		}
		if got := psql(t, c, "postgres", "SELECT current_user"); got != Superuser {
			t.Errorf("connected as %q, want %q", got, Superuser)
		}
	})

	t.Run("server runs as the unprivileged user when we are root", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("not running as root")
		}
		info, err := os.Stat(fmt.Sprintf("/proc/%d", postmasterPID(t, dataDir)))
		if err != nil {
			t.Fatal(err)
		}
		if uid := info.Sys().(*syscall.Stat_t).Uid; uid == 0 || uid != c.id.uid {
			t.Errorf("postmaster runs as uid %d, want the postgres user's uid %d", uid, c.id.uid)
		}
	})

	t.Run("listens on the private unix socket only", func(t *testing.T) {
		if got := psql(t, c, "postgres", "SHOW listen_addresses"); got != "" {
			t.Errorf("listen_addresses = %q, want empty", got)
		}
		if got := psql(t, c, "postgres", "SHOW unix_socket_directories"); got != c.SocketDir() {
			t.Errorf("unix_socket_directories = %q, want %q", got, c.SocketDir())
		}
		info, err := os.Stat(c.SocketDir())
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o700 {
			t.Errorf("socket directory mode = %o, want 700", perm)
		}
	})

	t.Run("URL names the socket directory, port and database", func(t *testing.T) {
		u, err := url.Parse(c.URL("some_db"))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Path != "/some_db" || q.Get("host") != c.SocketDir() || q.Get("port") != strconv.Itoa(c.Port()) || u.User.Username() != Superuser {
			t.Errorf("URL = %s, want database some_db on socket %s port %d as %s", u, c.SocketDir(), c.Port(), Superuser)
		}
	})

	t.Run("ephemeral cluster trades durability for speed", func(t *testing.T) {
		if got := psql(t, c, "postgres", "SHOW fsync"); got != "off" {
			t.Errorf("fsync = %q, want off", got)
		}
	})

	t.Run("second start reuses the running server", func(t *testing.T) {
		pid := postmasterPID(t, dataDir)
		again, err := Start(ctx, Options{DataDir: dataDir, Ephemeral: true})
		if err != nil {
			t.Fatal(err)
		}
		if again.StartedByUs() {
			t.Error("StartedByUs() = true for a server that was already running")
		}
		if got := postmasterPID(t, dataDir); got != pid {
			t.Errorf("postmaster pid = %d after the second start, want the same %d", got, pid)
		}
		if again.URL("postgres") != c.URL("postgres") {
			t.Errorf("URL = %s, want %s", again.URL("postgres"), c.URL("postgres"))
		}
	})

	t.Run("databases are created from a template and dropped", func(t *testing.T) {
		if err := c.CreateDatabase(ctx, "tpl", ""); err != nil {
			t.Fatal(err)
		}
		psql(t, c, "tpl", "CREATE TABLE marker (id int); INSERT INTO marker VALUES (42)")
		if err := c.CreateDatabase(ctx, "copy", "tpl"); err != nil {
			t.Fatal(err)
		}
		if got := psql(t, c, "copy", "SELECT id FROM marker"); got != "42" {
			t.Errorf("copy of the template has marker %q, want 42", got)
		}
		if err := c.DropDatabase(ctx, "copy"); err != nil {
			t.Fatal(err)
		}
		if got := psql(t, c, "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'copy'"); got != "0" {
			t.Errorf("dropped database still listed (%s rows)", got)
		}
		if err := c.DropDatabase(ctx, "copy"); err != nil {
			t.Errorf("dropping a database that does not exist: %v", err)
		}
		if err := c.CreateDatabase(ctx, "tpl", ""); err == nil {
			t.Error("creating a database that exists succeeded")
		}
	})

	t.Run("EnsureDatabase creates a database once and then reuses it", func(t *testing.T) {
		created, err := c.EnsureDatabase(ctx, "app")
		if err != nil || !created {
			t.Fatalf("first EnsureDatabase: created=%v err=%v, want a new database", created, err)
		}
		psql(t, c, "app", "CREATE TABLE kept (id int)")
		created, err = c.EnsureDatabase(ctx, "app")
		if err != nil || created {
			t.Fatalf("second EnsureDatabase: created=%v err=%v, want the existing database", created, err)
		}
		if got := psql(t, c, "app", "SELECT to_regclass('kept') IS NOT NULL"); got != "t" {
			t.Error("the existing database was replaced")
		}
		// The second line of template0's multi-line access privileges must not read as a database.
		for _, name := range []string{"ap", "postgres=CTc/postgres"} {
			if exists, err := c.DatabaseExists(ctx, name); err != nil || exists {
				t.Errorf("DatabaseExists(%q) = %v, %v; want false", name, exists, err)
			}
		}
	})

	t.Run("stop shuts the server down and a new start keeps the data", func(t *testing.T) {
		pid := postmasterPID(t, dataDir)
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dataDir, pidFileName)); !os.IsNotExist(err) {
			t.Errorf("postmaster.pid still there after Stop: %v", err)
		}
		if processExists(pid) {
			t.Errorf("postmaster %d still alive after Stop", pid)
		}
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stopping a stopped cluster: %v", err)
		}
		restarted := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
		if !restarted.StartedByUs() {
			t.Error("StartedByUs() = false after starting a stopped cluster")
		}
		if got := psql(t, restarted, "tpl", "SELECT id FROM marker"); got != "42" {
			t.Errorf("marker after restart = %q, want 42", got)
		}
	})

	t.Run("restart brings the stopped server back on the same socket", func(t *testing.T) {
		if err := c.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		if !c.StartedByUs() {
			t.Error("StartedByUs() = false after restarting a stopped server")
		}
		if got := psql(t, c, "tpl", "SELECT id FROM marker"); got != "42" {
			t.Errorf("marker after restart = %q, want 42", got)
		}
	})

	t.Run("StopDir stops the running server without starting one", func(t *testing.T) {
		pid := postmasterPID(t, dataDir)
		if err := StopDir(ctx, Options{DataDir: dataDir}); err != nil {
			t.Fatal(err)
		}
		if processExists(pid) {
			t.Errorf("postmaster %d still alive after StopDir", pid)
		}
		if err := StopDir(ctx, Options{DataDir: dataDir}); err != nil {
			t.Errorf("StopDir on a stopped cluster: %v", err)
		}
		if err := StopDir(ctx, Options{DataDir: filepath.Join(dataDir, "nothing-here")}); err != nil {
			t.Errorf("StopDir on a directory without a cluster: %v", err)
		}
	})
}

func TestStartAfterCrash(t *testing.T) {
	t.Parallel()
	t.Run("postmaster killed: start clears the stale pid file and starts again", func(t *testing.T) {
		dataDir := newDataDir(t)
		// Durable (not ephemeral), so the committed row must survive the crash.
		c := startCluster(t, Options{DataDir: dataDir})
		psql(t, c, "postgres", "CREATE TABLE survivor (id int)")
		psql(t, c, "postgres", "INSERT INTO survivor VALUES (7)")
		pid := postmasterPID(t, dataDir)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pid)

		again := startCluster(t, Options{DataDir: dataDir})
		if !again.StartedByUs() {
			t.Error("StartedByUs() = false, want a newly started server")
		}
		if got := postmasterPID(t, dataDir); got == pid {
			t.Errorf("postmaster pid still %d, the killed one", pid)
		}
		if got := psql(t, again, "postgres", "SELECT id FROM survivor"); got != "7" {
			t.Errorf("survivor = %q, want 7", got)
		}
	})

	t.Run("pid file names another program: start ignores it", func(t *testing.T) {
		dataDir := newDataDir(t)
		c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
		pidFile := filepath.Join(dataDir, pidFileName)
		content, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		// A live process of the server's own user: PostgreSQL alone would refuse to start ("lock file
		// already exists") because it cannot tell this pid from a running postmaster.
		other := exec.Command("sleep", "60")
		other.SysProcAttr = &syscall.SysProcAttr{Credential: c.id.credential}
		if err := other.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
		_, rest, _ := strings.Cut(string(content), "\n")
		stale := strconv.Itoa(other.Process.Pid) + "\n" + rest
		if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := c.id.chown(pidFile); err != nil {
			t.Fatal(err)
		}

		again := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
		if !again.StartedByUs() {
			t.Error("StartedByUs() = false: the unrelated process was taken for a running server")
		}
		if got := postmasterPID(t, dataDir); got == other.Process.Pid {
			t.Errorf("postmaster.pid still names the unrelated process %d", got)
		}
		if !processExists(other.Process.Pid) {
			t.Error("the unrelated process was killed")
		}
	})
}

func TestStartFailures(t *testing.T) {
	t.Run("missing binaries: one line that says how to install them", func(t *testing.T) {
		dataDir := newDataDir(t)
		_, err := Start(context.Background(), Options{DataDir: dataDir, BinDir: t.TempDir()})
		if err == nil {
			t.Fatal("Start succeeded without binaries")
		}
		if msg := err.Error(); !strings.Contains(msg, "apt-get install -y postgresql") || strings.Contains(msg, "\n") {
			t.Errorf("error = %q, want one line with the install command", msg)
		}
		if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
			t.Errorf("data directory created although nothing could run: %v", err)
		}
	})

	t.Run("unreachable parent directory: says which and how to fix it", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("only root hands the server to another user")
		}
		parent := newDataDir(t)
		if err := os.Mkdir(parent, 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := Start(context.Background(), Options{DataDir: filepath.Join(parent, "pg")})
		if err == nil {
			t.Fatal("Start succeeded below a directory the postgres user cannot enter")
		}
		if msg := err.Error(); !strings.Contains(msg, parent) || !strings.Contains(msg, "chmod o+x") {
			t.Errorf("error = %q, want it to name %s and suggest chmod o+x", msg, parent)
		}
	})

	t.Run("server that does not start: the error shows the end of its log", func(t *testing.T) {
		dataDir := newDataDir(t)
		c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
		if err := c.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		conf, err := os.OpenFile(filepath.Join(dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conf.WriteString("shared_buffers = 'plenty'\n")
		if err = errors.Join(err, conf.Close()); err != nil {
			t.Fatal(err)
		}
		_, err = Start(context.Background(), Options{DataDir: dataDir, Ephemeral: true, StartTimeout: 20 * time.Second})
		if err == nil {
			t.Fatal("Start succeeded with an invalid setting")
		}
		if msg := err.Error(); !strings.Contains(msg, "last lines of "+c.LogFile()) || !strings.Contains(msg, "shared_buffers") {
			t.Errorf("error = %q, want the log tail that names shared_buffers", msg)
		}
	})

	t.Run("non-empty directory without a cluster is left alone", func(t *testing.T) {
		dataDir := newDataDir(t)
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dataDir, "notes.txt"), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Start(context.Background(), Options{DataDir: dataDir})
		if err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("error = %v, want a refusal to initialize a non-empty directory", err)
		}
	})
}

func TestDataDirBelowNewDirectories(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(newDataDir(t), "new", "parents", "pg")
	c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
	if got := psql(t, c, "postgres", "SELECT 1"); got != "1" {
		t.Errorf("SELECT 1 = %q", got)
	}
	info, err := os.Stat(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode = %o, want 700", perm)
	}
}

func TestLongDataDirPath(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(newDataDir(t), strings.Repeat("long-directory-name/", 5), "pg")
	c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
	socket := filepath.Join(c.SocketDir(), ".s.PGSQL."+strconv.Itoa(c.Port()))
	if len(socket) > maxSocketPath {
		t.Errorf("socket path %s is %d bytes, the kernel allows %d", socket, len(socket), maxSocketPath)
	}
	if strings.HasPrefix(c.SocketDir(), dataDir) {
		t.Errorf("socket directory %s is inside the long data directory path", c.SocketDir())
	}
	if got := psql(t, c, "postgres", "SELECT 1"); got != "1" {
		t.Errorf("SELECT 1 = %q", got)
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.SocketDir()); !os.IsNotExist(err) {
		t.Errorf("socket directory %s left behind after Stop: %v", c.SocketDir(), err)
	}
}

// newDataDir returns a data directory path that does not exist yet, in a directory the server's user
// can enter; everything is removed after the test.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pglocal-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("leaving %s behind: %v", dir, err)
		}
	})
	return filepath.Join(dir, "pg")
}

// startCluster starts a cluster and stops it when the test ends (cleanups run in reverse order, so
// before its directory is removed).
func startCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
	})
	return c
}

func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	info, ok, err := readPidFile(dataDir)
	if err != nil || !ok {
		t.Fatalf("read postmaster.pid: ok=%v err=%v", ok, err)
	}
	return info.pid
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !processExists(pid) {
			return
		}
	}
	t.Fatalf("process %d did not exit", pid)
}

// psql runs SQL through the cluster's URL, as any client would, and returns the unaligned output.
func psql(t *testing.T, c *Cluster, database, sql string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(c.BinDir(), "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-d", c.URL(database), "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q on %s: %v: %s", sql, database, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestStartAfterInterruptedInitdb(t *testing.T) {
	t.Parallel()
	dataDir := newDataDir(t)
	// What an initdb killed halfway leaves: a staging directory with a PG_VERSION and some of the files.
	staging := dataDir + ".initdb"
	if err := os.MkdirAll(filepath.Join(staging, "base"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(staging, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
	if got := psql(t, c, "postgres", "SELECT 1"); got != "1" {
		t.Errorf("SELECT 1 = %q", got)
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Errorf("the staging directory is still there after a successful initdb: %v", err)
	}
}

// A fresh checkout has no .sqpdash yet: the data directory and its parent are both missing. That alone must
// not make the directory look unreachable (it did, and sqpdash fell back to /var/tmp), while a parent the
// server's user cannot enter must still be found above the missing ones.
func TestReachableThroughMissingParents(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root hands the server to another user; as anyone else every directory is reachable")
	}
	base := filepath.Dir(newDataDir(t)) // mode 0755, exists

	t.Run("missing parents below an enterable directory are reachable", func(t *testing.T) {
		dataDir := filepath.Join(base, "checkout", ".sqpdash", "pg")
		if err := CheckReachable(dataDir, ""); err != nil {
			t.Fatalf("CheckReachable(%s) = %v, want nil", dataDir, err)
		}
		c := startCluster(t, Options{DataDir: dataDir, Ephemeral: true})
		if c.DataDir() != dataDir {
			t.Errorf("cluster in %s, want %s", c.DataDir(), dataDir)
		}
		for _, dir := range []string{filepath.Join(base, "checkout"), filepath.Join(base, "checkout", ".sqpdash")} {
			info, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o755 {
				t.Errorf("%s created with mode %o, want 755 so the server's user can pass", dir, perm)
			}
		}
	})

	t.Run("a closed directory above missing ones is still reported", func(t *testing.T) {
		closed := filepath.Join(base, "closed")
		if err := os.Mkdir(closed, 0o700); err != nil {
			t.Fatal(err)
		}
		dataDir := filepath.Join(closed, "checkout", ".sqpdash", "pg")
		err := CheckReachable(dataDir, "")
		if err == nil {
			t.Fatalf("CheckReachable(%s) = nil below a directory of mode 700", dataDir)
		}
		if !strings.Contains(err.Error(), closed+" ") || !strings.Contains(err.Error(), "chmod o+x") {
			t.Errorf("error = %q, want it to name %s and suggest chmod o+x", err, closed)
		}
		if _, err := Start(context.Background(), Options{DataDir: dataDir}); err == nil {
			t.Fatal("Start succeeded below a directory the postgres user cannot enter")
		}
		if _, err := os.Stat(filepath.Join(closed, "checkout")); !os.IsNotExist(err) {
			t.Errorf("Start created directories where the server cannot go: %v", err)
		}
	})
}
