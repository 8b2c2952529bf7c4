//go:build !race

package llmroute

// Without the race detector: its checkptr rejects the Go addresses these tests hand the cache as
// uintptrs (the router's names are C memory, which checkptr does not check), and its
// instrumentation allocates. CTest's go.norace runs them.

import (
	"testing"
	"unsafe"
)

// The name cache returns the right string for every address, including when many names share a
// probe window (evictions) and when an address is reused for other bytes.
func TestNameCacheNeverReturnsAnotherName(t *testing.T) {
	var c nameCache
	bufs := make([][]byte, 5000) // more names than slots: evictions happen
	for i := range bufs {
		bufs[i] = []byte("name-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)))
	}
	for round := 0; round < 3; round++ {
		for i, b := range bufs {
			p := uintptr(unsafe.Pointer(&b[0]))
			if got := c.get(p, int64(len(b))); got != string(b) {
				t.Fatalf("round %d, name %d: got %q, want %q", round, i, got, b)
			}
		}
	}
	// The same address now holding other bytes (a freed name's memory reused).
	b := bufs[0]
	p := uintptr(unsafe.Pointer(&b[0]))
	copy(b, "NAME")
	if got := c.get(p, int64(len(b))); got != string(b) {
		t.Fatalf("reused address: got %q, want %q", got, b)
	}
	if got := c.get(0, 4); got != "" {
		t.Fatalf("null pointer: %q", got)
	}
	if got := c.get(p, 0); got != "" {
		t.Fatalf("empty name: %q", got)
	}
}

// A name seen before costs no allocation.
func TestNameCacheHitAllocatesNothing(t *testing.T) {
	var c nameCache
	b := []byte("deployment")
	p := uintptr(unsafe.Pointer(&b[0]))
	c.get(p, int64(len(b)))
	if a := testing.AllocsPerRun(100, func() { c.get(p, int64(len(b))) }); a != 0 {
		t.Fatalf("%.1f allocations per hit", a)
	}
}
