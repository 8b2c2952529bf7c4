package main

// The end-to-end test: the gateway binary in front of fake upstreams on 127.0.0.1 (one healthy,
// one slow, one failing for a while and then healing, one answering 429 with Retry-After), under
// a bounded client load. No timing assertion: every wait polls with a generous deadline, so a
// loaded 2-core machine only makes it slower.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// goTool finds the go command that runs this test.
func goTool(t *testing.T) string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available to build the gateway")
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// built is the gateway binary, compiled once for every test that runs it.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildGateway compiles this package into a binary (with the race detector when the test has it).
func buildGateway(t *testing.T) string {
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "go-gateway-test-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "go-gateway")
		args := []string{"build", "-o", built.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, ".")
		if out, err := exec.Command(goTool(t), args...).CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// syncBuffer collects the gateway's log for the failure report.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type gatewayProc struct {
	cmd    *exec.Cmd
	base   string
	log    *syncBuffer // stderr
	stdout *syncBuffer
	exited chan struct{} // closed once the process has exited; then err is its status
	err    error
}

func startGateway(t *testing.T, bin, configPath string) *gatewayProc {
	return startGatewayArgs(t, bin, "-config", configPath, "-listen", "127.0.0.1:0")
}

// listeningLine finds the address in the gateway's "listening" line, text or JSON.
var listeningLine = regexp.MustCompile(`msg=listening addr=(http://\S+)|"msg":"listening","addr":"(http://[^"]+)"`)

func startGatewayArgs(t *testing.T, bin string, args ...string) *gatewayProc {
	g := &gatewayProc{log: &syncBuffer{}, stdout: &syncBuffer{}, exited: make(chan struct{})}
	g.cmd = exec.Command(bin, args...)
	g.cmd.Stdout = g.stdout
	stderr, err := g.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			g.log.Write([]byte(line + "\n"))
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				addr <- m[1] + m[2]
			}
		}
		g.err = g.cmd.Wait()
		close(g.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-g.exited:
		default:
			g.cmd.Process.Kill()
			<-g.exited
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s\ngateway stdout:\n%s", g.log.String(), g.stdout.String())
		}
	})
	select {
	case g.base = <-addr:
	case <-g.exited:
		t.Fatalf("the gateway exited: %v\n%s", g.err, g.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the gateway did not start listening\n%s", g.log.String())
	}
	return g
}

// stop sends SIGTERM and checks that the gateway drains and exits cleanly.
func (g *gatewayProc) stop(t *testing.T) {
	t.Helper()
	g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
		if g.err != nil {
			t.Errorf("the gateway exited with %v", g.err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("the gateway did not stop on SIGTERM")
	}
	if strings.Contains(g.log.String(), "DATA RACE") {
		t.Errorf("the race detector fired in the gateway")
	}
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

func (g *gatewayProc) chat(model string, stream bool) (*http.Response, []byte, error) {
	body := fmt.Sprintf(`{"model":%q,"stream":%v,"messages":[{"role":"user","content":"hi"}]}`, model, stream)
	resp, err := httpClient.Post(g.base+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func (g *gatewayProc) get(t *testing.T, path string) string {
	resp, err := httpClient.Get(g.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// metric reads one sample of the Prometheus text (0 when absent).
func metric(text, name string, labels string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+labels) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// eventually polls cond every 100 ms until it holds or the deadline passes, running tick (more
// client traffic) between polls.
func eventually(t *testing.T, what string, deadline time.Duration, tick func(), cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting until %s", deadline, what)
		}
		if tick != nil {
			tick()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	started := time.Now()
	bin := buildGateway(t)
	t.Logf("gateway built in %v", time.Since(started).Round(time.Millisecond))

	// The fake upstreams.
	// "flaky" fails until healAt (unix nanos) has passed and it has failed often enough to trip
	// its breaker (3 in a row), however slowly the machine runs.
	var healAt, flakyFailures atomic.Int64
	healAt.Store(time.Now().Add(time.Hour).UnixNano())
	healthy := newFake(t, "healthy", 10*time.Millisecond, nil)
	slow := newFake(t, "slow", 400*time.Millisecond, nil)
	flaky := newFake(t, "flaky", 10*time.Millisecond, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		if time.Now().UnixNano() < healAt.Load() || flakyFailures.Load() < 3 {
			flakyFailures.Add(1)
			http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	limited := newFake(t, "limited", 10*time.Millisecond, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		w.Header().Set("Retry-After", "2")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
		return true
	})
	// "streamer" holds its stream after the first event until the client has seen it: a gateway
	// that buffered would never show it, and the upstream would give up waiting.
	firstSeen := make(chan struct{})
	var buffered atomic.Bool
	streamer := newFake(t, "streamer", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, body map[string]any) bool {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"first\"}}]}\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-firstSeen:
		case <-time.After(20 * time.Second):
			buffered.Store(true)
		}
		io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"second\"}}]}\n\ndata: [DONE]\n\n")
		return true
	})
	extra := newFake(t, "healthy-2", 10*time.Millisecond, nil)

	// The configuration: llmroute's, plus the gateway's section.
	dir := t.TempDir()
	configPath := filepath.Join(dir, "gateway.json")
	upstreams := map[string]any{
		"healthy":  map[string]any{"base_url": healthy.url(), "api_key": "key-healthy"},
		"slow":     map[string]any{"base_url": slow.url()},
		"flaky":    map[string]any{"base_url": flaky.url()},
		"limited":  map[string]any{"base_url": limited.url()},
		"streamer": map[string]any{"base_url": streamer.url(), "model": "upstream-stream-model"},
	}
	deployments := []any{
		map[string]any{"name": "healthy", "models": []string{"gpt-4o"}},
		map[string]any{"name": "slow", "models": []string{"gpt-4o"}},
		map[string]any{"name": "flaky", "models": []string{"gpt-4o"}},
		map[string]any{"name": "limited", "models": []string{"gpt-4o"}},
		map[string]any{"name": "streamer", "models": []string{"stream-check"}},
	}
	config := map[string]any{
		"_gateway": map[string]any{"upstreams": upstreams, "header_timeout_ms": 10000},
		"router_settings": map[string]any{
			"strategy": "round_robin",
			"breaker": map[string]any{"consecutive_failures": 3, "cooldown_base_ms": 500,
				"cooldown_max_ms": 2000},
		},
		"deployments": deployments,
		"aliases":     map[string]any{"gpt-4": "gpt-4o"},
	}
	writeJSON(t, configPath, config)
	gw := startGateway(t, bin, configPath)

	// Client errors are recorded everywhere: while a healthy upstream exists, there must be none.
	var clientErrors []string
	var errMu sync.Mutex
	var requests atomic.Int64
	send := func(stream bool) {
		requests.Add(1)
		resp, body, err := gw.chat("gpt-4", stream)
		if err == nil {
			err = checkCompletion(resp, body, stream)
		}
		if err != nil {
			errMu.Lock()
			clientErrors = append(clientErrors, err.Error())
			errMu.Unlock()
		}
	}

	// /v1/models and /healthz.
	models := gw.get(t, "/v1/models")
	for _, m := range []string{`"gpt-4o"`, `"gpt-4"`, `"stream-check"`} {
		if !strings.Contains(models, m) {
			t.Errorf("/v1/models lacks %s: %s", m, models)
		}
	}
	if h := gw.get(t, "/healthz"); !strings.Contains(h, `"status":"ok"`) {
		t.Errorf("/healthz: %s", h)
	}
	if resp, body, err := gw.chat("no-such-model", false); err != nil || resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(string(body), "model_not_found") {
		t.Errorf("unknown model: %v %s", err, body)
	}

	// 1. Bounded load while "flaky" fails (3 s), then heals: 6 clients, at most 360 requests
	// or 8 s, half of them streamed.
	healAt.Store(time.Now().Add(3 * time.Second).UnixNano())
	loadEnd := time.Now().Add(8 * time.Second)
	var wg sync.WaitGroup
	for c := 0; c < 6; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; requests.Load() < 360 && time.Now().Before(loadEnd); i++ {
				send((c+i)%2 == 0)
			}
		}(c)
	}
	wg.Wait()
	t.Logf("load: %d requests in %v; upstream requests: healthy %d, slow %d, flaky %d (ok %d), limited %d",
		requests.Load(), time.Since(started).Round(time.Millisecond), healthy.requests.Load(),
		slow.requests.Load(), flaky.requests.Load(), flaky.successes.Load(), limited.requests.Load())

	// 2. The failing upstream was cooled down and gets traffic back after it healed; /metrics
	// shows both. More (sequential, bounded) traffic while waiting.
	tick := func() {
		if requests.Load() < 900 {
			send(false)
		}
	}
	var text string
	eventually(t, "flaky is back (breaker opened, then closed, successes served)", 30*time.Second, tick, func() bool {
		text = gw.get(t, "/metrics")
		return metric(text, "llmroute_deployment_breaker_transitions_total", `{deployment="flaky",to="open"}`) >= 1 &&
			metric(text, "llmroute_deployment_breaker_transitions_total", `{deployment="flaky",to="closed"}`) >= 1 &&
			metric(text, "llmroute_deployment_requests_total", `{deployment="flaky",outcome="success"}`) >= 3 &&
			flaky.successes.Load() >= 3
	})
	if v := metric(text, "llmroute_deployment_requests_total", `{deployment="flaky",outcome="server_error"}`); v < 3 {
		t.Errorf("flaky's 503s are not in /metrics (%v):\n%s", v, text)
	}
	// The 429s with Retry-After cooled "limited" down: it is rate limited and was opened.
	if metric(text, "llmroute_deployment_requests_total", `{deployment="limited",outcome="rate_limited"}`) < 1 ||
		metric(text, "llmroute_deployment_breaker_transitions_total", `{deployment="limited",to="open"}`) < 1 {
		t.Errorf("limited's 429s are not in /metrics:\n%s", text)
	}
	// Cooling down means it saw far fewer requests than its round-robin share.
	if l, h := limited.requests.Load(), healthy.requests.Load(); l*2 > h {
		t.Errorf("limited got %d requests, healthy %d: its Retry-After was not honoured", l, h)
	}
	if metric(text, "gateway_failovers_total", "") < 1 {
		t.Errorf("no failover counted:\n%s", text)
	}
	healthy.mu.Lock()
	auth, model := healthy.lastAuth, healthy.lastModel
	healthy.mu.Unlock()
	if auth != "Bearer key-healthy" || model != "gpt-4o" {
		t.Errorf("healthy saw Authorization %q and model %q", auth, model)
	}

	// 3. Streams are relayed chunk by chunk, not buffered.
	func() {
		req, _ := http.NewRequest(http.MethodPost, gw.base+"/v1/chat/completions",
			strings.NewReader(`{"model":"stream-check","stream":true,"messages":[]}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		defer resp.Body.Close()
		rd := bufio.NewReader(resp.Body)
		line, err := rd.ReadString('\n')
		if err != nil || !strings.Contains(line, "first") {
			t.Fatalf("first event: %q %v", line, err)
		}
		close(firstSeen)
		rest, _ := io.ReadAll(rd)
		if buffered.Load() || !strings.Contains(string(rest), "second") || !strings.HasSuffix(string(rest), "[DONE]\n\n") {
			t.Fatalf("stream buffered=%v rest=%q", buffered.Load(), rest)
		}
		streamer.mu.Lock()
		defer streamer.mu.Unlock()
		if streamer.lastModel != "upstream-stream-model" {
			t.Errorf("the upstream's model name was not used: %q", streamer.lastModel)
		}
	}()

	// 4. SIGHUP: a rejected configuration changes nothing; a good one adds a deployment.
	bad := map[string]any{}
	for k, v := range config {
		bad[k] = v
	}
	bad["deployments"] = append(append([]any{}, deployments...),
		map[string]any{"name": "healthy-2", "models": []string{"gpt-4o"}, "weight": 0})
	up2 := map[string]any{"healthy-2": map[string]any{"base_url": extra.url()}}
	for k, v := range upstreams {
		up2[k] = v
	}
	bad["_gateway"] = map[string]any{"upstreams": up2, "header_timeout_ms": 10000}
	writeJSON(t, configPath, bad)
	gw.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the bad configuration is rejected", 15*time.Second, nil, func() bool {
		return metric(gw.get(t, "/metrics"), "gateway_config_reloads_total", `{result="rejected"}`) == 1
	})
	send(false)
	good := bad
	good["deployments"] = append(append([]any{}, deployments...),
		map[string]any{"name": "healthy-2", "models": []string{"gpt-4o"}})
	writeJSON(t, configPath, good)
	gw.cmd.Process.Signal(syscall.SIGHUP)
	eventually(t, "the new configuration is applied", 15*time.Second, nil, func() bool {
		text = gw.get(t, "/metrics")
		return metric(text, "gateway_config_reloads_total", `{result="ok"}`) == 1 &&
			metric(text, "llmroute_config_applied_total", "") == 2
	})
	eventually(t, "the added deployment takes traffic", 15*time.Second, tick, func() bool {
		return extra.successes.Load() >= 1
	})
	text = gw.get(t, "/metrics")
	if metric(text, "llmroute_deployment_picks_total", `{deployment="flaky"}`) < 3 {
		t.Errorf("flaky's statistics did not survive the reload:\n%s", text)
	}

	errMu.Lock()
	if len(clientErrors) > 0 {
		t.Errorf("%d of %d client requests failed while healthy upstreams existed; first: %s",
			len(clientErrors), requests.Load(), clientErrors[0])
	}
	errMu.Unlock()

	// 5. SIGTERM drains and exits cleanly.
	gw.stop(t)
	t.Logf("%d client requests, all answered; whole test %v", requests.Load(),
		time.Since(started).Round(time.Millisecond))
}
