package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sqpdashBinary builds the binary into the test's temporary directory (go's build cache makes every
// build after the first a link step).
func sqpdashBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "sqpdash")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProcess is `sqpdash serve` running as a process of its own, so that its memory can be measured.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

// startServeProcess runs `sqpdash serve` on dbURL (seeded by the caller) with extra environment, waits
// until it logs that it is serving, and stops it at the end of the test.
func startServeProcess(t *testing.T, dbURL string, env ...string) *serveProcess {
	t.Helper()
	return startServeProcessBin(t, sqpdashBinary(t), dbURL, env...)
}

// startServeProcessBin is startServeProcess with a binary already built, for tests that run several.
func startServeProcessBin(t *testing.T, bin, dbURL string, env ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--refresh-every", "0")
	cmd.Env = append(os.Environ(), append([]string{"DATABASE_URL=" + dbURL, "SQPDASH_WEB_DATABASE_URL="}, env...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, logs: &syncBuffer{}}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }() // how it ended is not what the tests check
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.AfterFunc(90*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		_, _ = p.logs.Write(append(lines.Bytes(), '\n')) // a syncBuffer write cannot fail
		var rec struct {
			Msg string `json:"msg"`
			URL string `json:"url"`
		}
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "serving" {
			p.base = rec.URL
			break
		}
	}
	if p.base == "" {
		t.Fatalf("serve did not start:\n%s", p.logs.String())
	}
	// Keep draining the log, so the server never blocks on a full pipe.
	go func() { _, _ = io.Copy(p.logs, out) }()
	return p
}

// status returns the field (e.g. VmHWM, the peak resident set) of the process's /proc status, in bytes.
func (p *serveProcess) status(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s %q: %v", field, v, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc status", field)
	return 0
}
