package pgtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/pglocal"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewEmptyDatabase(t *testing.T) {
	var first, second string
	t.Run("each call gives a new empty database", func(t *testing.T) {
		first, second = NewEmptyDatabase(t), NewEmptyDatabase(t)
		if first == second {
			t.Fatalf("two calls returned the same URL %s", first)
		}
		for _, u := range []string{first, second} {
			if got, want := psql(t, u, "SELECT current_database()"), databaseOf(t, u); got != want {
				t.Errorf("connected to %q, want %q", got, want)
			}
			if got := psql(t, u, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"); got != "0" {
				t.Errorf("new database has %s tables, want 0", got)
			}
		}
		psql(t, first, "CREATE TABLE only_in_first (id int)")
		if got := psql(t, second, "SELECT to_regclass('only_in_first') IS NULL"); got != "t" {
			t.Error("a table created in one test database shows in another")
		}
	})
	t.Run("databases are dropped when their test ends", func(t *testing.T) {
		for _, u := range []string{first, second} {
			query := fmt.Sprintf("SELECT count(*) FROM pg_database WHERE datname = '%s'", databaseOf(t, u))
			if got := psql(t, Cluster().URL("postgres"), query); got != "0" {
				t.Errorf("database %s still exists after its test ended", databaseOf(t, u))
			}
		}
	})
}

func TestNewDatabase(t *testing.T) {
	first := NewDatabase(t)

	t.Run("the schema of schema.hcl is applied", func(t *testing.T) {
		for _, relation := range []string{
			"public.brands",
			"public.asin_brand_mapping",
			"sqp.asin_performance_data",
			"sqp.search_query_performance",
			"public.materialized_view_refresh_log",
			"public.brand_product_segments",
		} {
			if got := psql(t, first, fmt.Sprintf("SELECT to_regclass('%s') IS NOT NULL", relation)); got != "t" {
				t.Errorf("%s is missing from the test database", relation)
			}
		}
	})

	t.Run("rows written in one test database do not show in another", func(t *testing.T) {
		psql(t, first, "INSERT INTO public.brands (brand_name, display_name) VALUES ('isolation', 'Isolation')")
		second := NewDatabase(t)
		if got := psql(t, second, "SELECT count(*) FROM public.brands"); got != "0" {
			t.Errorf("a fresh copy of the template has %s brands, want 0", got)
		}
	})
}

func TestCluster(t *testing.T) {
	c := Cluster()
	if c == nil {
		t.Fatal("Cluster() = nil inside Main")
	}
	ctx := context.Background()
	if c.DataDir() == "" {
		t.Run("an attached server is left alone: Stop leaves it serving, Restart refuses", func(t *testing.T) {
			if err := c.Stop(ctx); err != nil {
				t.Fatalf("Stop on the attached server: %v", err)
			}
			if got := psql(t, NewEmptyDatabase(t), "SELECT 1"); got != "1" {
				t.Errorf("SELECT 1 = %q after Stop", got)
			}
			if err := c.Restart(ctx); err == nil {
				t.Error("Restart of an attached server succeeded: it is not ours to start")
			}
		})
		return
	}
	t.Run("stopped and restarted, it serves new databases again", func(t *testing.T) {
		if err := c.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command(filepath.Join(c.BinDir(), "pg_isready"), "-q", "-d", c.URL("postgres")).Run(); err == nil {
			t.Fatal("pg_isready answered after Stop")
		}
		if err := c.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		if got := psql(t, NewEmptyDatabase(t), "SELECT 1"); got != "1" {
			t.Errorf("SELECT 1 = %q after restart", got)
		}
	})
}

func TestDatabaseName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9_]{1,63}$`)
	long := "TestSomething/" + strings.Repeat("a very long subtest name ", 10)
	seen := map[string]bool{}
	for _, testName := range []string{"TestX", long, long, "Test/Ünïcode & \"quotes\""} {
		name := databaseName("sqpdash_t123_abcdef", testName)
		if !valid.MatchString(name) {
			t.Errorf("databaseName(%q) = %q: not a plain identifier of at most 63 bytes", testName, name)
		}
		if seen[name] {
			t.Errorf("databaseName(%q) = %q twice", testName, name)
		}
		seen[name] = true
	}
}

// TestRemoveAbandonedClusters starts a throwaway cluster of its own, so it runs on an attached server
// too, given the server programs. Its fixture lives in a private parent directory: in the shared temporary
// directory, any other test binary starting meanwhile would rightly remove it as abandoned (seen in CI).
func TestRemoveAbandonedClusters(t *testing.T) {
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	parent, err := os.MkdirTemp("", "sqpdash-abandoned-fixture-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(parent); err != nil {
			t.Logf("leaving %s behind: %v", parent, err)
		}
	})
	dir := filepath.Join(parent, fmt.Sprintf("%s%d-fixture", tempDirPrefix, dead.Process.Pid))
	// The server may run as another user (postgres, when tests run as root), who must be able to enter.
	for _, d := range []string{parent, dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	abandoned, err := pglocal.Start(ctx, pglocal.Options{DataDir: filepath.Join(dir, "pg"), Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = abandoned.Stop(ctx) })

	removeAbandonedClusters(ctx, slog.New(slog.DiscardHandler), parent)

	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the abandoned cluster's directory %s is still there: %v", dir, err)
	}
	if err := exec.Command(filepath.Join(abandoned.BinDir(), "pg_isready"), "-q", "-d", abandoned.URL("postgres")).Run(); err == nil {
		t.Error("the abandoned cluster still accepts connections")
	}
	if got := psql(t, NewEmptyDatabase(t), "SELECT 1"); got != "1" {
		t.Errorf("this test binary's own server answered %q: it must be left alone", got)
	}
}

// psql runs SQL with the cluster's psql, as any client of the URL would.
func psql(t *testing.T, databaseURL, sql string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(Cluster().BinDir(), "psql"), "-X", "-q", "-A", "-t",
		"-v", "ON_ERROR_STOP=1", "-d", databaseURL, "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v: %s", sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

func databaseOf(t *testing.T, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}
