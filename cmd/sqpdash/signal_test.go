package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptWithPipedOutputStopsPostgres runs `sqpdash serve` on its private cluster with its output
// piped into a reader that goes away first, as `make run | tee log` does on Ctrl-C: the shutdown must
// still stop the cluster instead of dying of SIGPIPE and leaving PostgreSQL running.
func TestInterruptWithPipedOutputStopsPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "sqpdash")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir, err := os.MkdirTemp("", "sqpdash-signal-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dataDir); err != nil {
			t.Logf("leaving %s behind: %v", dataDir, err)
		}
	})
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--refresh-every", "0")
	cmd.Env = append(os.Environ(), "SQPDASH_DATA_DIR="+dataDir, "DATABASE_URL=", "SQPDASH_WEB_DATABASE_URL=")
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.Close() // the child holds its own copy of the write end
	pgDir := ""
	t.Cleanup(func() {
		if pgDir != "" {
			// Leave no cluster behind, whatever the outcome: stop the postmaster by the pid in its pid file.
			if b, err := os.ReadFile(filepath.Join(pgDir, "postmaster.pid")); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil {
					_ = syscall.Kill(pid, syscall.SIGTERM) // gone already is what we want
				}
			}
		}
	})
	lines := bufio.NewScanner(r)
	// A kill that fails found the process gone: the scan below then ends, which is all this is for.
	deadline := time.AfterFunc(90*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for lines.Scan() {
		var rec struct {
			Msg     string `json:"msg"`
			DataDir string `json:"data_dir"`
		}
		if json.Unmarshal(lines.Bytes(), &rec) != nil {
			continue
		}
		if rec.Msg == "postgresql started" {
			pgDir = rec.DataDir
		}
		if rec.Msg == "serving" {
			break
		}
	}
	if pgDir == "" {
		t.Fatal("the server never said where its cluster is")
	}
	// Under go test the child inherits a signal mask that blocks SIGPIPE, so the broken pipe alone would
	// not kill it here as it does from a terminal: check the disposition itself as well.
	if !ignoresSIGPIPE(t, cmd.Process.Pid) {
		t.Error("sqpdash does not ignore SIGPIPE: with its output piped, Ctrl-C kills it before it stops PostgreSQL")
	}
	_ = r.Close() // the reader is gone, as tee is after Ctrl-C
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		t.Errorf("sqpdash was killed by %v instead of shutting down (%v)", ws.Signal(), err)
	}
	if _, err := os.Stat(filepath.Join(pgDir, "postmaster.pid")); err == nil {
		t.Errorf("PostgreSQL still runs in %s after the interrupt", pgDir)
	} else if !strings.Contains(err.Error(), "no such file") {
		t.Fatal(err)
	}
}

// ignoresSIGPIPE reads the ignored-signals mask of process pid from /proc.
func ignoresSIGPIPE(t *testing.T, pid int) bool {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if hex, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				t.Fatalf("SigIgn %q: %v", hex, err)
			}
			return mask&(1<<(uint(syscall.SIGPIPE)-1)) != 0
		}
	}
	t.Fatal("no SigIgn line in /proc status")
	return false
}
