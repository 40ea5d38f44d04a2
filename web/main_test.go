package web

import (
	"testing"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// TestMain gives the package one private PostgreSQL cluster; each test takes a fresh database from it.
func TestMain(m *testing.M) { pgtest.Main(m) }
