package main

// What an operator relies on: probes, the access log, -check-config, the gateway's own metrics.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func getStatus(t *testing.T, url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestProbes(t *testing.T) {
	fakes := map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil), "b": newFake(t, "b", 0, nil)}
	tg := startInProcess(t, fakes, map[string][]string{"a": {"m"}, "b": {"m"}}, nil)
	check := func(path string, wantCode int, wantBody string) {
		t.Helper()
		code, body := getStatus(t, tg.srv.URL+path)
		if code != wantCode || !strings.Contains(body, wantBody) {
			t.Errorf("%s: %d %s, want %d with %s", path, code, body, wantCode, wantBody)
		}
	}
	check("/livez", 200, `"status":"live"`)
	check("/readyz", 200, `"eligible_deployments":2`)
	check("/healthz", 200, `"status":"ok"`)

	tg.router.SetOverride("a", llmroute.OverrideForceOpen)
	check("/readyz", 200, `"eligible_deployments":1`)
	// Nothing can serve: not ready (a load balancer takes the instance out), still live, and
	// /healthz keeps its 200 with "degraded" as before.
	tg.router.SetOverride("b", llmroute.OverrideForceOpen)
	check("/readyz", 503, `"status":"not_ready"`)
	check("/livez", 200, `"status":"live"`)
	check("/healthz", 200, `"status":"degraded"`)
	if resp, _ := post(t, tg.srv.URL, `{"model":"m"}`); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a request while not ready: %d", resp.StatusCode)
	}

	tg.router.SetOverride("b", llmroute.OverrideAuto)
	check("/readyz", 200, `"status":"ready"`)
}

func TestAccessLog(t *testing.T) {
	down := newFake(t, "down", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		http.Error(w, `{"error":{"message":"unavailable"}}`, http.StatusServiceUnavailable)
		return true
	})
	ok := newFake(t, "ok", 0, nil)
	// "down" is the only deployment of "m", whose fallback "m2" is served by "ok": every request
	// to "m" fails over, in a known order.
	tg := startInProcessWith(t, map[string]*fakeUpstream{"down": down, "ok": ok},
		map[string][]string{"down": {"m"}, "ok": {"m2"}}, map[string]any{"max_attempts": 2},
		map[string]any{"fallbacks": map[string]any{"m": []string{"m2"}}})
	post(t, tg.srv.URL, `{"model":"m","stream":true}`)
	post(t, tg.srv.URL, `{"model":"m2"}`)
	post(t, tg.srv.URL, `{"model":"nope"}`)

	lines := tg.logLines(t, "request")
	if len(lines) != 3 {
		t.Fatalf("%d access log lines, want 3:\n%s", len(lines), tg.log.String())
	}
	failedOver := lines[0]
	want := map[string]any{"model": "m", "routed_model": "m2", "deployment": "ok", "attempts": 2.0,
		"status": 200.0, "outcome": "success", "stream": true, "input_tokens": 11.0, "output_tokens": 3.0}
	for k, v := range want {
		if failedOver[k] != v {
			t.Errorf("access log %s = %v, want %v (%v)", k, failedOver[k], v, failedOver)
		}
	}
	if l := lines[1]; l["model"] != "m2" || l["attempts"] != 1.0 || l["stream"] != false || l["status"] != 200.0 {
		t.Errorf("a direct request logged as %v", l)
	}
	for _, k := range []string{"latency_ms", "ttft_ms", "overhead_ms"} {
		if v, ok := failedOver[k].(float64); !ok || v < 0 {
			t.Errorf("access log %s = %v", k, failedOver[k])
		}
	}
	if l := lines[2]; l["model"] != "nope" || l["status"] != 404.0 || l["outcome"] != "model_not_found" || l["attempts"] != 0.0 {
		t.Errorf("unknown model logged as %v", l)
	}
	// The gateway's own latency is observed once per request that reached the routing.
	if n := metric(tg.metrics(t), "gateway_overhead_seconds_count", ""); n != 3 {
		t.Errorf("gateway_overhead_seconds_count %v, want 3", n)
	}
}

func TestAccessLogCanBeTurnedOff(t *testing.T) {
	tg := startInProcess(t, map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil)}, map[string][]string{"a": {"m"}}, nil)
	tg.gw.access = nil // -access-log=false
	post(t, tg.srv.URL, `{"model":"m"}`)
	if n := len(tg.logLines(t, "request")); n != 0 {
		t.Errorf("%d access log lines with the access log off", n)
	}
}

func TestOverheadHistogram(t *testing.T) {
	var h histogram
	for _, us := range []int{10, 50, 70, 400, 2000000} { // 10 µs .. 2 s
		h.observe(time.Duration(us) * time.Microsecond)
	}
	var b strings.Builder
	h.write(&b, "x_seconds", "help")
	text := b.String()
	for _, c := range []struct {
		le   string
		want float64
	}{{"5e-05", 2}, {"0.0001", 3}, {"0.00025", 3}, {"0.0005", 4}, {"0.1", 4}, {"+Inf", 5}} {
		if got := metric(text, "x_seconds_bucket", `{le="`+c.le+`"}`); got != c.want {
			t.Errorf("le=%s: %v, want %v\n%s", c.le, got, c.want, text)
		}
	}
	if sum := metric(text, "x_seconds_sum", ""); sum < 2.0005 || sum > 2.0006 {
		t.Errorf("sum %v", sum)
	}
	if !strings.Contains(text, "# TYPE x_seconds histogram\n") {
		t.Errorf("no TYPE line:\n%s", text)
	}
}

// TestMetricsHasEveryCounter: every family the gateway adds is in /metrics with HELP and TYPE.
func TestMetricsHasEveryCounter(t *testing.T) {
	tg := startInProcess(t, map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil)}, map[string][]string{"a": {"m"}}, nil)
	post(t, tg.srv.URL, `{"model":"m"}`)
	text := tg.metrics(t)
	for _, name := range []string{"gateway_responses_total", "gateway_failovers_total",
		"gateway_client_disconnects_total", "gateway_broken_streams_total",
		"gateway_no_upstream_picks_total", "gateway_config_reloads_total", "gateway_overhead_seconds"} {
		if !strings.Contains(text, "# HELP "+name+" ") || !strings.Contains(text, "# TYPE "+name+" ") {
			t.Errorf("%s is not in /metrics", name)
		}
	}
	// No shared state configured: no gateway_shared_state_* family at all.
	if strings.Contains(text, "gateway_shared_state_") {
		t.Errorf("shared state metrics without a shared state:\n%s", text)
	}
}

func TestNoUpstreamPickIsCountedAndRetried(t *testing.T) {
	fakes := map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil), "b": newFake(t, "b", 0, nil)}
	// "a" is the only deployment of "m" (so it is picked first), "b" serves its fallback "m2".
	tg := startInProcessWith(t, fakes, map[string][]string{"a": {"m"}, "b": {"m2"}},
		map[string]any{"max_attempts": 2}, map[string]any{"fallbacks": map[string]any{"m": []string{"m2"}}})
	// As during a reload: llmroute knows a deployment the gateway has no upstream for yet.
	st := *tg.gw.state.Load()
	st.upstreams = map[string]*upstream{"b": st.upstreams["b"]}
	tg.gw.state.Store(&st)
	for i := 0; i < 3; i++ {
		resp, body := post(t, tg.srv.URL, `{"model":"m"}`)
		if err := checkCompletion(resp, []byte(body), false); err != nil {
			t.Fatal(err)
		}
		if d := resp.Header.Get("X-LLMRoute-Deployment"); d != "b" {
			t.Fatalf("answered by %q", d)
		}
	}
	if v := metric(tg.metrics(t), "gateway_no_upstream_picks_total", ""); v != 3 {
		t.Errorf("gateway_no_upstream_picks_total %v, want 3", v)
	}
	if h, _ := tg.router.Health("a"); h.InFlight != 0 || h.Failures != 0 || h.Cancels != 3 {
		t.Errorf("the picks of a were not cancelled: %+v", h)
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	deps := `"deployments":[{"name":"a","models":["gpt-4o"]},{"name":"b","models":["gpt-4o"]}]`
	ups := `"upstreams":{"a":{"base_url":"http://127.0.0.1:1/v1","api_key_env":"LLMR_TEST_UNSET_KEY"},"b":{"base_url":"http://127.0.0.1:2/v1"}}`
	for _, c := range []struct {
		name, text string
		wantErr    string // "" = valid
		wantOut    string
	}{
		{"good.json", `{"_gateway":{` + ups + `},` + deps + `}`, "",
			"good.json: ok (2 deployments, 1 model names)"},
		{"example", "", "", "gateway.example.json: ok (3 deployments, 4 model names)"},
		{"gateway-part.json", `{"_gateway":{"upstreams":{"a":{"base_url":"http://x"}}},` + deps + `}`,
			"no upstream for deployment 'b' ($.deployments[1])", ""},
		{"llmroute-part.json", `{"_gateway":{` + ups + `},"router_settings":{"strategy":"fastest"},` + deps + `}`,
			"$.router_settings.strategy", ""},
		{"limits.json", `{"_gateway":{` + ups + `},"deployments":[{"name":"a","models":["gpt-4o"],"rpm_limit":-1},{"name":"b","models":["gpt-4o"]}]}`,
			"$.deployments[0].rpm_limit", ""},
		{"affinity.json", `{"_gateway":{` + ups + `,"affinity":{"sources":["cookie:x"]}},` + deps + `}`,
			"$._gateway.affinity.sources[0]: unknown source", ""},
		{"syntax.json", `{"_gateway":`, "invalid JSON", ""},
		{"missing.json", "-", "no such file", ""},
	} {
		path := filepath.Join(dir, c.name)
		switch c.text {
		case "":
			path = "gateway.example.json"
		case "-":
		default:
			writeFile(t, dir, c.name, c.text)
		}
		var out, logs bytes.Buffer
		err := run([]string{"-check-config", path}, &out, &logs)
		if c.wantErr == "" {
			if err != nil || !strings.Contains(out.String(), c.wantOut) {
				t.Errorf("%s: %v, output %q", c.name, err, out.String())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want an error naming %s and %q", c.name, err, path, c.wantErr)
		}
	}
	// A key variable missing here is a warning, not an error.
	var out bytes.Buffer
	if err := run([]string{"-check-config", filepath.Join(dir, "good.json")}, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "warning: $._gateway.upstreams['a'].api_key_env: LLMR_TEST_UNSET_KEY is not set") {
		t.Errorf("%v %q", err, out.String())
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-log-format", "xml"}, `-log-format: "xml" is not text or json`},
		{[]string{"-log-level", "loud"}, "-log-level"},
		{[]string{"stray"}, `unexpected argument "stray"`},
	} {
		if err := run(c.args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestJSONLogFormat: -log-format json makes every line one JSON object.
func TestJSONLogFormat(t *testing.T) {
	var b bytes.Buffer
	log, err := newLogger(&b, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("listening", "addr", "http://127.0.0.1:1")
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil || m["msg"] != "listening" || m["addr"] != "http://127.0.0.1:1" {
		t.Errorf("%q: %v", b.String(), err)
	}
}

func TestDebugExplain(t *testing.T) {
	fakes := map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil), "b": newFake(t, "b", 0, nil)}
	tg := startInProcess(t, fakes, map[string][]string{"a": {"m"}, "b": {"m"}}, nil)
	tg.router.SetOverride("a", llmroute.OverrideForceOpen)
	code, body := getStatus(t, tg.srv.URL+"/debug/explain?model=m")
	var e struct {
		Picked     string `json:"picked"`
		Candidates []struct {
			Deployment string `json:"deployment"`
			Reason     string `json:"reason"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(body), &e); code != 200 || err != nil {
		t.Fatalf("explain: %d %s (%v)", code, body, err)
	}
	if e.Picked != "b" || len(e.Candidates) != 2 || e.Candidates[0].Reason != "forced open" {
		t.Errorf("explain: %s", body)
	}
	if code, body := getStatus(t, tg.srv.URL+"/debug/explain?model=m&exclude=b"); code != 200 ||
		!strings.Contains(body, `"status":"LLMR_ERR_NO_PROVIDER"`) {
		t.Errorf("everything excluded: %d %s", code, body)
	}
	if code, _ := getStatus(t, tg.srv.URL+"/debug/explain?model=nope"); code != http.StatusNotFound {
		t.Errorf("unknown model: %d", code)
	}
	if code, _ := getStatus(t, tg.srv.URL+"/debug/explain"); code != http.StatusBadRequest {
		t.Errorf("no model: %d", code)
	}
}
