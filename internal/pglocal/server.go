package pglocal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// configFileName is rewritten on every start with the settings sqpdash owns; postgresql.conf
	// includes it, so a human can still override anything below the include line.
	configFileName = "sqpdash.conf"
	// logFileName collects the server's output (pg_ctl -l), kept in the data directory.
	logFileName = "server.log"
	// maxLogSize is when the log is rotated to server.log.1 at the next start.
	maxLogSize = 10 << 20
	// maxSocketPath is the longest unix socket path the kernel accepts (sun_path is 108 bytes with
	// its terminating NUL).
	maxSocketPath = 107
	// staleGrace is how long orphaned server processes get to exit on their own after a crash.
	staleGrace = 5 * time.Second
)

// initdb creates the cluster. Authentication: local (unix socket) connections are trusted because the
// socket is the only way in (listen_addresses is empty) and it lives in a 0700 directory that only the
// server's OS user and root can enter, and those two can read the data files anyway. TCP connections,
// should someone enable them, need a password, and no role has one.
func (c *Cluster) initdb(ctx context.Context) error {
	if entries, err := os.ReadDir(c.dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("initialize postgresql in %s: the directory is not empty and holds no cluster (no PG_VERSION); empty it or choose another data directory", c.dataDir)
	}
	// initdb writes into a sibling directory that is moved in only when complete, so that an initdb killed
	// halfway (Ctrl-C on a first run) leaves nothing that the next start would mistake for a cluster.
	staging := c.dataDir + ".initdb"
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("remove the leftover %s of an interrupted initdb: %w", staging, err)
	}
	// Created here, not by initdb, so that the parent directory need not be writable by the server's user.
	if err := os.Mkdir(staging, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", staging, err)
	}
	if err := c.id.own(staging); err != nil {
		return errors.Join(err, os.RemoveAll(staging))
	}
	args := []string{"-D", staging, "-U", Superuser, "--auth-local=trust", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"}
	if c.ephemeral {
		args = append(args, "--no-sync")
	}
	if _, err := command(ctx, c.id.credential, c.bin.path("initdb"), args...); err != nil {
		return errors.Join(fmt.Errorf("initialize postgresql in %s: %w", c.dataDir, err), os.RemoveAll(staging))
	}
	if err := moveInto(staging, c.dataDir, "PG_VERSION"); err != nil {
		return fmt.Errorf("initialize postgresql in %s: %w", c.dataDir, err)
	}
	conf, err := os.OpenFile(filepath.Join(c.dataDir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open postgresql.conf: %w", err)
	}
	_, err = fmt.Fprintf(conf, "\n# sqpdash writes its settings there on every start; override them below this line.\ninclude = '%s'\n", configFileName)
	if closeErr := conf.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("append the include of %s to postgresql.conf: %w", configFileName, err)
	}
	c.logger.Info("postgresql cluster initialized", "bin_dir", c.bin.dir, "run_as", c.id.name)
	return nil
}

// reuseRunning adopts a server already running on the data directory (reused is true), or clears what
// a crashed one left behind so a new one can start.
func (c *Cluster) reuseRunning(ctx context.Context) (reused bool, err error) {
	info, ok, err := readPidFile(c.dataDir)
	if err != nil || !ok {
		return false, err
	}
	if !isPostmasterOf(info.pid, c.dataDir) {
		if err := clearStaleServer(ctx, c.dataDir, staleGrace); err != nil {
			return false, err
		}
		c.logger.Warn("removed the stale postmaster.pid of a server that is gone", "pid", info.pid)
		return false, nil
	}
	if info.socketDir == "" || info.port == 0 {
		return false, fmt.Errorf("a postgresql server (pid %d) runs in %s without a unix socket; stop it with: pg_ctl stop -D %s", info.pid, c.dataDir, c.dataDir)
	}
	c.useSocket(info.socketDir, info.port)
	if err := c.waitReady(ctx); err != nil {
		return false, err
	}
	c.logger.Info("postgresql already running, reused", "pid", info.pid, "socket_dir", c.socketDir)
	return true, nil
}

// start writes the settings and starts the server, returning once it accepts connections.
func (c *Cluster) start(ctx context.Context) error {
	socketDir, err := c.prepareSocketDir()
	if err != nil {
		return err
	}
	c.useSocket(socketDir, c.port)
	if err := c.writeConfig(); err != nil {
		return err
	}
	logFile := c.LogFile()
	if err := rotateLog(logFile); err != nil {
		return err
	}
	logStart := fileSize(logFile)
	_, err = command(ctx, c.id.credential, c.bin.path("pg_ctl"), "start", "-D", c.dataDir, "-l", logFile,
		"-w", "-t", seconds(c.timeout), "-s")
	if err != nil {
		return fmt.Errorf("start postgresql in %s: %w%s", c.dataDir, err, logTail(logFile, logStart))
	}
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	c.startedByUs = true
	c.logger.Info("postgresql started", "socket_dir", c.socketDir, "port", c.port, "ephemeral", c.ephemeral)
	return nil
}

// useSocket points the cluster's URLs at a socket.
func (c *Cluster) useSocket(socketDir string, port int) {
	c.socketDir, c.port = socketDir, port
	c.serverURL = url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Path:     "/postgres",
		RawQuery: url.Values{"host": {socketDir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}.Encode(),
	}
}

// socketDirFor is <dataDir>/run, or a directory under /tmp named after the data directory when that
// path would make the socket path longer than the kernel allows.
func socketDirFor(dataDir string, port int) string {
	dir := filepath.Join(dataDir, "run")
	if len(dir)+len("/.s.PGSQL.")+len(strconv.Itoa(port)) <= maxSocketPath {
		return dir
	}
	sum := sha256.Sum256([]byte(dataDir))
	return filepath.Join("/tmp", "sqpdash-pg-"+hex.EncodeToString(sum[:8]))
}

// prepareSocketDir creates the private socket directory and removes a socket and lock file a crashed
// server left there (no server of ours runs, we hold the data directory lock, and nobody else can
// write in the directory).
func (c *Cluster) prepareSocketDir() (string, error) {
	dir := socketDirFor(c.dataDir, c.port)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("create socket directory: %w", err)
	}
	if err := c.id.chown(dir); err != nil {
		return "", err
	}
	if err := c.id.checkPrivateDir(dir); err != nil {
		return "", err
	}
	socket := filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(c.port))
	for _, stale := range []string{socket, socket + ".lock"} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("remove stale %s: %w", stale, err)
		}
	}
	return dir, nil
}

// sharedBuffersMB is the shared_buffers of a lasting cluster with memTotal bytes of memory: a quarter of
// it, PostgreSQL's own advice for a dedicated server, between 256 MB and 1 GB. The dashboard's reads of
// one product (then its segments, each week's report and top queries: about 150 pages of four relations
// spread over the year) cost twice the database CPU when those pages had to be copied in from the
// operating system's cache, which 256 MB could not hold beside the imports and the refreshes at two
// million query rows (docs/performance.md, round 6). Unknown memory: 256 MB.
func sharedBuffersMB(memTotal int64) int64 {
	const minMB, maxMB = 256, 1024
	return min(max(memTotal/4>>20, minMB), maxMB)
}

// memTotalBytes is the memory the cluster may use: the machine's RAM (MemTotal of /proc/meminfo), or less
// when the control group it runs in (a container's) is limited; 0 when unknown.
func memTotalBytes() int64 {
	total := procMemTotal()
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// "max" (version 2) or a huge number (version 1) mean no limit.
		if limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && limit > 0 && (total == 0 || limit < total) {
			total = limit
		}
	}
	return total
}

// procMemTotal is MemTotal of /proc/meminfo in bytes, 0 when unknown.
func procMemTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// writeConfig writes sqpdash.conf: a socket-only server sized for a development machine, and for
// ephemeral (test) clusters no durability at all, which makes CREATE DATABASE and the tests fast.
func (c *Cluster) writeConfig() error {
	sharedBuffers := strconv.FormatInt(sharedBuffersMB(memTotalBytes()), 10) + "MB"
	if c.ephemeral {
		// Several test packages run their clusters side by side.
		sharedBuffers = "128MB"
	}
	settings := []string{
		"listen_addresses = ''",
		"port = " + strconv.Itoa(c.port),
		"unix_socket_directories = " + quoteConfig(c.socketDir),
		"unix_socket_permissions = 0700",
		"max_connections = 100",
		"shared_buffers = " + quoteConfig(sharedBuffers),
		"work_mem = '32MB'",
		"maintenance_work_mem = '256MB'",
		"log_line_prefix = '%m [%p] %q%u@%d '",
		"log_timezone = 'UTC'",
	}
	if c.ephemeral {
		settings = append(settings,
			"fsync = off",
			"synchronous_commit = off",
			"max_wal_size = '1GB'",
		)
		if !c.replication {
			settings = append(settings, "full_page_writes = off", "wal_level = minimal", "max_wal_senders = 0")
		}
	}
	if c.replication {
		settings = append(settings,
			"wal_level = replica",
			"max_wal_senders = 5",
			"hot_standby = on",
			"hot_standby_feedback = on",
			"wal_receiver_status_interval = '1s'",
		)
	}
	text := "# Written by sqpdash (internal/pglocal) on every start: changes here are lost.\n" +
		"# Override a setting in postgresql.conf below its include line instead.\n" +
		strings.Join(settings, "\n") + "\n"
	path := filepath.Join(c.dataDir, configFileName)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", configFileName, err)
	}
	return c.id.chown(path)
}

// quoteConfig quotes a postgresql.conf string value.
func quoteConfig(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// waitReady polls pg_isready until the server accepts connections or the start timeout passes.
func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(c.timeout)
	for {
		_, err := command(ctx, nil, c.bin.path("pg_isready"), "-q", "-t", "2", "-d", c.URL("postgres"))
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			where := c.socketDir
			if c.dataDir == "" {
				where = redact(c.URL("postgres"))
			}
			return fmt.Errorf("postgresql at %s did not accept connections within %s: %w%s", where, c.timeout, err, logTail(c.logFileIfLocal(), 0))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for postgresql: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) logFileIfLocal() string {
	if c.dataDir == "" {
		return ""
	}
	return c.LogFile()
}

// rotateLog keeps the server log from growing forever on a machine that runs sqpdash for months.
func rotateLog(path string) error {
	info, err := os.Stat(path)
	if err != nil || info.Size() < maxLogSize {
		return nil
	}
	if err := os.Rename(path, path+".1"); err != nil {
		return fmt.Errorf("rotate %s: %w", path, err)
	}
	return nil
}

// logTail returns the last lines the server logged after offset, formatted to end an error message:
// the server says there why it did not start.
func logTail(path string, offset int64) string {
	if path == "" {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) <= offset {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data[offset:]), "\n"), "\n")
	lines = lines[max(0, len(lines)-15):]
	return "\nlast lines of " + path + ":\n  " + strings.Join(lines, "\n  ")
}

// fileSize is the size of path, 0 when it does not exist.
func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// lockDir takes an exclusive lock on the data directory so two sqpdash processes starting or stopping
// the same cluster at once do not race; the returned function releases it.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s to lock it: %w", dir, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			// Closing the descriptor releases the lock; a directory opened to read has nothing to flush.
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.Join(fmt.Errorf("lock %s: %w", dir, err), f.Close())
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(fmt.Errorf("wait for the lock on %s: %w", dir, ctx.Err()), f.Close())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// moveInto moves every entry of src into dst, the entry named last at the end, then removes src. dst
// counts as a cluster once PG_VERSION is there, so moving it last makes the move all or nothing for
// every reader that checks PG_VERSION.
func moveInto(src, dst, last string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	for _, e := range entries {
		if e.Name() == last {
			continue
		}
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("move %s into %s: %w", e.Name(), dst, err)
		}
	}
	if err := os.Rename(filepath.Join(src, last), filepath.Join(dst, last)); err != nil {
		return fmt.Errorf("move %s into %s: %w", last, dst, err)
	}
	if err := os.Remove(src); err != nil {
		return fmt.Errorf("remove %s: %w", src, err)
	}
	return nil
}
