package llmroute_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// C reads PickOptions in place (llmroute_go_pick_options): the Go and C layouts must agree.
func TestPickOptionsLayoutMatchesC(t *testing.T) {
	c, g := native.PickOptionsLayout()
	if c != g {
		t.Fatalf("llmroute_go_pick_options offsets and size %v, GoPickOptions %v", c, g)
	}
}

// More exclusions and tags than the shim copies on its stack (4) take its heap path, with the
// same result.
func TestPickWithManyExclusionsAndTags(t *testing.T) {
	tags := []string{"t1", "t2", "t3", "t4", "t5", "t6"}
	var deps []llmroute.Deployment
	var names []string
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("d%d", i)
		names = append(names, name)
		deps = append(deps, llmroute.Deployment{Name: name, Models: []string{"m"}, Tags: tags})
	}
	deps = append(deps, llmroute.Deployment{Name: "untagged", Models: []string{"m"}})
	r := newRouter(t, nil, deps...)
	for i := 0; i < 20; i++ {
		if got := pickOrFail(t, r, &llmroute.PickOptions{Exclude: append([]string{"untagged"}, names[:6]...)}).Deployment; got != "d6" {
			t.Fatalf("7 of 8 excluded: picked %s, want d6", got)
		}
		got := pickOrFail(t, r, &llmroute.PickOptions{RequiredTags: tags, Exclude: names[1:]}).Deployment
		if got != "d0" {
			t.Fatalf("6 tags, d1..d6 excluded: picked %s, want d0", got)
		}
	}
}

// Names longer than LLMR_NAME_MAX reach the library whole, which rejects them naming the field, as
// through SWIG.
func TestPickWithOverlongNames(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"))
	long := strings.Repeat("a", 300)
	for _, c := range []struct {
		exclude []string
		field   string
	}{
		{[]string{"x", long}, "exclude[1]"},
		{[]string{"1", "2", "3", "4", long}, "exclude[4]"}, // past the shim's stack copies
	} {
		_, err := r.PickWith("m", &llmroute.PickOptions{Exclude: c.exclude})
		if !errors.Is(err, llmroute.ErrInvalidArgument) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("over-long %s: %v", c.field, err)
		}
	}
	// Tags are not checked for length: an over-long one is carried by no deployment.
	if _, err := r.PickWith("m", &llmroute.PickOptions{RequiredTags: []string{long}}); !errors.Is(err, llmroute.ErrNoProvider) {
		t.Errorf("over-long tag: %v", err)
	}
	for _, pick := range []func() (llmroute.Pick, error){
		func() (llmroute.Pick, error) { return r.Pick(long) },
		func() (llmroute.Pick, error) { return r.PickWith(long, &llmroute.PickOptions{Exclude: []string{"x"}}) },
	} {
		if _, err := pick(); !errors.Is(err, llmroute.ErrInvalidArgument) || !strings.Contains(err.Error(), "model") {
			t.Errorf("over-long model: %v", err)
		}
	}
}

// An affinity key longer than the shim's stack buffer (512 bytes) is used whole: keys that
// differ only past 600 bytes still spread over the deployments, and each stays sticky.
func TestPickWithLongAffinityKeys(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"), dep("c", 0, "m"))
	prefix := strings.Repeat("k", 600)
	seen := map[string]bool{}
	for i := 0; i < 60; i++ {
		key := fmt.Sprintf("%s-%d", prefix, i)
		first := pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: key}).Deployment
		if again := pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: key}).Deployment; again != first {
			t.Fatalf("key %d went to %s, then %s", i, first, again)
		}
		seen[first] = true
	}
	if len(seen) != 3 {
		t.Fatalf("60 long keys reached %v, want all 3 deployments", seen)
	}
}

// PickWith reads the options in place: with options built once, the binding allocates nothing.
func TestPickWithAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; CTest's go.norace runs this without it")
	}
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"), dep("c", 0, "m"))
	opts := &llmroute.PickOptions{Exclude: []string{"a"}, AffinityKey: "user-1"}
	allocs := testing.AllocsPerRun(1000, func() {
		p, err := r.PickWith("m", opts)
		if err != nil {
			t.Fatal(err)
		}
		if p.Deployment == "a" {
			t.Fatal("picked the excluded deployment")
		}
		if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per PickWith + report", allocs)
	}
}
