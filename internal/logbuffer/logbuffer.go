// Package logbuffer batches a busy process's log lines into few writes. A cached page costs the server
// about a tenth of a millisecond of CPU, and writing its request log line with a system call of its own
// was a sizeable part of that (docs/performance.md); a Writer gathers the lines and writes them together,
// at least every FlushEvery, and at once for a warning or an error (Handler), so that what matters is
// never held back.
package logbuffer

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Defaults of New.
const (
	// DefaultSize is how many bytes are gathered before they are written (about 250 request lines).
	DefaultSize = 64 << 10
	// DefaultFlushEvery is the longest a line waits: a person tailing the log sees it this late at most.
	DefaultFlushEvery = 100 * time.Millisecond
)

// Writer gathers whole writes (slog's handlers write one record per Write) and hands them to the
// underlying writer in order: when the buffer is full, every flushEvery, on Flush and on Close. Writes
// are never split or reordered. It is safe for concurrent use.
type Writer struct {
	out        io.Writer
	size       int
	flushEvery time.Duration

	writeMu sync.Mutex // held while out is written, so that batches keep their order
	mu      sync.Mutex // guards buf, spare, closed and err
	buf     []byte
	spare   []byte
	closed  bool
	err     error // the first error of out: reported by Flush and Close

	stop chan struct{}
	done chan struct{}
}

// New returns a Writer to out that writes at least every flushEvery; zero values take the defaults.
// Close stops it and writes what is left.
func New(out io.Writer, size int, flushEvery time.Duration) *Writer {
	if size <= 0 {
		size = DefaultSize
	}
	if flushEvery <= 0 {
		flushEvery = DefaultFlushEvery
	}
	w := &Writer{out: out, size: size, flushEvery: flushEvery, buf: make([]byte, 0, size), spare: make([]byte, 0, size),
		stop: make(chan struct{}), done: make(chan struct{})}
	go w.flushPeriodically()
	return w
}

// Write keeps p to be written later. A p larger than the buffer, or any write after Close, is written
// through at once (after what is buffered), so nothing is lost.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if !w.closed && len(w.buf)+len(p) <= w.size {
		w.buf = append(w.buf, p...)
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	if err := w.flushLocked(); err != nil {
		return 0, err
	}
	w.mu.Lock()
	fits := !w.closed && len(w.buf)+len(p) <= w.size
	if fits {
		w.buf = append(w.buf, p...)
	}
	w.mu.Unlock()
	if fits {
		return len(p), nil
	}
	return w.out.Write(p)
}

// Flush writes everything gathered so far and returns the first error the underlying writer gave.
func (w *Writer) Flush() error {
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	return w.flushLocked()
}

// flushLocked writes the buffer; w.writeMu is held. Writers go on filling the other buffer meanwhile.
func (w *Writer) flushLocked() error {
	w.mu.Lock()
	batch := w.buf
	w.buf = w.spare[:0]
	w.spare = nil
	w.mu.Unlock()
	var err error
	if len(batch) > 0 {
		_, err = w.out.Write(batch)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spare = batch[:0]
	if err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// Close stops the periodic flush and writes what is left; later writes go straight through.
func (w *Writer) Close() error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		close(w.stop)
		<-w.done
	}
	return w.Flush()
}

func (w *Writer) flushPeriodically() {
	defer close(w.done)
	t := time.NewTicker(w.flushEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			_ = w.Flush() // the error is kept for Flush and Close
		}
	}
}

// Handler wraps h, whose output goes through w, so that a record at level or above (a warning, an
// error) is written at once, together with every line before it.
func Handler(h slog.Handler, w *Writer, level slog.Level) slog.Handler {
	return flushingHandler{Handler: h, w: w, level: level}
}

type flushingHandler struct {
	slog.Handler
	w     *Writer
	level slog.Level
}

// Handle implements slog.Handler.
func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs implements slog.Handler.
func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(attrs), w: h.w, level: h.level}
}

// WithGroup implements slog.Handler.
func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), w: h.w, level: h.level}
}
