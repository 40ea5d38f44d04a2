package pglocal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// command runs one PostgreSQL program and returns its trimmed output; a failure carries that output,
// which is where the programs explain themselves. A nil credential runs it as ourselves.
func command(ctx context.Context, credential *syscall.Credential, program string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, program, args...)
	// The server's user may not be able to enter our working directory (/root), which initdb and pg_ctl
	// complain about; every path we pass is absolute.
	cmd.Dir = "/"
	cmd.Env = programEnv()
	if credential != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential}
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		if text == "" {
			return "", fmt.Errorf("%s: %w", program, err)
		}
		return text, fmt.Errorf("%s: %w: %s", program, err, text)
	}
	return text, nil
}

// programEnv is our environment without the PG* variables (PGDATA, PGHOST, PGOPTIONS, ... would
// redirect the programs away from the cluster we name on their command line) and with the C locale, so
// their messages are the same on every machine.
func programEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "LC_") || name == "LANG" || name == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}
