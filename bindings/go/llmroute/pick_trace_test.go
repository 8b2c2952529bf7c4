package llmroute_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// A traced pick is a real pick (a ticket, a moved rotation) whose explanation names the
// deployment it took; a failed one explains the failure; bad options are refused.
func TestPickTracedIsARealPickThatNamesWhatItTook(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"), dep("c", 0, "m"))
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		p, e, err := r.PickTraced("m", nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.Picked != p.Deployment || e.Approximate || e.Status != llmroute.OK || len(e.Candidates) != 3 {
			t.Fatalf("pick %+v, trace %+v", p, e)
		}
		if c := e.Candidates[e.PickedIndex]; !c.Picked || c.Deployment != p.Deployment || c.Rank != 0 || c.InFlight != 0 {
			t.Fatalf("picked candidate %+v", c)
		}
		var j struct {
			Picked string `json:"picked"`
		}
		if err := json.Unmarshal([]byte(e.JSON), &j); err != nil || j.Picked != p.Deployment {
			t.Fatalf("json %q: %v", e.JSON, err)
		}
		seen[p.Deployment] = true
		if err := r.Cancel(p.Ticket); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 3 { // round robin moved: these were real picks
		t.Fatalf("picked %v", seen)
	}
	// Tags no deployment carries: the pick fails, and the trace says why.
	_, e, err := r.PickTraced("m", &llmroute.PickOptions{RequiredTags: []string{"eu"}})
	if !errors.Is(err, llmroute.ErrNoProvider) || e.Status != llmroute.ErrNoProvider || e.Picked != "" ||
		e.Candidates[0].Reason != "missing a required tag" {
		t.Fatalf("failed traced pick: %+v %v", e, err)
	}
	if _, e, err := r.PickTraced("nope", nil); !errors.Is(err, llmroute.ErrUnknownModel) || e.Model != "" {
		t.Fatalf("unknown model: %+v %v", e, err)
	}
	if _, _, err := r.PickTraced("m", &llmroute.PickOptions{ExpectedInputTokens: -1}); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("bad options: %v", err)
	}
	for _, name := range []string{"a", "b", "c"} {
		h, err := r.Health(name)
		if err != nil || h.InFlight != 0 || h.Picks != 1 {
			t.Fatalf("%s: %+v %v", name, h, err)
		}
	}
}

// Explain reads the prefix hashes as PickWith does: engine_aware's explanation names the
// deployment recently sent the prompt, which the real pick takes.
func TestExplainWithPrefixHashesNamesTheDeploymentPickWithTakes(t *testing.T) {
	o := llmroute.DefaultOptions()
	o.Strategy = llmroute.StrategyEngineAware
	r := newRouter(t, &o, dep("d0", 0, "m"), dep("d1", 0, "m"))
	hashes, err := llmroute.PrefixHashes(make([]byte, 64*8), 64, llmroute.PrefixHashesMax)
	if err != nil || len(hashes) != 8 {
		t.Fatalf("hashes %v %v", hashes, err)
	}
	p, err := r.PickWith("m", &llmroute.PickOptions{Exclude: []string{"d0"}, PrefixHashes: hashes})
	if err != nil || p.Deployment != "d1" {
		t.Fatalf("seed pick %+v %v", p, err)
	}
	if err := r.Cancel(p.Ticket); err != nil {
		t.Fatal(err)
	}
	opts := &llmroute.PickOptions{PrefixHashes: hashes}
	e, err := r.Explain("m", opts)
	if err != nil || e.Picked != "d1" || e.ScoreKind != "engine_merit" || !(e.Candidates[1].Score > e.Candidates[0].Score) {
		t.Fatalf("explain %+v %v", e, err)
	}
	p, trace, err := r.PickTraced("m", opts)
	if err != nil || p.Deployment != "d1" || trace.Picked != "d1" {
		t.Fatalf("traced pick %+v %+v %v", p, trace, err)
	}
	r.Cancel(p.Ticket)
	p, err = r.PickWith("m", opts)
	if err != nil || p.Deployment != "d1" {
		t.Fatalf("pick %+v %v", p, err)
	}
	r.Cancel(p.Ticket)
}
