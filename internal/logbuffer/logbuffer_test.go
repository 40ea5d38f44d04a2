package logbuffer

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink records what reaches the underlying writer, one entry per Write, and signals each write.
type sink struct {
	mu     sync.Mutex
	writes []string
	wrote  chan struct{}
	err    error
}

func newSink() *sink { return &sink{wrote: make(chan struct{}, 1000)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	s.writes = append(s.writes, string(p))
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *sink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.writes, "")
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.writes)
}

func write(t *testing.T, w *Writer, line string) {
	t.Helper()
	if _, err := w.Write([]byte(line)); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
}

func closeWriter(t *testing.T, w *Writer) {
	t.Helper()
	if err := w.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// never is a flush interval no test reaches.
const never = time.Hour

func TestWriter(t *testing.T) {
	t.Run("lines wait for Flush and come out in order, in one write", func(t *testing.T) {
		out := newSink()
		w := New(out, 1<<10, never)
		defer closeWriter(t, w)
		for i := range 3 {
			write(t, w, fmt.Sprintf("line %d\n", i))
		}
		if n := out.count(); n != 0 {
			t.Fatalf("%d writes before Flush, want 0", n)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got, want := out.writes, []string{"line 0\nline 1\nline 2\n"}; !slices.Equal(got, want) {
			t.Errorf("writes = %q, want %q", got, want)
		}
	})

	t.Run("a full buffer is written without Flush", func(t *testing.T) {
		out := newSink()
		w := New(out, 16, never)
		defer closeWriter(t, w)
		for _, l := range []string{"aaaaaaa\n", "bbbbbbb\n", "ccccccc\n"} {
			write(t, w, l)
		}
		if got, want := out.text(), "aaaaaaa\nbbbbbbb\n"; got != want {
			t.Errorf("written = %q, want %q (the third line waits)", got, want)
		}
	})

	t.Run("a line larger than the buffer goes straight through, after the earlier ones", func(t *testing.T) {
		out := newSink()
		w := New(out, 8, never)
		defer closeWriter(t, w)
		write(t, w, "a\n")
		write(t, w, "a long line\n")
		if got, want := out.text(), "a\na long line\n"; got != want {
			t.Errorf("written = %q, want %q", got, want)
		}
	})

	t.Run("the periodic flush writes what waits", func(t *testing.T) {
		out := newSink()
		w := New(out, 1<<10, time.Millisecond)
		defer closeWriter(t, w)
		write(t, w, "x\n")
		select {
		case <-out.wrote:
		case <-time.After(time.Minute):
			t.Fatal("no periodic flush within a minute")
		}
		if got := out.text(); got != "x\n" {
			t.Errorf("written = %q, want %q", got, "x\n")
		}
	})

	t.Run("Close writes the rest and later lines go straight through", func(t *testing.T) {
		out := newSink()
		w := New(out, 1<<10, never)
		write(t, w, "before\n")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got := out.text(); got != "before\n" {
			t.Fatalf("after Close: %q, want %q", got, "before\n")
		}
		write(t, w, "after\n")
		if got := out.text(); got != "before\nafter\n" {
			t.Errorf("after a late write: %q", got)
		}
		if err := w.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})

	t.Run("concurrent lines all arrive whole and once", func(t *testing.T) {
		out := newSink()
		w := New(out, 256, time.Millisecond)
		const writers, lines = 8, 500
		var wg sync.WaitGroup
		for g := range writers {
			wg.Go(func() {
				for i := range lines {
					if _, err := fmt.Fprintf(w, "writer %d line %d\n", g, i); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(out.text(), "\n"), "\n")
		if len(got) != writers*lines {
			t.Fatalf("%d lines, want %d", len(got), writers*lines)
		}
		next := make([]int, writers)
		for _, l := range got {
			var g, i int
			if _, err := fmt.Sscanf(l, "writer %d line %d", &g, &i); err != nil {
				t.Fatalf("torn line %q: %v", l, err)
			}
			if i != next[g] {
				t.Fatalf("writer %d: line %d after line %d", g, i, next[g]-1)
			}
			next[g]++
		}
	})

	t.Run("an error of the underlying writer is reported", func(t *testing.T) {
		out := newSink()
		out.err = errors.New("disk full")
		w := New(out, 1<<10, never)
		write(t, w, "lost\n")
		if err := w.Flush(); err == nil || err.Error() != "disk full" {
			t.Errorf("Flush = %v, want disk full", err)
		}
		if err := w.Close(); err == nil {
			t.Error("Close = nil after a failed write")
		}
	})
}

func TestHandler(t *testing.T) {
	out := newSink()
	w := New(out, 1<<10, never)
	defer closeWriter(t, w)
	log := slog.New(Handler(slog.NewJSONHandler(w, nil), w, slog.LevelWarn))

	log.Info("request", "path", "/a")
	log.With("component", "x").WithGroup("g").Info("request", "path", "/b")
	if n := out.count(); n != 0 {
		t.Fatalf("%d writes after info lines, want 0", n)
	}
	log.Error("failed", "err", "boom")
	text := out.text()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 3 {
		t.Fatalf("after an error: %d lines written, want 3 (the error and both lines before it):\n%s", len(lines), text)
	}
	if !strings.Contains(lines[0], `"/a"`) || !strings.Contains(lines[1], `"component":"x"`) || !strings.Contains(lines[2], `"msg":"failed"`) {
		t.Errorf("lines out of order or changed:\n%s", text)
	}
	var buf bytes.Buffer
	buf.WriteString(text)
	log.Warn("slow")
	if got := out.text(); !strings.HasPrefix(got, buf.String()) || !strings.Contains(got[buf.Len():], `"msg":"slow"`) {
		t.Errorf("a warning was not written at once: %q", got)
	}
}
