package pglocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidFileName is the lock file a running postmaster keeps in its data directory.
const pidFileName = "postmaster.pid"

// postmasterInfo is what postmaster.pid says about a server: the lines are pid, data directory, start
// time, port, first socket directory, listen address, shared memory key, status (PostgreSQL's
// src/include/utils/pidfile.h).
type postmasterInfo struct {
	pid       int
	port      int
	socketDir string
}

// readPidFile parses postmaster.pid; ok is false when there is none.
func readPidFile(dataDir string) (info postmasterInfo, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dataDir, pidFileName))
	if errors.Is(err, os.ErrNotExist) {
		return postmasterInfo{}, false, nil
	}
	if err != nil {
		return postmasterInfo{}, false, fmt.Errorf("read %s: %w", pidFileName, err)
	}
	lines := strings.Split(string(data), "\n")
	line := func(n int) string {
		if n <= len(lines) {
			return strings.TrimSpace(lines[n-1])
		}
		return ""
	}
	// A pid file cut short (crash while writing) is stale by definition: pid 0 makes it so.
	info.pid, _ = strconv.Atoi(line(1))
	info.port, _ = strconv.Atoi(line(4))
	info.socketDir = line(5)
	return info, true, nil
}

// isPostmasterOf reports whether pid is a live PostgreSQL server working in dataDir. A postmaster
// chdirs into its data directory, so its /proc cwd identifies the cluster; this tells a live server
// from a stale pid file whose pid was reused by another program after a crash or reboot.
func isPostmasterOf(pid int, dataDir string) bool {
	if pid <= 0 {
		return false
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || !strings.HasPrefix(filepath.Base(exe), "postgres") {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	return err == nil && cwd == dataDir
}

// leftoverProcesses lists the processes still working in dataDir: after the postmaster was killed its
// backends and helpers notice within moments and exit, but until they do, a new server refuses to start
// ("pre-existing shared memory block is still in use").
func leftoverProcesses(dataDir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if isPostmasterOf(pid, dataDir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// clearStaleServer removes what a crashed server left behind in dataDir: it waits a few seconds for
// orphaned server processes to exit on their own, kills those that do not (they belong to this data
// directory and no postmaster supervises them any more), then deletes the stale postmaster.pid.
func clearStaleServer(ctx context.Context, dataDir string, grace time.Duration) error {
	deadline := time.Now().Add(grace)
	for {
		pids := leftoverProcesses(dataDir)
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			deadline = time.Now().Add(grace)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for old server processes %v in %s to exit: %w", pids, dataDir, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	err := os.Remove(filepath.Join(dataDir, pidFileName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", pidFileName, err)
	}
	return nil
}

// waitExit waits until process pid has exited: pg_ctl stop returns when the pid file is gone, a moment
// before the postmaster itself is.
func waitExit(ctx context.Context, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for processExists(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d still running after %s", pid, timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for process %d to exit: %w", pid, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// processExists reports whether pid is a process that has not exited (a zombie has exited).
func processExists(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesized command name, which may itself contain parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// PID is the process id of the cluster's running postmaster, from its postmaster.pid: the parent of every
// backend, for the CPU time the benchmark counts.
func (c *Cluster) PID() (int, error) {
	info, ok, err := readPidFile(c.dataDir)
	if err != nil {
		return 0, err
	}
	if !ok || info.pid <= 0 {
		return 0, fmt.Errorf("no postmaster.pid in %s: is the cluster running?", c.dataDir)
	}
	return info.pid, nil
}
