package llmroute_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// The vectors of docs/engines.md, shared by every binding.
func TestPrefixHashesMatchTheDocumentedVectors(t *testing.T) {
	cases := []struct {
		text  string
		block uint32
		want  []uint64
	}{
		{"abcdefgh", 4, []uint64{0xfc179f83ee0724dd, 0x817603888772b7b0}},
		{"You are a helpful assistant.", 8, []uint64{0x9e182a5566490532, 0xf17f507477172ad9, 0xa18b8cf783e6344b}},
		{"abcdefghij", 4, []uint64{0xfc179f83ee0724dd, 0x817603888772b7b0}},
	}
	for _, c := range cases {
		got, err := llmroute.PrefixHashes([]byte(c.text), c.block, llmroute.PrefixHashesMax)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Fatalf("%q: %x, want %x", c.text, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%q: %x, want %x", c.text, got, c.want)
			}
		}
	}
	if got, _ := llmroute.PrefixHashes([]byte("abcdefgh"), 4, 1); len(got) != 1 || got[0] != 0xfc179f83ee0724dd {
		t.Fatalf("cap 1: %x", got)
	}
	if _, err := llmroute.PrefixHashes([]byte("abcd"), 0, 4); !errors.Is(err, llmroute.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "block_bytes") {
		t.Fatalf("block 0: %v", err)
	}
}

func engineRouter(t *testing.T) (*llmroute.Router, *fakeClock) {
	t.Helper()
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000_000)
	o := llmroute.DefaultOptions()
	o.Strategy = llmroute.StrategyEngineAware
	o.Clock = clock
	r, err := llmroute.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		if err := r.AddDeployment(llmroute.Deployment{Name: name, Models: []string{"m"}}); err != nil {
			t.Fatal(err)
		}
	}
	return r, clock
}

func pickWith(t *testing.T, r *llmroute.Router, opts *llmroute.PickOptions) string {
	t.Helper()
	p, err := r.PickWith("m", opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Cancel(p.Ticket); err != nil {
		t.Fatal(err)
	}
	return p.Deployment
}

func TestEngineAwarePrefixBeatsLoadUntilTheGuardTrips(t *testing.T) {
	r, clock := engineRouter(t)
	defer r.Close()
	prefix, _ := llmroute.PrefixHashes([]byte(strings.Repeat("system prompt ", 40)), 64, llmroute.PrefixHashesMax)
	if got := pickWith(t, r, &llmroute.PickOptions{PrefixHashes: prefix, Exclude: []string{"b"}}); got != "a" {
		t.Fatalf("seeding pick went to %s", got)
	}
	if err := r.ReportLoad("a", llmroute.EngineLoad{Waiting: 20, KVCacheUtilization: 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := r.ReportLoad("b", llmroute.EngineLoad{KVCacheUtilization: 0.5}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if got := pickWith(t, r, &llmroute.PickOptions{PrefixHashes: prefix}); got != "a" {
			t.Fatalf("prefix holder lost to load: %s", got)
		}
	}
	r.ReportLoad("a", llmroute.EngineLoad{Waiting: 100, KVCacheUtilization: 0.5})
	if got := pickWith(t, r, &llmroute.PickOptions{PrefixHashes: prefix}); got != "b" {
		t.Fatalf("imbalance guard did not trip: %s", got)
	}
	// Past engine_load_stale_ms (2 s) a's report is ignored and the prefix wins again.
	clock.now.Add(2_001_000_000)
	r.ReportLoad("b", llmroute.EngineLoad{KVCacheUtilization: 0.5})
	fresh, _ := llmroute.PrefixHashes([]byte(strings.Repeat("another one ", 60)), 64, llmroute.PrefixHashesMax)
	pickWith(t, r, &llmroute.PickOptions{PrefixHashes: fresh, Exclude: []string{"b"}})
	if got := pickWith(t, r, &llmroute.PickOptions{PrefixHashes: fresh}); got != "a" {
		t.Fatalf("stale load still counted: %s", got)
	}
}

func TestReportLoadRejectsBadInput(t *testing.T) {
	r, _ := engineRouter(t)
	defer r.Close()
	bad := map[string]llmroute.EngineLoad{
		"kv_cache_utilization": {KVCacheUtilization: 1.5},
		"waiting":              {Waiting: -1},
		"running":              {Running: -2},
	}
	for field, load := range bad {
		err := r.ReportLoad("a", load)
		if !errors.Is(err, llmroute.ErrInvalidArgument) || !strings.Contains(err.Error(), field) {
			t.Fatalf("%s: %v", field, err)
		}
	}
	if err := r.ReportLoad("a", llmroute.EngineLoad{KVCacheUtilization: math.NaN()}); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("NaN: %v", err)
	}
	if err := r.ReportLoad("ghost", llmroute.EngineLoad{}); !errors.Is(err, llmroute.ErrNotFound) {
		t.Fatalf("unknown deployment: %v", err)
	}
	many := make([]uint64, llmroute.PrefixHashesMax+1)
	if _, err := r.PickWith("m", &llmroute.PickOptions{PrefixHashes: many}); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("too many hashes: %v", err)
	}
}
