package main

// Providers announce their rate-limit quota on every response; the gateway hands it to the
// router with the report (llmroute.Report.Quota), so that routing knows a deployment is running
// out before the 429 comes.
//
//	OpenAI, Azure OpenAI   x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens,
//	                       x-ratelimit-reset-requests, x-ratelimit-reset-tokens
//	                       (resets are durations: "1s", "6m0s", "20ms", "1h2m3.5s")
//	                       https://platform.openai.com/docs/guides/rate-limits
//	Anthropic              anthropic-ratelimit-requests-remaining,
//	                       anthropic-ratelimit-tokens-remaining (or -input-/-output-tokens-),
//	                       anthropic-ratelimit-requests-reset, anthropic-ratelimit-tokens-reset
//	                       (resets are RFC 3339 times)
//	                       https://docs.anthropic.com/en/api/rate-limits
//
// A header that is absent or unparsable counts as not announced; so does a reset in the past
// (the count it qualifies has already started over). Values the library would refuse (negative,
// above 10^15, resets beyond 366 days) are dropped here, so that one odd header never makes the
// report fail.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// The library's bounds (llmr_report's quota_* members).
const (
	maxQuotaCount = 1_000_000_000_000_000
	maxQuotaReset = 366 * 24 * time.Hour
)

// parseQuotaHeaders returns the quota a response announced, or nil when it announced none.
func parseQuotaHeaders(h http.Header, now time.Time) *llmroute.Quota {
	var q llmroute.Quota
	q.RemainingRequests = firstCount(h, "x-ratelimit-remaining-requests",
		"anthropic-ratelimit-requests-remaining")
	q.RemainingTokens = firstCount(h, "x-ratelimit-remaining-tokens",
		"anthropic-ratelimit-tokens-remaining")
	if q.RemainingTokens < 0 {
		// Anthropic also counts input and output tokens apart: the smaller bounds the request.
		in := count(h.Get("anthropic-ratelimit-input-tokens-remaining"))
		out := count(h.Get("anthropic-ratelimit-output-tokens-remaining"))
		q.RemainingTokens = minKnown(in, out)
	}
	q.RequestsReset = firstReset(h, now, "x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset")
	q.TokensReset = firstReset(h, now, "x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset")
	if q.TokensReset == 0 {
		q.TokensReset = maxDuration(reset(h.Get("anthropic-ratelimit-input-tokens-reset"), now),
			reset(h.Get("anthropic-ratelimit-output-tokens-reset"), now))
	}
	if q.RemainingRequests < 0 && q.RemainingTokens < 0 && q.RequestsReset == 0 && q.TokensReset == 0 {
		return nil
	}
	return &q
}

func firstCount(h http.Header, names ...string) int64 {
	for _, n := range names {
		if v := count(h.Get(n)); v >= 0 {
			return v
		}
	}
	return llmroute.NoQuotaCount
}

func firstReset(h http.Header, now time.Time, names ...string) time.Duration {
	for _, n := range names {
		if d := reset(h.Get(n), now); d > 0 {
			return d
		}
	}
	return 0
}

// count parses a remaining count: a non-negative integer; -1 when absent or out of range.
func count(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return llmroute.NoQuotaCount
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxQuotaCount {
		return llmroute.NoQuotaCount
	}
	return n
}

// reset parses a reset: a Go-style duration as OpenAI sends it ("6m0s", "1s", "20ms", also a
// bare number of seconds), or an RFC 3339 time as Anthropic sends it. 0 when absent, unparsable,
// in the past or beyond the library's bound.
func reset(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		d = t.Sub(now)
	} else if parsed, err := time.ParseDuration(v); err == nil {
		d = parsed
	} else if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 && s < maxQuotaReset.Seconds() {
		d = time.Duration(s * float64(time.Second))
	}
	if d <= 0 || d > maxQuotaReset {
		return 0
	}
	return d
}

func minKnown(a, b int64) int64 {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	case a < b:
		return a
	}
	return b
}

func maxDuration(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}
