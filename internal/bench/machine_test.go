package bench

import (
	"bufio"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestProcessTreeCPUCountsTheChildren(t *testing.T) {
	if _, err := ProcessCPU(os.Getpid()); err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	// A child that spends CPU, says so, then waits for its stdin to close (when the test ends).
	child := exec.Command("sh", "-c", `i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo busy; read -r _ || true`)
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = child.Wait() }) // when the test fails before its own Wait
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "busy\n" {
		t.Fatalf("child said %q, %v", line, err)
	}

	childCPU, err := ProcessCPU(child.Process.Pid)
	if err != nil || childCPU < 10*time.Millisecond {
		t.Fatalf("the child's CPU: %v, %v; want at least one clock tick", childCPU, err)
	}
	own, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Read last: CPU time only grows, so the tree holds at least both.
	tree, err := ProcessTreeCPU(os.Getpid())
	if err != nil || tree < own+childCPU {
		t.Fatalf("tree %v, %v; want at least this process's %v plus its child's %v", tree, err, own, childCPU)
	}
	if _, err := ProcessTreeCPU(child.Process.Pid); err != nil {
		t.Fatalf("a process without children: %v", err)
	}

	// Once the child has exited and been waited for, its CPU still counts (as a backend's that ends
	// during a measured phase).
	_ = stdin.Close()
	if err := child.Wait(); err != nil {
		t.Fatal(err)
	}
	if own, err = ProcessCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if tree, err = ProcessTreeCPU(os.Getpid()); err != nil || tree < own+childCPU {
		t.Fatalf("tree after the child exited %v, %v; want at least this process's %v plus the child's %v", tree, err, own, childCPU)
	}
}
