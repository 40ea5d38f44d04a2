package main

import (
	"context"
	"io"
	"testing"

	"github.com/sqpdash/sqpdash/internal/config"
	"github.com/sqpdash/sqpdash/internal/pgtest"
	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

func TestParseDemoFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		ok   bool
	}{
		{"defaults load scale 1", nil, exitOK, true},
		{"scale, seed and date are accepted", []string{"--scale", "0.5", "--seed", "9", "--reference", "2026-03-18"}, exitOK, true},
		{"help exits 0 without loading", []string{"--help"}, exitOK, false},
		{"a zero scale is bad usage", []string{"--scale", "0"}, exitUsage, false},
		{"a scale above the maximum is bad usage", []string{"--scale", "1000"}, exitUsage, false},
		{"a malformed date is bad usage", []string{"--reference", "18.3.2026"}, exitUsage, false},
		{"replace with if-empty is bad usage", []string{"--replace", "--if-empty"}, exitUsage, false},
		{"a stray argument is bad usage", []string{"extra"}, exitUsage, false},
		{"an unknown flag is bad usage", []string{"--nope"}, exitUsage, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, code, ok := parseDemoFlags(tc.args, io.Discard)
			if code != tc.code || ok != tc.ok {
				t.Fatalf("parseDemoFlags(%q) = code %d, ok %t; want %d, %t", tc.args, code, ok, tc.code, tc.ok)
			}
			if ok && (f.opts.Scale <= 0 || f.opts.Reference.IsZero()) {
				t.Fatalf("parsed options %+v", f.opts)
			}
		})
	}
}

func TestParseBenchFlags(t *testing.T) {
	f, code, ok := parseBenchFlags([]string{"--scales", "0.1,1", "--clients", "1,4", "--runs", "2"}, io.Discard)
	if !ok || code != exitOK || len(f.scales) != 2 || f.scales[0] != 0.1 || len(f.opts.Clients) != 2 || f.opts.Runs != 2 {
		t.Fatalf("parseBenchFlags = %+v, %d, %t", f, code, ok)
	}
	for _, args := range [][]string{{"--scales", "x"}, {"--scales", "0"}, {"--clients", "0"}, {"--runs", "0"}, {"extra"}} {
		if _, code, ok := parseBenchFlags(args, io.Discard); ok || code != exitUsage {
			t.Errorf("parseBenchFlags(%q) = %d, %t; want bad usage", args, code, ok)
		}
	}
}

func TestRunDemo(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	cfg := config.Default()
	cfg.DatabaseURL = dbURL
	cfg.LogFormat = "json"
	db := openServeTestDB(t, dbURL)
	small := []string{"--scale", "0.05", "--reference", "2026-02-11"}

	steps := []struct {
		name        string
		args        []string
		code        int
		wantRefresh bool // a new successful refresh by "demo" is logged
	}{
		{"--if-empty loads into an empty database and refreshes", append([]string{"--if-empty"}, small...), exitOK, true},
		{"a second load without --replace fails and refreshes nothing", small, exitFailure, false},
		{"--if-empty on a database with data does nothing", append([]string{"--if-empty"}, small...), exitOK, false},
		{"--replace reloads and refreshes", append([]string{"--replace", "--seed", "2"}, small...), exitOK, true},
		{"bad usage loads nothing", []string{"--scale", "0"}, exitUsage, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			_, before, err := db.RefreshHistory(ctx, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if code := runDemo(ctx, cfg, st.args); code != st.code {
				t.Fatalf("runDemo(%q) = %d, want %d", st.args, code, st.code)
			}
			runs, total, err := db.RefreshHistory(ctx, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !st.wantRefresh {
				if total != before {
					t.Fatalf("%d refresh log rows, want still %d", total, before)
				}
				return
			}
			if total != before+1 || runs[0].Status != refreshlog.StatusSuccess || runs[0].RequestedBy != "demo" {
				t.Fatalf("newest refresh %+v of %d, want a successful one by demo", runs[0], total)
			}
			if has, err := db.HasData(ctx); err != nil || !has {
				t.Fatalf("HasData = %t, %v after loading", has, err)
			}
		})
	}
}
