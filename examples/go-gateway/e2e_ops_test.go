package main

// The binary as an operator runs it: -quickstart, JSON logs with the access log, and a real
// redis-server that goes away and comes back.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	gw := startGatewayArgs(t, buildGateway(t), "-quickstart", "-listen", "127.0.0.1:0", "-log-format", "json")
	// The gateway's own first request, and what it tells the newcomer.
	eventually(t, "the quickstart's first request is answered", 30*time.Second, nil, func() bool {
		return strings.Contains(gw.stdout.String(), "-> 200, answered by deployment local-")
	})
	out := gw.stdout.String()
	if !strings.Contains(out, `"hello from local-`) || !strings.Contains(out, "curl -s "+gw.base+"/v1/chat/completions") {
		t.Errorf("quickstart output:\n%s", out)
	}
	// The commands it prints work.
	for _, stream := range []bool{false, true} {
		resp, body, err := gw.chat(quickstartModel, stream)
		if err == nil {
			err = checkCompletion(resp, body, stream)
		}
		if err != nil {
			t.Errorf("stream=%v: %v", stream, err)
		}
	}
	if code, body := getStatus(t, gw.base+"/readyz"); code != 200 {
		t.Errorf("/readyz %d %s", code, body)
	}
	// Every stderr line is JSON, and each chat request has its access log line (written in
	// batches, so it may take a moment).
	requests := func() int {
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(gw.log.String()), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("-log-format json wrote %q", line)
			}
			if m["msg"] == "request" && m["status"] == 200.0 && m["model"] == quickstartModel {
				n++
			}
		}
		return n
	}
	eventually(t, "3 access log lines for 3 requests", 10*time.Second, nil, func() bool { return requests() == 3 })
	gw.stop(t)
}

// redisServer is a redis-server on 127.0.0.1 for one test.
type redisServer struct {
	bin, port string
	cmd       *exec.Cmd
}

// freePort returns a port nothing listens on right now.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

func (r *redisServer) start(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(r.bin, "--port", r.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir())
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "redis-server accepts connections", 20*time.Second, nil, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+r.port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// TestSharedStateRedis: with Redis gone, the gateway logs the loss and /metrics shows it; when
// Redis is back, the recovery. Requests are answered throughout (llmroute routes on the
// instance's own state meanwhile).
func TestSharedStateRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	bin := os.Getenv("LLMR_GATEWAY_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			t.Skip("no redis-server (apt-get install redis-server; CTest runs this as go-gateway.redis)")
		}
	}
	redis := &redisServer{bin: bin, port: freePort(t)}
	redis.start(t)
	t.Cleanup(redis.stop)

	upstream := newFake(t, "a", 0, nil)
	configPath := filepath.Join(t.TempDir(), "gateway.json")
	writeJSON(t, configPath, map[string]any{
		"_gateway": map[string]any{"upstreams": map[string]any{"a": map[string]any{"base_url": upstream.url()}}},
		"router_settings": map[string]any{"shared_state": map[string]any{
			"url": "redis://127.0.0.1:" + redis.port, "key_prefix": "gw-test-" + redis.port + ":",
			"sync_interval_ms": 100, "connect_timeout_ms": 200, "command_timeout_ms": 200}},
		"deployments": []any{map[string]any{"name": "a", "models": []string{"m"}}},
	})
	gw := startGatewayArgs(t, buildGateway(t), "-config", configPath, "-listen", "127.0.0.1:0", "-log-format", "json")
	metricsNow := func() string { return gw.get(t, "/metrics") }
	served := func() {
		if resp, body, err := gw.chat("m", false); err != nil || checkCompletion(resp, body, false) != nil {
			t.Errorf("a request failed: %v %s", err, body)
		}
	}
	eventually(t, "connected to Redis", 30*time.Second, nil, func() bool {
		return metric(metricsNow(), "gateway_shared_state_connected", "") == 1 &&
			strings.Contains(gw.log.String(), `"msg":"shared state connected"`)
	})
	served()

	redis.stop()
	eventually(t, "the loss is logged and exported", 30*time.Second, nil, func() bool {
		text := metricsNow()
		return strings.Contains(gw.log.String(), `"level":"WARN","msg":"shared state lost`) &&
			metric(text, "gateway_shared_state_connected", "") == 0 &&
			metric(text, "gateway_shared_state_transitions_total", `{to="lost"}`) == 1 &&
			metric(text, "gateway_shared_state_sync_failures_total", "") >= 1
	})
	served()
	if code, body := getStatus(t, gw.base+"/readyz"); code != 200 {
		t.Errorf("a lost Redis made the gateway unready: %d %s", code, body)
	}
	if _, body := getStatus(t, gw.base+"/healthz"); !strings.Contains(body, `"shared_state":{"connected":false`) {
		t.Errorf("/healthz: %s", body)
	}

	redis.start(t)
	eventually(t, "the recovery is logged and exported", 30*time.Second, nil, func() bool {
		text := metricsNow()
		return strings.Contains(gw.log.String(), `"msg":"shared state recovered`) &&
			metric(text, "gateway_shared_state_connected", "") == 1 &&
			metric(text, "gateway_shared_state_transitions_total", `{to="recovered"}`) == 1 &&
			metric(text, "gateway_shared_state_connections_total", "") >= 2
	})
	served()
	gw.stop(t)
}
