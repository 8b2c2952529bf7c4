package llmroute_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// pickUntil picks "m" until it lands on name and reports rep for it.
func pickUntil(t *testing.T, r *llmroute.Router, name string, rep llmroute.Report) {
	t.Helper()
	for i := 0; i < 100; i++ {
		p, err := r.Pick("m")
		if err != nil {
			t.Fatal(err)
		}
		if p.Deployment == name {
			if err := r.Report(p.Ticket, rep); err != nil {
				t.Fatal(err)
			}
			return
		}
		r.Cancel(p.Ticket)
	}
	t.Fatalf("%s never picked", name)
}

// An announced quota reaches the router through Report.Quota: a used-up count keeps the
// deployment out until its reset, a far-reset 429 is a quota exhaustion (its own event, no
// probe), health shows the counts, and bad values fail naming the field (injected clock).
func TestAnnouncedQuota(t *testing.T) {
	clock := &fakeClock{}
	clock.now.Store(1_000_000_000)
	o := llmroute.DefaultOptions()
	o.Clock = clock
	if o.QuotaHorizon != time.Minute || o.QuotaHeadroomRouting != 1 {
		t.Fatalf("defaults: horizon %v, headroom routing %d", o.QuotaHorizon, o.QuotaHeadroomRouting)
	}
	r := newRouter(t, &o, dep("a", 0, "m"), dep("b", 0, "m"))
	var events []llmroute.Event
	if err := r.SetEventListener(func(e llmroute.Event) { events = append(events, e) }); err != nil {
		t.Fatal(err)
	}

	pickUntil(t, r, "a", llmroute.Report{Outcome: llmroute.OutcomeSuccess, Latency: time.Millisecond,
		Quota: &llmroute.Quota{RemainingRequests: 0, RemainingTokens: llmroute.NoQuotaCount,
			RequestsReset: 2 * time.Second}})
	h, _ := r.Health("a")
	if h.Eligible || h.QuotaRemainingRequests != 0 || h.QuotaRemainingTokens != -1 ||
		h.QuotaRequestsReset != 2*time.Second {
		t.Fatalf("after the announcement: %+v", h)
	}
	for i := 0; i < 20; i++ {
		if p, _ := r.Pick("m"); p.Deployment != "b" {
			t.Fatalf("pick %d went to %q while a has no request left", i, p.Deployment)
		} else {
			r.Cancel(p.Ticket)
		}
	}
	clock.Sleep(2 * time.Second)
	if h, _ := r.Health("a"); !h.Eligible || h.QuotaRemainingRequests != -1 {
		t.Fatalf("after the reset: %+v", h)
	}

	// A daily cap: 429 with the reset hours away.
	pickUntil(t, r, "b", llmroute.Report{Outcome: llmroute.OutcomeRateLimited,
		Quota: &llmroute.Quota{RemainingRequests: 0, RemainingTokens: llmroute.NoQuotaCount,
			RequestsReset: 5 * time.Hour}})
	var exhausted []llmroute.Event
	for _, e := range events {
		if e.Kind == llmroute.EventQuotaExhausted {
			exhausted = append(exhausted, e)
		}
	}
	if len(exhausted) != 1 || exhausted[0].Deployment != "b" || exhausted[0].Cooldown != 5*time.Hour {
		t.Fatalf("quota events: %+v", exhausted)
	}
	if llmroute.EventQuotaExhausted.String() != "quota_exhausted" {
		t.Errorf("name %q", llmroute.EventQuotaExhausted.String())
	}
	clock.Sleep(time.Hour) // far past the breaker's longest cooldown: still no probe of b
	for i := 0; i < 20; i++ {
		if p, _ := r.Pick("m"); p.Deployment != "a" {
			t.Fatalf("pick %d went to %q during b's quota exhaustion", i, p.Deployment)
		} else {
			r.Cancel(p.Ticket)
		}
	}
	hb, _ := r.Health("b")
	if hb.State != llmroute.BreakerClosed || hb.QuotaExhaustions != 1 || hb.QuotaExhausted != 4*time.Hour {
		t.Fatalf("b: %+v", hb)
	}
	metrics, err := r.MetricsText()
	if err != nil || !strings.Contains(metrics, `llmroute_deployment_quota_exhaustions_total{deployment="b"} 1`) {
		t.Fatalf("metrics (%v):\n%s", err, metrics)
	}

	// Bad values: ErrInvalidArgument naming the field; the ticket stays live.
	p, _ := r.Pick("m")
	for field, q := range map[string]llmroute.Quota{
		"quota_remaining_requests": {RemainingRequests: -2, RemainingTokens: -1},
		"quota_remaining_tokens":   {RemainingRequests: -1, RemainingTokens: -9},
		"quota_tokens_reset_ms":    {RemainingRequests: 3, RemainingTokens: 3, TokensReset: -time.Second},
	} {
		q := q
		err := r.Report(p.Ticket, llmroute.Report{Outcome: llmroute.OutcomeSuccess, Quota: &q})
		var e *llmroute.Error
		if !errors.Is(err, llmroute.ErrInvalidArgument) || !errors.As(err, &e) || !strings.Contains(e.Message, field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := r.Report(p.Ticket, llmroute.Report{Outcome: llmroute.OutcomeSuccess}); err != nil {
		t.Fatalf("the ticket did not stay live: %v", err)
	}
}
