package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// vllmV1Metrics is what a vLLM V1 server's /metrics looks like (trimmed; HELP/TYPE lines,
// labels, a histogram that must be skipped).
func vllmV1Metrics(waiting, running int, kv float64) string {
	return fmt.Sprintf(`# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-8B"} %d.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="Qwen/Qwen3-8B"} %d.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen3-8B"} %g
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="Qwen/Qwen3-8B"} 0.0
vllm:time_to_first_token_seconds_count{model_name="Qwen/Qwen3-8B"} 12.0
`, running, waiting, kv)
}

func TestParseVLLMMetricsBothGenerations(t *testing.T) {
	got, err := parseVLLMMetrics(strings.NewReader(vllmV1Metrics(7, 3, 0.42)))
	if err != nil || got != (llmroute.EngineLoad{Waiting: 7, Running: 3, KVCacheUtilization: 0.42}) {
		t.Fatalf("V1: %+v %v", got, err)
	}
	// Before V1 the usage gauge was vllm:gpu_cache_usage_perc; two model series are summed.
	legacy := `vllm:num_requests_waiting{model_name="a"} 2
vllm:num_requests_waiting{model_name="b"} 5
vllm:num_requests_running{model_name="a"} 1
vllm:gpu_cache_usage_perc{model_name="a"} 0.25
vllm:gpu_cache_usage_perc{model_name="b"} 0.75
`
	got, err = parseVLLMMetrics(strings.NewReader(legacy))
	if err != nil || got != (llmroute.EngineLoad{Waiting: 7, Running: 1, KVCacheUtilization: 0.75}) {
		t.Fatalf("legacy: %+v %v", got, err)
	}
	if _, err := parseVLLMMetrics(strings.NewReader("up 1\n")); err == nil {
		t.Fatal("an exposition without vLLM gauges must be an error")
	}
}

// fakeEngine serves /metrics with a load the test sets.
type fakeEngine struct {
	srv     *httptest.Server
	mu      sync.Mutex
	body    string
	scrapes int
}

func newFakeEngine(t *testing.T, body string) *fakeEngine {
	e := &fakeEngine{body: body}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		e.scrapes++
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, e.body)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *fakeEngine) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.scrapes
}

func (e *fakeEngine) set(body string) {
	e.mu.Lock()
	e.body = body
	e.mu.Unlock()
}

func TestGatewayScrapesVLLMMetricsIntoTheRouter(t *testing.T) {
	busy := newFakeEngine(t, vllmV1Metrics(40, 16, 0.95))
	idle := newFakeEngine(t, vllmV1Metrics(0, 2, 0.10))
	raw := fmt.Sprintf(`{"_gateway": {"engine_scrape_interval_ms": 20, "upstreams": {
	    "busy": {"base_url": %q, "engine": "vllm"},
	    "idle": {"base_url": %q, "engine": "vllm"},
	    "api":  {"base_url": "http://127.0.0.1:1/v1"}}},
	  "router_settings": {"strategy": "engine_aware"},
	  "deployments": [{"name": "busy", "models": ["m"]}, {"name": "idle", "models": ["m"]},
	                  {"name": "api", "models": ["other"]}]}`, busy.srv.URL+"/v1", idle.srv.URL+"/v1")
	c, err := parseConfig([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := engineTargets(c); len(got) != 2 || got[0].url != busy.srv.URL+"/metrics" {
		t.Fatalf("targets %+v (the api upstream is not an engine)", got)
	}
	r, err := llmroute.NewFromConfig(c.raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	g := newGateway(r, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		g.scrapeEngines(ctx, 20*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	defer func() { cancel(); <-done }()

	// Until the first scrape lands both look alike; afterwards every pick avoids the busy one.
	want := func(deployment string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			ok := true
			for i := 0; i < 20 && ok; i++ {
				p, err := r.Pick("m")
				if err != nil {
					t.Fatal(err)
				}
				ok = p.Deployment == deployment
				r.Cancel(p.Ticket)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("picks did not move to %s", deployment)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	want("idle")
	// The engines' loads swap: the next scrapes move the traffic.
	busy.set(vllmV1Metrics(0, 1, 0.05))
	idle.set(vllmV1Metrics(50, 20, 0.97))
	want("busy")
	if busy.count() == 0 || idle.count() == 0 {
		t.Fatal("engines were not scraped")
	}
}

func TestEngineConfigIsChecked(t *testing.T) {
	deps := `"deployments":[{"name":"a","models":["m"]}]`
	for _, c := range []struct{ json, want string }{
		{`{"_gateway":{"upstreams":{"a":{"base_url":"http://x","engine":"tgi"}}},` + deps + `}`, `engine: must be "vllm"`},
		{`{"_gateway":{"upstreams":{"a":{"base_url":"http://x","engine":"vllm","metrics_url":"x"}}},` + deps + `}`, "metrics_url: must be an http(s) URL"},
		{`{"_gateway":{"engine_scrape_interval_ms":5,"upstreams":{"a":{"base_url":"http://x"}}},` + deps + `}`, "engine_scrape_interval_ms"},
	} {
		if _, err := parseConfig([]byte(c.json)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.json, err, c.want)
		}
	}
	c, err := parseConfig([]byte(`{"_gateway":{"upstreams":{"a":{"base_url":"http://x:8000/v1","engine":"vllm","metrics_url":"http://x:9000/m"}}},` + deps + `}`))
	if err != nil || engineTargets(c)[0].url != "http://x:9000/m" || c.gateway.EngineScrapeIntervalMs != 1000 {
		t.Fatalf("%+v %v", c, err)
	}
}
