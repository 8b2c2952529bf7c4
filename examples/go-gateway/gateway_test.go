package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func TestClassifyStatus(t *testing.T) {
	h := http.Header{}
	for _, c := range []struct {
		status int
		body   string
		want   llmroute.Outcome
	}{
		{429, "", llmroute.OutcomeRateLimited},
		{401, "", llmroute.OutcomeAuthError},
		{403, "", llmroute.OutcomeAuthError},
		{408, "", llmroute.OutcomeTimeout},
		{504, "", llmroute.OutcomeTimeout},
		{500, "", llmroute.OutcomeServerError},
		{502, "", llmroute.OutcomeServerError},
		{503, "", llmroute.OutcomeServerError},
		{529, "", llmroute.OutcomeServerError}, // Anthropic's "overloaded"
		{404, "", llmroute.OutcomeServerError},
		{400, `{"error":{"message":"bad role","type":"invalid_request_error"}}`, llmroute.OutcomeBadRequest},
		{422, "", llmroute.OutcomeBadRequest},
		{400, `{"error":{"code":"context_length_exceeded","message":"This model's maximum context length is 128000 tokens"}}`, llmroute.OutcomeContextWindowExceeded},
		{400, `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}`, llmroute.OutcomeContextWindowExceeded},
		{400, `{"error":{"code":"content_filter","message":"The response was filtered"}}`, llmroute.OutcomeContentPolicy},
	} {
		if got, _ := classifyStatus(c.status, h, []byte(c.body)); got != c.want {
			t.Errorf("%d %s: %v, want %v", c.status, c.body, got, c.want)
		}
	}
	for _, o := range []llmroute.Outcome{llmroute.OutcomeRateLimited, llmroute.OutcomeServerError,
		llmroute.OutcomeTimeout, llmroute.OutcomeConnectionError} {
		if !retryable(o) {
			t.Errorf("%v should fail over", o)
		}
	}
	for _, o := range []llmroute.Outcome{llmroute.OutcomeBadRequest, llmroute.OutcomeAuthError,
		llmroute.OutcomeContextWindowExceeded, llmroute.OutcomeContentPolicy} {
		if retryable(o) {
			t.Errorf("%v should be answered at once", o)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		header map[string]string
		want   time.Duration
	}{
		{nil, 0},
		{map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond},
		{map[string]string{"Retry-After": now.Add(30 * time.Second).Format(http.TimeFormat)}, 30 * time.Second},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": "-3"}, 0},
		{map[string]string{"Retry-After": "99999999"}, maxRetryAfter},
		{map[string]string{"retry-after-ms": "250", "Retry-After": "1"}, 250 * time.Millisecond},
		{map[string]string{"retry-after-ms": "x", "Retry-After": "1"}, time.Second},
	} {
		h := http.Header{}
		for k, v := range c.header {
			h.Set(k, v)
		}
		if got := parseRetryAfter(h, now); got != c.want {
			t.Errorf("%v: %v, want %v", c.header, got, c.want)
		}
	}
}

func TestParseConfigRejectsMistakes(t *testing.T) {
	deps := `"deployments":[{"name":"a","models":["gpt-4o","gpt-4o-*"]}]`
	for _, c := range []struct{ json, want string }{
		{`{` + deps + `}`, "$._gateway: missing"},
		{`{"_gateway":{"upstreams":{}},` + deps + `}`, "no upstream for deployment 'a'"},
		{`{"_gateway":{"upstreams":{"a":{"base_url":"ftp://x"}}},` + deps + `}`, "base_url: must be an http(s) URL"},
		{`{"_gateway":{"upstreams":{"a":{"base_url":"http://x"},"b":{"base_url":"http://y"}}},` + deps + `}`, "['b']: no deployment has this name"},
		{`{"_gateway":{"upstreams":{"a":{"base_url":"http://x","api_key_envv":"K"}}},` + deps + `}`, `unknown field "api_key_envv"`},
		{`{"_gateway":{"max_attempts":11,"upstreams":{"a":{"base_url":"http://x"}}},` + deps + `}`, "max_attempts: must be in 1..10"},
		{`{"_gateway":`, "invalid JSON"},
	} {
		_, err := parseConfig([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.json, err, c.want)
		}
	}
	c, err := parseConfig([]byte(`{"_gateway":{"_comment":"ok","upstreams":{"a":{"base_url":"http://x"}}},` + deps +
		`,"aliases":{"gpt-4":"gpt-4o","_comment":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.models, ","); got != "gpt-4,gpt-4o" {
		t.Errorf("models %s", got)
	}
	if c.gateway.MaxAttempts != 3 || c.gateway.headerTimeout() != 30*time.Second {
		t.Errorf("defaults: %+v", c.gateway)
	}
}

func TestUsageScanner(t *testing.T) {
	s := &usageScanner{stream: true}
	for _, chunk := range []string{"data: {\"choices\":[]}\n\nda", "ta: {\"usage\":{\"prompt_tokens\":5,", "\"completion_tokens\":7}}\n\ndata: [DONE]\n\n"} {
		s.feed([]byte(chunk))
	}
	if in, out := s.tokens(); in != 5 || out != 7 {
		t.Errorf("stream usage %d %d", in, out)
	}
	j := &usageScanner{}
	j.feed([]byte(`{"id":"x","usage":{"prompt_tokens":3,`))
	j.feed([]byte(`"completion_tokens":4}}`))
	if in, out := j.tokens(); in != 3 || out != 4 {
		t.Errorf("json usage %d %d", in, out)
	}
	for body, want := range map[string][2]int64{
		// the word quoted in a text is escaped, so never taken for the member
		`{"choices":[{"message":{"content":"a \"usage\": {\"prompt_tokens\": 9}"}}],"usage" : {"prompt_tokens":5,"completion_tokens":6}}`: {5, 6},
		`{"usage":{"prompt_tokens":1,"completion_tokens":2},"choices":[{"message":{"content":"usage"}}]}`:                                 {1, 2},
		`{"choices":[]}`:  {0, 0},
		`{"usage":"n/a"}`: {0, 0},
	} {
		s := &usageScanner{}
		s.feed([]byte(body))
		if in, out := s.tokens(); in != want[0] || out != want[1] {
			t.Errorf("%s: %d %d, want %v", body, in, out, want)
		}
	}
}

// inProcess runs the gateway's handler (not the binary) over the given upstreams, every one
// serving the model "m".
func inProcess(t *testing.T, fakes map[string]*fakeUpstream, maxAttempts int) (*httptest.Server, *llmroute.Router) {
	models := map[string][]string{}
	for name := range fakes {
		models[name] = []string{"m"}
	}
	tg := startInProcess(t, fakes, models, map[string]any{"max_attempts": maxAttempts})
	return tg.srv, tg.router
}

// testGateway is the gateway's handler on an httptest server; log holds its JSON log lines.
type testGateway struct {
	srv    *httptest.Server
	router *llmroute.Router
	gw     *gateway
	log    *syncBuffer
}

// startInProcess runs the handler over fakes; models maps each deployment to its models, and
// section is the _gateway section without its upstreams. Deployments are added in name order.
func startInProcess(t testing.TB, fakes map[string]*fakeUpstream, models map[string][]string,
	section map[string]any) *testGateway {
	return startInProcessWith(t, fakes, models, section, nil)
}

// startInProcessWith is startInProcess with more top-level members of the configuration
// (aliases, fallbacks).
func startInProcessWith(t testing.TB, fakes map[string]*fakeUpstream, models map[string][]string,
	section map[string]any, top map[string]any) *testGateway {
	ups := map[string]any{}
	names := make([]string, 0, len(fakes))
	for name, f := range fakes {
		ups[name] = map[string]any{"base_url": f.url()}
		names = append(names, name)
	}
	sort.Strings(names)
	var deps []any
	for _, name := range names {
		deps = append(deps, map[string]any{"name": name, "models": models[name]})
	}
	gs := map[string]any{"upstreams": ups}
	for k, v := range section {
		gs[k] = v
	}
	file := map[string]any{
		"_gateway":        gs,
		"router_settings": map[string]any{"strategy": "round_robin"},
		"deployments":     deps,
	}
	for k, v := range top {
		file[k] = v
	}
	raw, _ := json.Marshal(file)
	c, err := parseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := llmroute.NewFromConfig(c.raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	g := newGateway(r, c, slog.New(slog.NewJSONHandler(logs, nil)))
	g.access = newAccessLog(logs, true)
	srv := httptest.NewServer(g.handler())
	t.Cleanup(func() {
		srv.Close()
		r.Close()
		if t.Failed() {
			t.Logf("gateway log:\n%s", logs.String())
		}
	})
	return &testGateway{srv: srv, router: r, gw: g, log: logs}
}

// logLines are the gateway's JSON log lines whose msg is msg.
func (tg *testGateway) logLines(t *testing.T, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(tg.log.String()), "\n") {
		var m map[string]any
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (tg *testGateway) metrics(t *testing.T) string {
	resp, err := http.Get(tg.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func post(t *testing.T, url, body string) (*http.Response, string) {
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFailoverBeforeTheFirstByte(t *testing.T) {
	down := newFake(t, "down", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		http.Error(w, "boom", http.StatusBadGateway)
		return true
	})
	// Sends 200 headers and then drops the connection before any body byte: still fails over.
	dropper := newFake(t, "dropper", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	})
	ok := newFake(t, "ok", 0, nil)
	srv, r := inProcess(t, map[string]*fakeUpstream{"down": down, "dropper": dropper, "ok": ok}, 3)
	for i := 0; i < 12; i++ {
		stream := i%2 == 0
		resp, body := post(t, srv.URL, fmt.Sprintf(`{"model":"m","stream":%v}`, stream))
		if err := checkCompletion(resp, []byte(body), stream); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.Header.Get("X-LLMRoute-Deployment") != "ok" {
			t.Fatalf("answered by %q", resp.Header.Get("X-LLMRoute-Deployment"))
		}
	}
	for _, name := range []string{"down", "dropper"} {
		h, _ := r.Health(name)
		if h.Failures == 0 || h.Successes != 0 {
			t.Errorf("%s: %+v", name, h)
		}
	}
	if h, _ := r.Health("ok"); h.Successes != 12 || h.InFlight != 0 {
		t.Errorf("ok: %+v", h)
	}
}

func TestRequestErrorsAreRelayedNotRetried(t *testing.T) {
	tooLong := newFake(t, "a", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"code":"context_length_exceeded","message":"maximum context length"}}`)
		return true
	})
	srv, r := inProcess(t, map[string]*fakeUpstream{"a": tooLong, "b": tooLong}, 3)
	resp, body := post(t, srv.URL, `{"model":"m"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "context_length_exceeded") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if n := tooLong.requests.Load(); n != 1 {
		t.Errorf("a request error was retried: %d upstream requests", n)
	}
	hs, _ := r.HealthList()
	var requestErrors int64
	for _, h := range hs {
		requestErrors += h.RequestErrors
		if h.Failures != 0 {
			t.Errorf("a request error counted against %s", h.Name)
		}
	}
	if requestErrors != 1 {
		t.Errorf("request errors %d", requestErrors)
	}
	// Bad input never reaches an upstream.
	for _, b := range []string{`not json`, `{"messages":[]}`, `{"model":""}`} {
		if resp, body := post(t, srv.URL, b); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s", b, resp.StatusCode, body)
		}
	}
}

func TestEveryDeploymentDownIs503WithRetryAfter(t *testing.T) {
	down := newFake(t, "down", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		http.Error(w, `{"error":{"message":"unavailable"}}`, http.StatusServiceUnavailable)
		return true
	})
	srv, _ := inProcess(t, map[string]*fakeUpstream{"down": down}, 3)
	// Until the breaker trips, the client gets the upstream's own 503; then llmroute's.
	var last *http.Response
	for i := 0; i < 10; i++ {
		last, _ = post(t, srv.URL, `{"model":"m"}`)
		if last.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d", last.StatusCode)
		}
	}
	if last.Header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After once every deployment cools down")
	}
}
