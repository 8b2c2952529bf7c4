package llmroute_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func TestStatsSnapshot(t *testing.T) {
	r := newRouter(t, nil, dep("a", 0, "m"), dep("b", 0, "m"))
	r.SetAlias("alias", "m")
	outcomes := []llmroute.Outcome{llmroute.OutcomeSuccess, llmroute.OutcomeSuccess, llmroute.OutcomeRateLimited,
		llmroute.OutcomeServerError, llmroute.OutcomeTimeout, llmroute.OutcomeBadRequest}
	for _, o := range outcomes {
		p, err := r.Pick("alias")
		if err != nil {
			t.Fatal(err)
		}
		r.Report(p.Ticket, llmroute.Report{Outcome: o, Latency: 40 * time.Millisecond, InputTokens: 10, OutputTokens: 3})
	}
	p, _ := r.Pick("m")
	r.Cancel(p.Ticket)
	p, _ = r.Pick("m") // stays in flight
	st, err := r.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Deployments) != 2 || st.Deployments[0].Name != "a" || st.Deployments[1].Name != "b" {
		t.Fatalf("deployments %+v", st.Deployments)
	}
	var sum llmroute.DeploymentStats
	for _, d := range st.Deployments {
		if d.Picks != d.Successes+d.RateLimited+d.ServerErrors+d.Timeouts+d.ConnectionErrors+d.AuthErrors+
			d.BadRequests+d.ContextWindowExceeded+d.ContentPolicy+d.Cancels+d.InFlight {
			t.Errorf("%s: picks do not add up: %+v", d.Name, d)
		}
		sum.Picks += d.Picks
		sum.Successes += d.Successes
		sum.RateLimited += d.RateLimited
		sum.ServerErrors += d.ServerErrors
		sum.Timeouts += d.Timeouts
		sum.BadRequests += d.BadRequests
		sum.Cancels += d.Cancels
		sum.InFlight += d.InFlight
		sum.InputTokens += d.InputTokens
		sum.LatencyCount += d.LatencyCount
		if d.LatencyCount > 0 && (d.LatencyP50Ms < 36 || d.LatencyP50Ms > 44) {
			t.Errorf("%s: p50 %.1f ms for 40 ms samples", d.Name, d.LatencyP50Ms)
		}
	}
	if sum.Picks != 8 || sum.Successes != 2 || sum.RateLimited != 1 || sum.ServerErrors != 1 || sum.Timeouts != 1 ||
		sum.BadRequests != 1 || sum.Cancels != 1 || sum.InFlight != 1 || sum.InputTokens != 60 || sum.LatencyCount != 2 {
		t.Fatalf("totals %+v", sum)
	}
	if len(st.Models) != 1 || st.Models[0].Model != "m" || st.Models[0].Picks != 8 {
		t.Fatalf("models %+v", st.Models)
	}
	if st.ConfigsApplied != 0 || !strings.Contains(st.MetricsText, `llmroute_deployment_picks_total{deployment="a"}`) {
		t.Fatalf("config counts %d, metrics:\n%s", st.ConfigsApplied, st.MetricsText)
	}
	r.Cancel(p.Ticket)
	r.Close()
	if _, err := r.Stats(); !errors.Is(err, llmroute.ErrClosed) {
		t.Fatalf("stats after close: %v", err)
	}
}

func TestSharedStateStatusWithoutAndUnreachable(t *testing.T) {
	r := newRouter(t, nil)
	s, err := r.SharedStateStatus()
	if err != nil || s != (llmroute.SharedStateStatus{LastSync: -1}) {
		t.Fatalf("no shared state: %+v %v", s, err)
	}
	o := llmroute.DefaultOptions()
	// Nothing listens on port 9 (discard) of the loopback interface.
	o.SharedStateURL = "redis://:hunter2@127.0.0.1:9"
	o.SharedStateConnectTimeout = 200 * time.Millisecond
	r2, err := llmroute.New(&o)
	if err != nil {
		if strings.Contains(err.Error(), "hiredis") || strings.Contains(err.Error(), "without") {
			t.Skipf("library built without the Redis backend: %v", err)
		}
		t.Fatal(err)
	}
	defer r2.Close()
	s, err = r2.SharedStateStatus()
	if err != nil || !s.Enabled || s.Connected || s.Syncs != 0 || s.SyncFailures < 1 || s.LastSync >= 0 ||
		!strings.Contains(s.LastError, "127.0.0.1") || strings.Contains(s.LastError, "hunter2") {
		t.Fatalf("unreachable Redis: %+v %v", s, err)
	}
	// A bad option is rejected before anything starts, naming the field.
	o.SharedStateURL = "redis://127.0.0.1:9"
	o.SharedStateRateBatch = 2
	if _, err := llmroute.New(&o); !errors.Is(err, llmroute.ErrInvalidArgument) || !strings.Contains(err.Error(), "rate_batch") {
		t.Fatalf("rate batch 2: %v", err)
	}
}

func TestEnumNamesAreTheLibrarys(t *testing.T) {
	cases := map[string]string{
		llmroute.StrategyPeakEWMA.String():             "peak_ewma",
		llmroute.OutcomeContextWindowExceeded.String(): "context_window_exceeded",
		llmroute.BreakerHalfOpen.String():              "half_open",
		llmroute.FallbackContentPolicy.String():        "content_policy",
		llmroute.EventConfigRejected.String():          "config_rejected",
		llmroute.Strategy(99).String():                 "strategy(99)",
		llmroute.EventKind(7).String():                 "event_kind(7)",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	// "default" (0) means "the router's strategy" in options, but names no strategy: the library
	// refuses it like a configuration does.
	if _, err := llmroute.ParseStrategy("default"); !errors.Is(err, llmroute.ErrInvalidArgument) {
		t.Errorf(`ParseStrategy("default"): %v`, err)
	}
	for s := llmroute.StrategyDefault + 1; s <= llmroute.StrategyCost; s++ {
		if back, err := llmroute.ParseStrategy(s.String()); err != nil || back != s {
			t.Errorf("ParseStrategy(%q) = %v, %v", s.String(), back, err)
		}
	}
	if _, err := llmroute.ParseStrategy("fastest"); !errors.Is(err, llmroute.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "fastest") {
		t.Fatalf("unknown strategy: %v", err)
	}
}

// The Sentinel and Cluster URL forms are accepted and reported in the status (nothing listens on
// the ports: the router starts on local state and says which sentinels or nodes failed).
func TestSharedStateSentinelAndClusterURLs(t *testing.T) {
	o := llmroute.DefaultOptions()
	o.SharedStateConnectTimeout = 200 * time.Millisecond
	// Nothing listens on ports 9 (discard) and 7 (echo) of the loopback interface.
	o.SharedStateURL = "redis-sentinel://:hunter2@127.0.0.1:9,127.0.0.1:7#gw"
	r, err := llmroute.New(&o)
	if err != nil {
		if strings.Contains(err.Error(), "hiredis") || strings.Contains(err.Error(), "without") {
			t.Skipf("library built without the Redis backend: %v", err)
		}
		t.Fatal(err)
	}
	s, err := r.SharedStateStatus()
	r.Close()
	if err != nil || !s.Enabled || s.Connected || s.Topology != 1 || s.Server != "" ||
		!strings.Contains(s.LastError, "no sentinel of redis-sentinel://:***@127.0.0.1:9,127.0.0.1:7#gw") ||
		!strings.Contains(s.LastError, "127.0.0.1:7") || strings.Contains(s.LastError, "hunter2") {
		t.Fatalf("sentinel: %+v %v", s, err)
	}
	o.SharedStateURL = "redis-cluster://127.0.0.1:9"
	r, err = llmroute.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	s, err = r.SharedStateStatus()
	r.Close()
	if err != nil || !s.Enabled || s.Connected || s.Topology != 2 || s.Failovers != 0 ||
		!strings.Contains(s.LastError, "no node of Redis Cluster redis-cluster://127.0.0.1:9") {
		t.Fatalf("cluster: %+v %v", s, err)
	}
	o.SharedStateURL = "redis-sentinel://127.0.0.1:9"
	if _, err := llmroute.New(&o); !errors.Is(err, llmroute.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "the master name is missing") {
		t.Fatalf("no master name: %v", err)
	}
}
