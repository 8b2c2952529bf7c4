package main

import (
	"io"
	"sync"
	"time"
)

// lineBuffer batches log lines: an access log line per request would otherwise be one write(2)
// per request, which costs the gateway a quarter of its throughput on a small machine
// (bench/run.sh). nginx's access_log has the same option (buffer=, flush=:
// https://nginx.org/en/docs/http/ngx_http_log_module.html#access_log). Lines reach the output
// at most flushEvery late; Close writes the rest. Write must be given whole lines (slog's
// handlers write one record per call).
type lineBuffer struct {
	mu   sync.Mutex
	out  io.Writer
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

const lineBufferBytes = 64 << 10

func newLineBuffer(out io.Writer, flushEvery time.Duration) *lineBuffer {
	b := &lineBuffer{out: out, buf: make([]byte, 0, lineBufferBytes), stop: make(chan struct{}),
		done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.mu.Lock()
				b.flushLocked()
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) {
		b.flushLocked()
	}
	if len(p) > cap(b.buf) {
		return b.out.Write(p)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lineBuffer) flushLocked() {
	if len(b.buf) > 0 {
		b.out.Write(b.buf) // a log that cannot be written is not the request's failure
		b.buf = b.buf[:0]
	}
}

// Close stops the flushing and writes what is left.
func (b *lineBuffer) Close() {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	b.flushLocked()
	b.mu.Unlock()
}

// direct is a writer to the same output that writes at once, after the lines waiting: the
// gateway's other log lines stay in order with the access log, and never interleave with it.
func (b *lineBuffer) direct() io.Writer { return directWriter{b} }

type directWriter struct{ b *lineBuffer }

func (d directWriter) Write(p []byte) (int, error) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	d.b.flushLocked()
	return d.b.out.Write(p)
}
