package main

import (
	"strings"
	"testing"
	"time"
)

func TestLineBuffer(t *testing.T) {
	var out syncBuffer
	b := newLineBuffer(&out, time.Hour) // no timed flush during the test
	b.Write([]byte("access 1\n"))
	b.Write([]byte("access 2\n"))
	if out.String() != "" {
		t.Fatalf("written before a flush: %q", out.String())
	}
	// Another log line goes out at once, after the lines waiting.
	b.direct().Write([]byte("warning\n"))
	if got := out.String(); got != "access 1\naccess 2\nwarning\n" {
		t.Fatalf("order: %q", got)
	}
	// A full buffer is written before the line that does not fit.
	line := strings.Repeat("x", 1000) + "\n"
	for i := 0; i < lineBufferBytes/len(line)+1; i++ {
		b.Write([]byte(line))
	}
	if n := len(out.String()) - len("access 1\naccess 2\nwarning\n"); n == 0 || n%len(line) != 0 {
		t.Fatalf("%d bytes written: not whole lines", n)
	}
	big := strings.Repeat("y", 2*lineBufferBytes) + "\n"
	b.Write([]byte(big))
	if !strings.HasSuffix(out.String(), big) {
		t.Fatalf("a line larger than the buffer is not written through")
	}
	b.Write([]byte("last\n"))
	b.Close()
	if !strings.HasSuffix(out.String(), big+"last\n") {
		t.Fatalf("Close did not flush")
	}
	// The timed flush.
	var out2 syncBuffer
	b2 := newLineBuffer(&out2, 10*time.Millisecond)
	defer b2.Close()
	b2.Write([]byte("soon\n"))
	eventually(t, "the timed flush", 10*time.Second, nil, func() bool { return out2.String() == "soon\n" })
}
