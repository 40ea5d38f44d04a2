package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes the computer a benchmark ran on: figures mean little without it.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	RAMBytes int64  `json:"ram_bytes"`
	OS       string `json:"os"`
	Go       string `json:"go"`
	Postgres string `json:"postgres,omitempty"`
}

// ReadMachine reads the CPU model and memory size from /proc (Linux); what it cannot read stays empty.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if v, ok := procField("/proc/cpuinfo", "model name"); ok {
		m.CPU = v
	}
	if v, ok := procField("/proc/meminfo", "MemTotal"); ok {
		if kb, err := parseKB(v); err == nil {
			m.RAMBytes = kb * 1024
		}
	}
	return m
}

// PeakRSS returns a process's peak resident set size (VmHWM) in bytes.
func PeakRSS(pid int) (int64, error) {
	v, ok := procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM")
	if !ok {
		return 0, fmt.Errorf("read VmHWM of process %d: not found", pid)
	}
	kb, err := parseKB(v)
	if err != nil {
		return 0, fmt.Errorf("read VmHWM of process %d: %w", pid, err)
	}
	return kb * 1024, nil
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(path, key string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer func() { _ = f.Close() }() // read only: closing cannot lose data
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// parseKB parses "123456 kB".
func parseKB(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %q as kB: %w", v, err)
	}
	return n, nil
}

// ProcessCPU returns the CPU time (user + system) a process has used so far, from /proc/PID/stat.
func ProcessCPU(pid int) (time.Duration, error) {
	st, err := processStat(pid)
	return st.cpu, err
}

// ProcessTreeCPU returns the CPU time a process and its children have used so far: for PostgreSQL's
// postmaster, its backends (the server's pooled connections among them), autovacuum workers, parallel
// workers and background processes. Children that have exited and been waited for count too (the
// process's cutime and cstime), so the figure only grows and a difference over a phase holds the work of
// backends that ended during it.
func ProcessTreeCPU(pid int) (time.Duration, error) {
	root, err := processStat(pid)
	if err != nil {
		return 0, err
	}
	total := root.cpu + root.reaped
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		st, err := processStat(child)
		if err != nil || st.parent != pid {
			continue // not a process, gone since the listing, or another's child
		}
		total += st.cpu
	}
	return total, nil
}

// procStat is what processStat reads of a process.
type procStat struct {
	cpu    time.Duration // its own CPU time, user + system
	reaped time.Duration // the CPU time of its children that have exited and been waited for
	parent int
}

// processStat reads a process's CPU times and its parent's id from /proc/PID/stat.
func processStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, fmt.Errorf("read CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 15 {
		return procStat{}, fmt.Errorf("read CPU time of process %d: short stat line", pid)
	}
	var st procStat
	if st.parent, err = strconv.Atoi(fields[1]); err != nil { // ppid, field 4 of the line
		return procStat{}, fmt.Errorf("read parent of process %d: %w", pid, err)
	}
	// utime and stime, then cutime and cstime: fields 14 to 17 of the line.
	for i, into := range []*time.Duration{&st.cpu, &st.reaped} {
		var ticks int64
		for _, f := range fields[11+2*i : 13+2*i] {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return procStat{}, fmt.Errorf("read CPU time of process %d: %w", pid, err)
			}
			ticks += n
		}
		*into = time.Duration(ticks) * time.Second / clockTicksPerSecond
	}
	return st, nil
}

// clockTicksPerSecond is Linux's USER_HZ, which is 100 on every architecture Go supports.
const clockTicksPerSecond = 100
