package llmroute_test

import (
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// The generated Options carry every option to the library: the defaults come back from
// llmr_router_options_init, and a bad value of an option the hand-written Options used to lack
// is rejected by the library naming the C member.
func TestGeneratedOptionsReachTheLibrary(t *testing.T) {
	d := llmroute.DefaultOptions()
	if d.PeakEWMADecay != 10*time.Second || d.TierOverprovisioningFactor != 1.4 ||
		d.SharedStateKeyPrefix != "llmroute:" || d.SharedStateSyncInterval != time.Second ||
		d.SlowStartMinWeightPercent != 10 || d.AffinityLoadFactor != 0 {
		t.Fatalf("defaults: %+v", d)
	}
	bad := map[string]func(o *llmroute.Options){
		"affinity_load_factor":          func(o *llmroute.Options) { o.AffinityLoadFactor = 0.5 },
		"slow_start_aggression":         func(o *llmroute.Options) { o.SlowStartAggression = 0 },
		"peak_ewma_failure_penalty":     func(o *llmroute.Options) { o.PeakEWMAFailurePenalty = 0.5 },
		"shared_state_sync_interval_ms": func(o *llmroute.Options) { o.SharedStateSyncInterval = time.Millisecond },
		"shared_state_url":              func(o *llmroute.Options) { o.SharedStateURL = "http://x" },
	}
	for name, set := range bad {
		o := llmroute.DefaultOptions()
		set(&o)
		r, err := llmroute.New(&o)
		if err == nil {
			r.Close()
			t.Fatalf("%s: accepted", name)
		}
		if !strings.Contains(err.Error(), "option "+name+" ") {
			t.Fatalf("%s: %v", name, err)
		}
	}
	o := llmroute.DefaultOptions()
	o.SlowStartWindow = 30 * time.Second
	o.AffinityLoadFactor = 1.25
	r, err := llmroute.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}
