package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPrometheusClientParsesMetrics: /metrics, the gateway's families included (the shared
// state ones too), parses with prometheus_client, the reference parser, with the types declared.
func TestPrometheusClientParsesMetrics(t *testing.T) {
	python := sdkPython(t)
	if exec.Command(python, "-c", "import prometheus_client.parser").Run() != nil {
		t.Fatalf("%s has no prometheus_client (pip install prometheus_client)", python)
	}
	tg := startInProcess(t, map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil)}, map[string][]string{"a": {"m"}}, nil)
	tg.gw.shared.read = func() (sharedState, error) {
		return sharedState{Enabled: true, Connected: true, LastSyncAge: 120 * time.Millisecond, Syncs: 4, Connections: 1}, nil
	}
	post(t, tg.srv.URL, `{"model":"m"}`)
	post(t, tg.srv.URL, `{"model":"nope"}`)
	cmd := exec.Command(python, "testdata/parse_metrics.py")
	cmd.Stdin = strings.NewReader(tg.metrics(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("prometheus_client rejects /metrics: %v\n%s", err, out)
	}
	var families map[string]struct {
		Type    string              `json:"type"`
		Samples [][]json.RawMessage `json:"samples"`
	}
	if err := json.Unmarshal(out, &families); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for name, typ := range map[string]string{
		// prometheus_client names counter families without _total
		"gateway_responses": "counter", "gateway_failovers": "counter",
		"gateway_broken_streams": "counter", "gateway_no_upstream_picks": "counter",
		"gateway_config_reloads": "counter", "gateway_overhead_seconds": "histogram",
		"gateway_shared_state_connected": "gauge", "gateway_shared_state_last_sync_age_seconds": "gauge",
		"gateway_shared_state_syncs": "counter", "gateway_shared_state_transitions": "counter",
		"llmroute_deployment_picks": "counter",
	} {
		f, ok := families[name]
		if !ok || f.Type != typ {
			t.Errorf("%s: %+v, want a %s", name, f, typ)
		}
	}
	// The histogram: 12 buckets, _count and _sum; two requests observed.
	h := families["gateway_overhead_seconds"]
	if len(h.Samples) != 14 {
		t.Errorf("gateway_overhead_seconds has %d samples", len(h.Samples))
	}
	for _, s := range h.Samples {
		var v float64
		json.Unmarshal(s[2], &v)
		if string(s[0]) == `"gateway_overhead_seconds_count"` && v != 2 {
			t.Errorf("count %s, want 2", s[2])
		}
	}
}
