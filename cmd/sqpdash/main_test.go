package main

import (
	"testing"

	"github.com/sqpdash/sqpdash/internal/pgtest"
)

// TestMain gives the package's tests one private PostgreSQL cluster; each test takes a fresh database.
func TestMain(m *testing.M) { pgtest.Main(m) }
