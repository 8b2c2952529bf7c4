package llmroute_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// rssBytes is this process's resident set size (Linux /proc/self/statm).
func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

// oneCallAndDrop creates a router, makes one Call through a Go adapter, and drops it unclosed.
func oneCallAndDrop(t *testing.T) {
	r, err := llmroute.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AddDeployment(dep("a", 0, "m")); err != nil {
		t.Fatal(err)
	}
	if err := r.SetAdapter("a", &fakeProvider{name: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Call(context.Background(), "m", []byte("q"), nil); err != nil {
		t.Fatal(err)
	}
}

// 20 000 routers that each made one Call are dropped without Close: the cleanup releases them,
// so memory stays flat (without it, each kept about 277 KiB: 20 000 grew RSS by 5.5 GB). The
// collector runs as the program's own allocations make it run; nothing here forces it.
func TestDroppedRoutersAreReleased(t *testing.T) {
	if raceEnabled {
		t.Skip("20 000 routers take minutes under the race detector; CTest's go.norace runs this without it")
	}
	const total, warmup = 20000, 2000
	for i := 0; i < warmup; i++ {
		oneCallAndDrop(t)
	}
	base := rssBytes(t)
	peak := base
	for i := warmup; i < total; i++ {
		oneCallAndDrop(t)
		if i%1000 == 0 {
			if os.Getenv("LLMR_LEAK_TRACE") != "" {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				t.Logf("%d: %.1f MiB, live native %d, Go heap %.1f MiB, GCs %d", i, float64(rssBytes(t))/(1<<20),
					llmroute.LiveNativeRouters(), float64(ms.HeapAlloc)/(1<<20), ms.NumGC)
			}
			if rss := rssBytes(t); rss > peak {
				peak = rss
			}
		}
	}
	end := rssBytes(t)
	t.Logf("RSS after %d routers %.1f MiB, peak %.1f MiB, after %d %.1f MiB", warmup,
		float64(base)/(1<<20), float64(peak)/(1<<20), total, float64(end)/(1<<20))
	// 18 000 leaked routers would add ~4.8 GiB; allow 128 MiB of collector lag and fragmentation.
	if grown := peak - base; grown > 128<<20 {
		t.Fatalf("RSS grew by %.1f MiB over %d dropped routers", float64(grown)/(1<<20), total-warmup)
	}
	// The cleanups keep up: a few nudge periods' worth are alive, not 18 000.
	if live := llmroute.LiveNativeRouters(); live > 1024 {
		t.Fatalf("%d native routers still alive", live)
	}
}
