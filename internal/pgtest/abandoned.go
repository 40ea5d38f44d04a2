package pgtest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/sqpdash/sqpdash/internal/pglocal"
)

// removeAbandonedClusters stops and deletes the clusters of test binaries that died before Main could
// clean up (a test timeout panics past it, Ctrl-C kills it): their directory names a pid that is gone.
// Without this, every interrupted `go test` would leave a server running. It looks in parent (the
// temporary directory in use; a test passes a private one, so that test binaries running at the same time
// cannot clean up each other's fixtures).
func removeAbandonedClusters(ctx context.Context, logger *slog.Logger, parent string) {
	dirs, err := filepath.Glob(filepath.Join(parent, tempDirPrefix+"*"))
	if err != nil {
		return
	}
	for _, dir := range dirs {
		pidText, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(dir), tempDirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || processAlive(pid) {
			continue
		}
		// The package's cluster, and NewReplicated's standby and primary when the run had them.
		stopped := true
		for _, sub := range []string{"standby", "primary", "pg"} {
			if err := pglocal.StopDir(ctx, pglocal.Options{DataDir: filepath.Join(dir, sub)}); err != nil {
				logger.Warn("could not stop the test cluster of a killed test run", "dir", dir, "err", err)
				stopped = false
			}
		}
		if !stopped {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			logger.Warn("could not remove the test cluster of a killed test run", "dir", dir, "err", err)
			continue
		}
		logger.Warn("removed the test cluster of a killed test run", "dir", dir)
	}
}

// processAlive reports whether a process with this pid exists (EPERM: it does, and is not ours).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
