package main

import (
	"net/http"
	"strings"
	"testing"
)

func postWithPriority(t *testing.T, url, priority string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/chat/completions",
		strings.NewReader(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if priority != "" {
		req.Header.Set(priorityHeader, priority)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

// The x-llmroute-priority header reaches the pick: with half of an rpm of 4 reserved for class 0,
// requests without the header (class 2) get 2 and then 429 with Retry-After, requests with
// priority 0 get the reserve, and a bad header is a 400 that reaches no upstream.
func TestPriorityHeaderChoosesTheShareOfTheLimits(t *testing.T) {
	ok := newFake(t, "a", 0, nil)
	tg := startInProcessWith(t, map[string]*fakeUpstream{"a": ok}, map[string][]string{"a": {"m"}},
		map[string]any{"max_attempts": 1}, map[string]any{"deployments": []any{map[string]any{
			"name": "a", "models": []string{"m"}, "rpm_limit": 4,
			"reserve": []any{map[string]any{"priority": 0, "share": 0.5}}}}})
	for i := 0; i < 2; i++ {
		if resp, body := postWithPriority(t, tg.srv.URL, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("default class, request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := postWithPriority(t, tg.srv.URL, "3")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("class 3 on the reserve: %d (Retry-After %q) %s", resp.StatusCode,
			resp.Header.Get("Retry-After"), body)
	}
	for i := 0; i < 2; i++ {
		if resp, body := postWithPriority(t, tg.srv.URL, "0"); resp.StatusCode != http.StatusOK {
			t.Fatalf("class 0, request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	before := ok.requests.Load()
	for _, bad := range []string{"4", "-1", "high"} {
		resp, body := postWithPriority(t, tg.srv.URL, bad)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid_priority") {
			t.Errorf("priority %q: %d %s", bad, resp.StatusCode, body)
		}
	}
	if n := ok.requests.Load(); n != before {
		t.Errorf("a bad priority reached the upstream (%d requests, %d before)", n, before)
	}
	if m := tg.metrics(t); !strings.Contains(m,
		`llmroute_pick_refusals_total{priority="3",reason="reserve"} 1`) {
		t.Errorf("no refusal of class 3 in the metrics:\n%s", m)
	}
}
