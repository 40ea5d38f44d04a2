package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sqpdash/sqpdash/internal/config"
)

func TestLogFormat(t *testing.T) {
	for _, c := range []struct {
		configured string
		terminal   bool
		want       string
	}{
		{"auto", true, "text"},
		{"auto", false, "json"},
		{"", false, "json"},
		{"json", true, "json"},
		{"text", false, "text"},
	} {
		if got := logFormat(c.configured, c.terminal); got != c.want {
			t.Errorf("logFormat(%q, terminal=%v) = %q, want %q", c.configured, c.terminal, got, c.want)
		}
	}
}

func TestLoggerFormats(t *testing.T) {
	var text, js bytes.Buffer
	newLoggerTo(&text, "text").Info("serving", "url", "http://localhost:8080")
	newLoggerTo(&js, "json").Info("serving", "url", "http://localhost:8080")

	if !regexp.MustCompile(`^time=\d\d:\d\d:\d\d\.\d{3} level=INFO msg=serving url=http://localhost:8080\n$`).MatchString(text.String()) {
		t.Errorf("text line = %q, want time of day, level, message and attributes", text.String())
	}
	var line map[string]any
	if err := json.Unmarshal(js.Bytes(), &line); err != nil {
		t.Fatalf("JSON line %q: %v", js.String(), err)
	}
	if line["msg"] != "serving" || line["url"] != "http://localhost:8080" || line["level"] != "INFO" {
		t.Errorf("JSON line = %v", line)
	}
}

func TestGlobalLogFormatFlag(t *testing.T) {
	for _, c := range []struct {
		args     []string
		format   string
		rest     []string
		badUsage bool
	}{
		{[]string{"serve"}, "", []string{"serve"}, false},
		{[]string{"--log-format", "json", "serve", "--addr", "x"}, "json", []string{"serve", "--addr", "x"}, false},
		{[]string{"--log-format=text", "refresh"}, "text", []string{"refresh"}, false},
		{[]string{"-log-format", "auto", "demo"}, "auto", []string{"demo"}, false},
		{[]string{"--log-format", "yaml", "serve"}, "", nil, true},
		{[]string{"--log-format"}, "", nil, true},
		// After the command it belongs to the command (serve has its own --log-format).
		{[]string{"import", "--log-format", "json"}, "", []string{"import", "--log-format", "json"}, false},
	} {
		format, rest, err := globalLogFormat(c.args)
		if (err != nil) != c.badUsage || format != c.format || !slices.Equal(rest, c.rest) {
			t.Errorf("globalLogFormat(%q) = %q, %q, %v", c.args, format, rest, err)
		}
	}
	getenv := func(string) string { return "" }
	if code := run(context.Background(), []string{"--log-format", "yaml", "serve"}, io.Discard, getenv); code != exitUsage {
		t.Errorf("bad --log-format: exit %d, want %d", code, exitUsage)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--log-format", "json", "--help"}, &stderr, getenv); code != exitOK || !strings.Contains(stderr.String(), "--log-format") {
		t.Errorf("--log-format json --help: exit %d, usage %q", code, stderr.String())
	}
	if code := runServe(context.Background(), config.Default(), []string{"--log-format", "xml"}); code != exitUsage {
		t.Errorf("serve --log-format xml: exit %d, want %d", code, exitUsage)
	}
}

func TestWriteReady(t *testing.T) {
	var out bytes.Buffer
	writeReady(&out, "http://localhost:8080", "bin/sqpdash", true)
	for _, want := range []string{"sqpdash is ready: http://localhost:8080\n", "Sign in as admin@localhost", "  Lost it? Set a new one with:  bin/sqpdash users set-password admin@localhost\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("ready message lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	writeReady(&out, "http://localhost:8080", "bin/sqpdash", false)
	if strings.Contains(out.String(), "set-password") || !strings.Contains(out.String(), "http://localhost:8080") {
		t.Errorf("once the admin signed in, the message still says how to reset the password:\n%s", out.String())
	}
}
