package main

import (
	"io"
	"testing"
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
