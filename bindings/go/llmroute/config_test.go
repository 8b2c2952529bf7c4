package llmroute_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

const twoDeployments = `{
  "_comment": "keys starting with _ are ignored",
  "router_settings": {"strategy": "round_robin", "breaker": {"consecutive_failures": 2, "jitter": 0}},
  "deployments": [
    {"name": "a", "models": ["gpt-4o*"]},
    {"name": "b", "models": ["gpt-4o"], "tier": 1}
  ],
  "aliases": {"gpt-4": "gpt-4o"}
}`

func TestNewFromConfig(t *testing.T) {
	clock := &fakeClock{}
	o := llmroute.DefaultOptions()
	o.Clock = clock
	r, err := llmroute.NewFromConfig([]byte(twoDeployments), &o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := r.Pick("gpt-4") // alias -> gpt-4o -> tier 0 first
	if err != nil || p.Deployment != "a" || p.Model != "gpt-4o" {
		t.Fatalf("pick: %+v %v", p, err)
	}
	r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	// The configuration's breaker setting (2 failures) won over the options' default (5).
	p, _ = r.Pick("gpt-4o")
	r.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	if h, _ := r.Health("a"); h.State != llmroute.BreakerOpen {
		t.Fatalf("a should be open after 2 failures: %+v", h)
	}
	if p, err := r.Pick("gpt-4o"); err != nil || p.Deployment != "b" {
		t.Fatalf("tier 1 while a cools down: %+v %v", p, err)
	} else {
		r.Cancel(p.Ticket)
	}
}

func TestRejectedConfigNamesThePath(t *testing.T) {
	bad := []byte(`{"deployments": [{"name": "a", "models": ["m"], "weight": 0}]}`)
	for name, err := range map[string]error{
		"validate": llmroute.ValidateConfig(bad),
		"new": func() error {
			r, err := llmroute.NewFromConfig(bad, nil)
			if r != nil {
				r.Close()
			}
			return err
		}(),
	} {
		var e *llmroute.Error
		if !errors.As(err, &e) || !errors.Is(err, llmroute.ErrConfig) ||
			!strings.HasPrefix(e.Message, "$.deployments[0].weight") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := llmroute.ValidateConfig([]byte(twoDeployments)); err != nil {
		t.Errorf("a valid configuration: %v", err)
	}
	if _, err := llmroute.NewFromConfigFile(filepath.Join(t.TempDir(), "missing.json"), nil); !errors.Is(err, llmroute.ErrConfig) {
		t.Errorf("missing file: %v", err)
	}
}

func TestApplyConfigKeepsHealthAndSwapsDeployments(t *testing.T) {
	r, err := llmroute.NewFromConfig([]byte(twoDeployments), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, _ := r.Pick("gpt-4o")
	r.ReportOutcome(p.Ticket, llmroute.OutcomeSuccess, 5*time.Millisecond)

	// Remove b, add c; a stays and keeps its counts. From a file, through the library.
	path := filepath.Join(t.TempDir(), "llmroute.json")
	next := strings.Replace(twoDeployments, `{"name": "b", "models": ["gpt-4o"], "tier": 1}`,
		`{"name": "c", "models": ["gpt-4o"]}`, 1)
	if err := os.WriteFile(path, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.ApplyConfigFile(path); err != nil {
		t.Fatal(err)
	}
	hs, _ := r.HealthList()
	if len(hs) != 2 || hs[0].Name != "a" || hs[0].Successes != 1 || hs[1].Name != "c" {
		t.Fatalf("after reload: %+v", hs)
	}
	// A rejected reload changes nothing.
	err = r.ApplyConfig([]byte(`{"deployments": [{"name": "a", "models": ["gpt-4o"], "wieght": 2}]}`))
	if !errors.Is(err, llmroute.ErrConfig) || !strings.Contains(err.Error(), "wieght") {
		t.Fatalf("typo: %v", err)
	}
	if hs, _ := r.HealthList(); len(hs) != 2 {
		t.Fatalf("a rejected configuration was applied: %+v", hs)
	}
	if err := r.ApplyConfigFile(path + ".missing"); !errors.Is(err, llmroute.ErrConfig) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestMetricsText(t *testing.T) {
	r, err := llmroute.NewFromConfig([]byte(twoDeployments), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := r.Pick("gpt-4o")
	r.ReportOutcome(p.Ticket, llmroute.OutcomeRateLimited, time.Millisecond)
	text, err := r.MetricsText()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE llmroute_deployment_picks_total counter",
		`llmroute_deployment_picks_total{deployment="a"} 1`,
		`llmroute_deployment_requests_total{deployment="a",outcome="rate_limited"} 1`,
		"llmroute_config_applied_total 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	r.Close()
	if _, err := r.MetricsText(); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("closed router: %v", err)
	}
	if err := r.ApplyConfig([]byte(twoDeployments)); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Fatalf("closed router: %v", err)
	}
}
