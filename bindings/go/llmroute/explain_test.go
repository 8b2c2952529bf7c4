package llmroute_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func TestExplainPredictsThePickAndSaysWhyOthersAreFiltered(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	o.BreakerJitter = 0
	r := newRouter(t, &o, dep("a", 0, "m"), dep("b", 0, "m"), dep("c", 0, "m"))
	if err := r.SetOverride("c", llmroute.OverrideForceOpen); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		e, err := r.Explain("m", nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != llmroute.OK || e.Approximate || e.Strategy != llmroute.StrategyRoundRobin || len(e.Candidates) != 3 {
			t.Fatalf("explanation %+v", e)
		}
		if c := e.Candidates[2]; !c.Filtered || c.Reason != "forced open" || c.Rank != -1 || c.Override != llmroute.OverrideForceOpen {
			t.Fatalf("c: %+v", c)
		}
		if !e.Candidates[e.PickedIndex].Picked || e.Candidates[e.PickedIndex].Deployment != e.Picked {
			t.Fatalf("picked %q at %d: %+v", e.Picked, e.PickedIndex, e.Candidates)
		}
		var j struct {
			Picked     string `json:"picked"`
			Candidates []struct {
				Reason string `json:"reason"`
			} `json:"candidates"`
		}
		if err := json.Unmarshal([]byte(e.JSON), &j); err != nil || j.Picked != e.Picked || j.Candidates[2].Reason != "forced open" {
			t.Fatalf("json %q: %v", e.JSON, err)
		}
		p, err := r.Pick("m")
		if err != nil || p.Deployment != e.Picked {
			t.Fatalf("pick %+v %v, explained %q", p, err, e.Picked)
		}
		if err := r.Cancel(p.Ticket); err != nil {
			t.Fatal(err)
		}
	}
	// Trip a and b: nothing eligible, and the explanation says what a pick would return.
	for _, name := range []string{"a", "b"} {
		if err := r.SetOverride(name, llmroute.OverrideForceOpen); err != nil {
			t.Fatal(err)
		}
	}
	e, err := r.Explain("m", &llmroute.PickOptions{Exclude: []string{"a"}})
	if err != nil || e.Status != llmroute.ErrNoProvider || e.Picked != "" || e.PickedIndex != -1 || e.RetryAfter != -time.Millisecond {
		t.Fatalf("nothing eligible: %+v %v", e, err)
	}
	if _, err := r.Explain("nope", nil); !errors.Is(err, llmroute.ErrUnknownModel) {
		t.Fatalf("unknown model: %v", err)
	}
	if _, err := r.Explain("m", &llmroute.PickOptions{ExpectedInputTokens: -1}); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("bad options: %v", err)
	}
}

func TestPickWithDeadlineSkipsSlowDeploymentsAndFlagsTheFallback(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	r := newRouter(t, &o, dep("fast", 0, "m"), dep("slow", 0, "m"))
	for _, s := range []struct {
		name    string
		latency time.Duration
	}{{"fast", 200 * time.Millisecond}, {"slow", 900 * time.Millisecond}} {
		for {
			p, err := r.Pick("m")
			if err != nil {
				t.Fatal(err)
			}
			if p.Deployment != s.name {
				r.Cancel(p.Ticket)
				continue
			}
			if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, s.latency); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for i := 0; i < 6; i++ {
		p, err := r.PickWith("m", &llmroute.PickOptions{Deadline: 500 * time.Millisecond})
		if err != nil || p.Deployment != "fast" || p.DeadlineUnmet {
			t.Fatalf("deadline 500ms: %+v %v", p, err)
		}
		r.Cancel(p.Ticket)
		p, err = r.PickWith("m", &llmroute.PickOptions{Deadline: 100 * time.Millisecond})
		if err != nil || p.Deployment != "fast" || !p.DeadlineUnmet {
			t.Fatalf("deadline 100ms, none fits: %+v %v", p, err)
		}
		r.Cancel(p.Ticket)
	}
	e, err := r.Explain("m", &llmroute.PickOptions{Deadline: 500 * time.Millisecond})
	if err != nil || e.Candidates[1].Reason != "expected latency above deadline_ms" || e.DeadlineUnmet {
		t.Fatalf("explain with a deadline: %+v %v", e, err)
	}
	if _, err := r.PickWith("m", &llmroute.PickOptions{Deadline: -time.Millisecond}); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("negative deadline: %v", err)
	}
}
