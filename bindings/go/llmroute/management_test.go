package llmroute_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func TestFeatureEnabled(t *testing.T) {
	redis, err := llmroute.FeatureEnabled("redis")
	if err != nil {
		t.Fatal(err)
	}
	// The answer matches what the library does: a Redis URL is accepted only with the feature.
	o := llmroute.DefaultOptions()
	o.SharedStateURL = "redis://127.0.0.1:9" // nothing listens on the discard port
	r, err := llmroute.New(&o)
	if (err == nil) != redis {
		t.Fatalf("feature redis = %v, but a router with a Redis URL: %v", redis, err)
	}
	if r != nil {
		r.Close()
	}
	if _, err := llmroute.FeatureEnabled("no-such-feature"); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("unknown feature: %v", err)
	}
}

func TestLibraryVersion(t *testing.T) {
	n := llmroute.LibraryVersionNumber()
	want := fmt.Sprintf("%d.%d.%d", n/1000000, n/1000%1000, n%1000)
	if got := llmroute.LibraryVersion(); got != want {
		t.Fatalf("version string %q, number %d", got, n)
	}
	if h := llmroute.HeaderVersionNumber(); h/1000000 != n/1000000 {
		t.Fatalf("header major %d, library %d", h, n)
	}
}

// UpdateDeployment changes tier and weight and keeps the deployment's health.
func TestUpdateDeploymentKeepsHealth(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"))
	for i := 0; i < 4; i++ {
		p, _ := r.Pick("m")
		r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond)
	}
	before, _ := r.Health("a")
	if err := r.UpdateDeployment(llmroute.Deployment{Name: "a", Models: []string{"m"}, Tier: 1, Weight: 3}); err != nil {
		t.Fatal(err)
	}
	h, _ := r.Health("a")
	if h.Tier != 1 || h.Weight != 3 || h.Picks != before.Picks || h.Successes != before.Successes {
		t.Fatalf("after update %+v (before %+v)", h, before)
	}
	for i := 0; i < 6; i++ {
		if got := pickOrFail(t, r, nil).Deployment; got != "b" {
			t.Fatalf("tier 0 is b alone now, got %s", got)
		}
	}
	if err := r.UpdateDeployment(dep("nope", 0, "m")); !errors.Is(err, llmroute.ErrNotFound) {
		t.Fatalf("update of an unknown deployment: %v", err)
	}
}

func TestRemoveAlias(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"))
	if err := r.SetAlias("short", "m"); err != nil {
		t.Fatal(err)
	}
	if p := pickOrFailModel(t, r, "short"); p.Model != "m" {
		t.Fatalf("alias: %+v", p)
	}
	if err := r.RemoveAlias("short"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Pick("short"); !errors.Is(err, llmroute.ErrUnknownModel) {
		t.Fatalf("pick of a removed alias: %v", err)
	}
	if err := r.RemoveAlias("short"); !errors.Is(err, llmroute.ErrNotFound) {
		t.Fatalf("second removal: %v", err)
	}
}

func pickOrFailModel(t *testing.T, r *llmroute.Router, model string) llmroute.Pick {
	t.Helper()
	p, err := r.Pick(model)
	if err != nil {
		t.Fatal(err)
	}
	r.Cancel(p.Ticket)
	return p
}

// A model's own strategy overrides the router's: weighted 1:3 under a round-robin router, then
// StrategyDefault returns the model to round robin.
func TestSetModelStrategy(t *testing.T) {
	r := newRouter(t, nil, llmroute.Deployment{Name: "light", Models: []string{"m"}, Weight: 1},
		llmroute.Deployment{Name: "heavy", Models: []string{"m"}, Weight: 3})
	count := func() map[string]int {
		c := map[string]int{}
		for i := 0; i < 40; i++ {
			c[pickOrFailModel(t, r, "m").Deployment]++
		}
		return c
	}
	if c := count(); c["light"] != 20 || c["heavy"] != 20 {
		t.Fatalf("round robin: %v", c)
	}
	if err := r.SetModelStrategy("m", llmroute.StrategyWeighted); err != nil {
		t.Fatal(err)
	}
	if c := count(); c["light"] != 10 || c["heavy"] != 30 {
		t.Fatalf("weighted 1:3: %v", c)
	}
	if err := r.SetModelStrategy("m", llmroute.StrategyDefault); err != nil {
		t.Fatal(err)
	}
	if c := count(); c["light"] != 20 || c["heavy"] != 20 {
		t.Fatalf("back to round robin: %v", c)
	}
}

// A context-window failure moves the call to the model's context-window chain, not the general
// one.
func TestSetFallbacksForContextWindow(t *testing.T) {
	r := newRouter(t, nil, dep("small", 0, "small"), dep("large", 0, "large"), dep("other", 0, "other"))
	r.SetAdapter("small", &fakeProvider{name: "small", fail: llmroute.OutcomeContextWindowExceeded})
	r.SetAdapter("large", &fakeProvider{name: "large"})
	r.SetAdapter("other", &fakeProvider{name: "other"})
	if err := r.SetFallbacks("small", "other"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetFallbacksFor("small", llmroute.FallbackContextWindow, "large"); err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(context.Background(), "small", []byte("long prompt"), fast)
	if err != nil || res.Deployment != "large" || !res.UsedFallback {
		t.Fatalf("%+v %v", res, err)
	}
	if err := r.SetFallbacksFor("small", llmroute.FallbackContextWindow, "small"); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("a model listing itself: %v", err)
	}
}

// A router created from a configuration file by the library, whose router_settings apply: the
// strategy and the breaker's two failures.
func TestNewFromConfigFileWithRouterSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "llmroute.json")
	if err := os.WriteFile(path, []byte(twoDeployments), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := llmroute.NewFromConfigFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 2; i++ {
		p, err := r.Pick("gpt-4o")
		if err != nil || p.Deployment != "a" {
			t.Fatalf("pick %d: %+v %v", i, p, err)
		}
		r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	}
	if h, _ := r.Health("a"); h.State != llmroute.BreakerOpen {
		t.Fatalf("router_settings.breaker.consecutive_failures 2 should have tripped a: %+v", h)
	}
	st, _ := r.Stats()
	if st.ConfigsApplied != 1 {
		t.Fatalf("the file counts as the first configuration applied: %d", st.ConfigsApplied)
	}
}

// The hot path allocates nothing: Pick + Report, and Pick + Cancel, of a model name that is
// already on the heap (a constant here).
func TestPickReportAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates; CTest's go.norace runs this without it")
	}
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"))
	allocs := testing.AllocsPerRun(1000, func() {
		p, err := r.Pick("m")
		if err != nil {
			t.Fatal(err)
		}
		if err := r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		p, _ = r.Pick("m")
		r.Cancel(p.Ticket)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per pick + report + pick + cancel", allocs)
	}
}
