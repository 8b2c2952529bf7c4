package llmroute

import (
	"strings"
	"sync/atomic"
	"unsafe"
)

// nameCache maps the router's C name strings (deployment names, alias targets; the pointer a pick
// returns, stable while the name exists) to Go strings, so that a pick allocates no string. A
// fixed open-addressed table of immutable entries: a lookup is a few plain loads, no lock and
// no map. The content is compared too, so an address the library reuses for another name is
// never returned for it. When every slot of a probe window is taken, the newest name replaces
// one: the cost is an allocation, never a wrong name.
type nameCache struct {
	slots [nameSlots]atomic.Pointer[cachedName]
}

const (
	nameSlots = 1024 // a power of two; far more than the deployments a router usually has
	nameProbe = 8    // slots tried from a name's home slot
)

type cachedName struct {
	p uintptr
	s string
}

// home is the first slot for the C string at p (allocations are 8- or 16-byte aligned: the low
// bits carry nothing; the high bits are mixed in with a multiplicative hash).
func home(p uintptr) uint64 {
	return (uint64(p) * 0x9E3779B97F4A7C15) >> (64 - 10)
}

// get returns the Go string for the n bytes at p (a C string the router owns), "" for none.
func (c *nameCache) get(p uintptr, n int64) string {
	if n <= 0 || p == 0 {
		return ""
	}
	b := unsafe.String((*byte)(unsafe.Pointer(p)), int(n))
	h := home(p)
	for i := uint64(0); i < nameProbe; i++ {
		e := c.slots[(h+i)&(nameSlots-1)].Load()
		if e == nil {
			break
		}
		if e.p == p && e.s == b {
			return e.s
		}
	}
	e := &cachedName{p: p, s: strings.Clone(b)}
	for i := uint64(0); i < nameProbe; i++ {
		if c.slots[(h+i)&(nameSlots-1)].CompareAndSwap(nil, e) {
			return e.s
		}
	}
	c.slots[h].Store(e) // the window is full: replace the home slot's name
	return e.s
}
