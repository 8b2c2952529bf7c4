//go:build !race

package llmroute

import (
	"testing"
	"unsafe"
)

// Without the race detector, whose instrumentation allocates (CTest's go.norace runs this).
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
