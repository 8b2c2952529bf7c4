package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func TestParseQuotaHeaders(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	none := llmroute.NoQuotaCount
	for _, c := range []struct {
		name   string
		header map[string]string
		want   *llmroute.Quota
	}{
		{"nothing announced", map[string]string{"Content-Type": "application/json"}, nil},
		{"openai", map[string]string{
			"x-ratelimit-remaining-requests": "59", "x-ratelimit-remaining-tokens": "149984",
			"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s",
		}, &llmroute.Quota{RemainingRequests: 59, RemainingTokens: 149984,
			RequestsReset: time.Second, TokensReset: 6 * time.Minute}},
		{"openai short and compound resets", map[string]string{
			"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20ms",
			"x-ratelimit-reset-tokens": "1h2m3.5s",
		}, &llmroute.Quota{RemainingRequests: 0, RemainingTokens: none,
			RequestsReset: 20 * time.Millisecond, TokensReset: time.Hour + 2*time.Minute + 3500*time.Millisecond}},
		{"azure (same headers, daily cap)", map[string]string{
			"X-Ratelimit-Remaining-Requests": "0", "X-Ratelimit-Reset-Requests": "7h59m58s",
		}, &llmroute.Quota{RemainingRequests: 0, RemainingTokens: none, RequestsReset: 7*time.Hour + 59*time.Minute + 58*time.Second}},
		{"anthropic", map[string]string{
			"anthropic-ratelimit-requests-remaining": "49",
			"anthropic-ratelimit-requests-reset":     now.Add(40 * time.Second).Format(time.RFC3339),
			"anthropic-ratelimit-tokens-remaining":   "38000",
			"anthropic-ratelimit-tokens-reset":       now.Add(2 * time.Minute).Format(time.RFC3339),
		}, &llmroute.Quota{RemainingRequests: 49, RemainingTokens: 38000,
			RequestsReset: 40 * time.Second, TokensReset: 2 * time.Minute}},
		{"anthropic input and output tokens apart", map[string]string{
			"anthropic-ratelimit-input-tokens-remaining":  "9000",
			"anthropic-ratelimit-output-tokens-remaining": "1200",
			"anthropic-ratelimit-output-tokens-reset":     now.Add(30 * time.Second).Format(time.RFC3339),
		}, &llmroute.Quota{RemainingRequests: none, RemainingTokens: 1200, TokensReset: 30 * time.Second}},
		{"odd values are not announced", map[string]string{
			"x-ratelimit-remaining-requests": "-4", "x-ratelimit-remaining-tokens": "lots",
			"x-ratelimit-reset-requests": "soon", "anthropic-ratelimit-tokens-reset": now.Add(-time.Minute).Format(time.RFC3339),
		}, nil},
		{"a reset beyond 366 days is dropped", map[string]string{
			"x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "9000h",
		}, &llmroute.Quota{RemainingRequests: 3, RemainingTokens: none}},
	} {
		h := http.Header{}
		for k, v := range c.header {
			h.Set(k, v)
		}
		got := parseQuotaHeaders(h, now)
		switch {
		case c.want == nil && got != nil:
			t.Errorf("%s: %+v, want nil", c.name, *got)
		case c.want != nil && got == nil:
			t.Errorf("%s: nil, want %+v", c.name, *c.want)
		case c.want != nil && *got != *c.want:
			t.Errorf("%s: %+v, want %+v", c.name, *got, *c.want)
		}
	}
}

// A provider whose 429 announces a daily cap (reset hours away) gets no more traffic: the gateway
// hands the headers to the router, which takes it for a quota exhaustion and routes around it
// until the reset, without the probes a breaker would send after its cooldown.
func TestDailyCap429RoutesAroundTheCappedDeployment(t *testing.T) {
	capped := newFake(t, "capped", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		w.Header().Set("x-ratelimit-remaining-requests", "0")
		w.Header().Set("x-ratelimit-reset-requests", "7h0m0s")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"message":"daily request limit reached"}}`)
		return true
	})
	open := newFake(t, "open", 0, func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		w.Header().Set("x-ratelimit-remaining-requests", "5000")
		w.Header().Set("x-ratelimit-reset-requests", "1m0s")
		return false
	})
	srv, r := inProcess(t, map[string]*fakeUpstream{"capped": capped, "open": open}, 3)
	for i := 0; i < 30; i++ {
		resp, body := post(t, srv.URL, `{"model":"m"}`)
		if err := checkCompletion(resp, []byte(body), false); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// One request found the cap (and failed over): nothing after it went there.
	if n := capped.requests.Load(); n != 1 {
		t.Errorf("capped deployment got %d requests, want 1", n)
	}
	h, err := r.Health("capped")
	if err != nil {
		t.Fatal(err)
	}
	if h.Eligible || h.QuotaExhaustions != 1 || h.QuotaExhausted < 6*time.Hour {
		t.Errorf("capped: %+v", h)
	}
	if h.State != llmroute.BreakerClosed {
		t.Errorf("the daily cap went through the breaker: %+v", h)
	}
	o, _ := r.Health("open")
	if o.Successes != 30 || o.QuotaRemainingRequests < 0 || o.QuotaRemainingRequests > 5000 {
		t.Errorf("open: %+v", o)
	}
}
