package llmroute_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func priced(name string, in, out float64, tags ...string) llmroute.Deployment {
	return llmroute.Deployment{Name: name, Models: []string{"m"}, Tags: tags,
		Cost: &llmroute.Cost{PerMillionInput: in, PerMillionOutput: out}}
}

func pickOrFail(t *testing.T, r *llmroute.Router, o *llmroute.PickOptions) llmroute.Pick {
	t.Helper()
	p, err := r.PickWith("m", o)
	if err != nil {
		t.Fatalf("PickWith(%+v): %v", o, err)
	}
	if err := r.Cancel(p.Ticket); err != nil {
		t.Fatal(err)
	}
	return p
}

// The same affinity key keeps its deployment under round robin; the key moves only while its
// deployment is ineligible, and comes back.
func TestPickWithAffinityKeyIsSticky(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"), dep("c", 0, "m"))
	first := pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: "conversation-42"}).Deployment
	for i := 0; i < 30; i++ {
		if got := pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: "conversation-42"}).Deployment; got != first {
			t.Fatalf("pick %d of the same key went to %s, first to %s", i, got, first)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 60; i++ {
		seen[pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: fmt.Sprintf("user-%d", i)}).Deployment] = true
	}
	if len(seen) != 3 {
		t.Fatalf("60 keys reached %v, want all 3 deployments", seen)
	}
	if err := r.SetOverride(first, llmroute.OverrideForceOpen); err != nil {
		t.Fatal(err)
	}
	if got := pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: "conversation-42"}).Deployment; got == first {
		t.Fatalf("key stayed on forced-open %s", first)
	}
	if err := r.SetOverride(first, llmroute.OverrideAuto); err != nil {
		t.Fatal(err)
	}
	if got := pickOrFail(t, r, &llmroute.PickOptions{AffinityKey: "conversation-42"}).Deployment; got != first {
		t.Fatalf("key did not come back to %s (got %s)", first, got)
	}
}

func TestPickWithRequiredTagsAndExclusions(t *testing.T) {
	r := newRouter(t, nil, priced("eu-1", 1, 1, "eu", "zdr"), priced("eu-2", 1, 1, "eu"), priced("us", 1, 1, "us"))
	for i := 0; i < 12; i++ {
		if got := pickOrFail(t, r, &llmroute.PickOptions{RequiredTags: []string{"eu", "zdr"}}).Deployment; got != "eu-1" {
			t.Fatalf("tags eu+zdr picked %s", got)
		}
		got := pickOrFail(t, r, &llmroute.PickOptions{RequiredTags: []string{"eu"}, Exclude: []string{"eu-1"}}).Deployment
		if got != "eu-2" {
			t.Fatalf("tag eu without eu-1 picked %s", got)
		}
	}
	if _, err := r.PickWith("m", &llmroute.PickOptions{RequiredTags: []string{"apac"}}); !errors.Is(err, llmroute.ErrNoProvider) {
		t.Fatalf("no deployment tagged apac: %v", err)
	}
	// nil options are a plain pick.
	if p, err := r.PickWith("m", nil); err != nil || p.Ticket == 0 {
		t.Fatalf("nil options: %+v %v", p, err)
	}
}

// MaxPrice keeps only the deployments whose price for the expected tokens is within the cap;
// StrategyCost ranks by the request's price.
func TestPickWithMaxPriceAndCost(t *testing.T) {
	o := llmroute.DefaultOptions()
	o.Strategy = llmroute.StrategyCost
	// Per 1M tokens: cheap-in costs 1 input / 30 output, cheap-out 10 / 2.
	r := newRouter(t, &o, priced("cheap-in", 1, 30), priced("cheap-out", 10, 2),
		llmroute.Deployment{Name: "unpriced", Models: []string{"m"}})
	prompt := &llmroute.PickOptions{ExpectedInputTokens: 100000, ExpectedOutputTokens: 100}
	if got := pickOrFail(t, r, prompt).Deployment; got != "cheap-in" {
		t.Fatalf("input-heavy request went to %s", got)
	}
	completion := &llmroute.PickOptions{ExpectedInputTokens: 100, ExpectedOutputTokens: 100000}
	if got := pickOrFail(t, r, completion).Deployment; got != "cheap-out" {
		t.Fatalf("output-heavy request went to %s", got)
	}
	// 1000 + 1000 tokens: cheap-in costs 0.031, cheap-out 0.012; a cap of 0.02 leaves cheap-out.
	capped := &llmroute.PickOptions{ExpectedInputTokens: 1000, ExpectedOutputTokens: 1000, MaxPrice: 0.02}
	for i := 0; i < 10; i++ {
		if got := pickOrFail(t, r, capped).Deployment; got != "cheap-out" {
			t.Fatalf("capped pick went to %s", got)
		}
	}
	capped.MaxPrice = 0.001
	if _, err := r.PickWith("m", capped); !errors.Is(err, llmroute.ErrNoProvider) {
		t.Fatalf("a cap nobody meets: %v", err)
	}
	_, err := r.PickWith("m", &llmroute.PickOptions{MaxPrice: 1})
	var e *llmroute.Error
	if !errors.As(err, &e) || e.Status != llmroute.ErrInvalidArgument {
		t.Fatalf("max price without expected tokens: %v", err)
	}
	t.Logf("max price without tokens: %v", err)
}

func TestDeploymentCostIsValidated(t *testing.T) {
	r := newRouter(t, nil)
	err := r.AddDeployment(llmroute.Deployment{Name: "x", Models: []string{"m"},
		Cost: &llmroute.Cost{PerMillionInput: 1, PerMillionOutput: math.NaN()}})
	if !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("NaN price: %v", err)
	}
	if _, err := r.Health("x"); !errors.Is(err, llmroute.ErrNotFound) {
		t.Fatalf("rejected deployment was added: %v", err)
	}
}
