package main

import (
	"strings"
	"testing"
	"time"
)

// TestSharedStateTransitions drives the watch with statuses as llmroute reports them; the real
// Redis is in TestSharedStateRedis (e2e_redis_test.go).
func TestSharedStateTransitions(t *testing.T) {
	tg := startInProcess(t, map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil)}, map[string][]string{"a": {"m"}}, nil)
	var now sharedState
	tg.gw.shared.read = func() (sharedState, error) { return now, nil }
	step := func(s sharedState) {
		now = s
		tg.gw.checkSharedState()
	}
	count := func(msg string) int {
		n := 0
		for _, l := range strings.Split(tg.log.String(), "\n") {
			if strings.Contains(l, `"msg":"`+msg) {
				n++
			}
		}
		return n
	}
	step(sharedState{Enabled: true, LastSyncAge: -1}) // starting: nothing to say yet
	if tg.log.String() != "" {
		t.Fatalf("logged while starting: %s", tg.log.String())
	}
	step(sharedState{Enabled: true, Connected: true, Syncs: 1, Connections: 1})
	step(sharedState{Enabled: true, Connected: true, Syncs: 5, Connections: 1}) // no change
	if count("shared state connected") != 1 {
		t.Errorf("connected logged %d times:\n%s", count("shared state connected"), tg.log.String())
	}
	lost := sharedState{Enabled: true, Syncs: 5, SyncFailures: 2, Connections: 1, LastSyncAge: 3 * time.Second,
		LastError: "cannot connect to Redis at 127.0.0.1:1: Connection refused"}
	step(lost)
	step(lost)
	if count("shared state lost") != 1 || !strings.Contains(tg.log.String(), `"level":"WARN","msg":"shared state lost`) ||
		!strings.Contains(tg.log.String(), "Connection refused") {
		t.Errorf("lost not logged once as a warning with the error:\n%s", tg.log.String())
	}
	text := tg.metrics(t)
	for name, want := range map[string]float64{
		"gateway_shared_state_connected":             0,
		"gateway_shared_state_last_sync_age_seconds": 3,
		"gateway_shared_state_sync_failures_total":   2,
		"gateway_shared_state_syncs_total":           5,
	} {
		if !strings.Contains(text, "\n"+name+" ") || metric(text, name, "") != want {
			t.Errorf("%s = %v, want %v\n%s", name, metric(text, name, ""), want, text)
		}
	}
	if metric(text, "gateway_shared_state_transitions_total", `{to="lost"}`) != 1 {
		t.Errorf("lost transition not counted:\n%s", text)
	}
	step(sharedState{Enabled: true, Connected: true, Syncs: 6, SyncFailures: 2, Connections: 2})
	if count("shared state recovered") != 1 {
		t.Errorf("recovery not logged:\n%s", tg.log.String())
	}
	text = tg.metrics(t)
	if metric(text, "gateway_shared_state_connected", "") != 1 ||
		metric(text, "gateway_shared_state_transitions_total", `{to="recovered"}`) != 1 {
		t.Errorf("recovery not in /metrics:\n%s", text)
	}
	if _, body := getStatus(t, tg.srv.URL+"/healthz"); !strings.Contains(body, `"shared_state":{"connected":true`) {
		t.Errorf("/healthz: %s", body)
	}
	// A Redis that is down from the start is said so, without counting a loss.
	tg2 := startInProcess(t, map[string]*fakeUpstream{"a": newFake(t, "a", 0, nil)}, map[string][]string{"a": {"m"}}, nil)
	tg2.gw.shared.read = func() (sharedState, error) {
		return sharedState{Enabled: true, SyncFailures: 1, LastSyncAge: -1, LastError: "refused"}, nil
	}
	tg2.gw.checkSharedState()
	if !strings.Contains(tg2.log.String(), "shared state not connected") || tg2.gw.shared.lost.Load() != 0 {
		t.Errorf("down from the start: %s", tg2.log.String())
	}
	if text := tg2.metrics(t); strings.Contains(text, "gateway_shared_state_last_sync_age_seconds") {
		t.Errorf("a sync age before the first sync:\n%s", text)
	}
}
