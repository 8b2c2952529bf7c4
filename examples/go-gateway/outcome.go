package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// classifyStatus turns an upstream's error response into an llmroute outcome (what it means for
// the deployment's health) and the Retry-After it carried.
//
//	429              rate_limited (with Retry-After / retry-after-ms)
//	401, 403         auth_error: the gateway's credentials for this deployment are wrong
//	408, 504         timeout
//	400, 413, 422    bad_request, or context_window_exceeded / content_policy by the error body
//	404              server_error: the deployment does not serve what it is configured for
//	other 4xx        bad_request
//	5xx              server_error
func classifyStatus(status int, header http.Header, body []byte) (llmroute.Outcome, time.Duration) {
	switch {
	case status == http.StatusTooManyRequests:
		return llmroute.OutcomeRateLimited, parseRetryAfter(header, time.Now())
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return llmroute.OutcomeAuthError, 0
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return llmroute.OutcomeTimeout, 0
	case status == http.StatusNotFound:
		return llmroute.OutcomeServerError, 0
	case status >= 500:
		return llmroute.OutcomeServerError, 0
	case status >= 400:
		return classifyRequestError(body), 0
	}
	return llmroute.OutcomeServerError, 0 // 1xx/3xx where a response was expected
}

// classifyRequestError tells the request's own faults apart by the error body (OpenAI's codes,
// Azure's and Anthropic's wording).
func classifyRequestError(body []byte) llmroute.Outcome {
	b := bytes.ToLower(body)
	for _, s := range []string{"context_length_exceeded", "maximum context length",
		"context window", "too many tokens", "prompt is too long"} {
		if bytes.Contains(b, []byte(s)) {
			return llmroute.OutcomeContextWindowExceeded
		}
	}
	for _, s := range []string{"content_policy", "content_filter", "content management policy"} {
		if bytes.Contains(b, []byte(s)) {
			return llmroute.OutcomeContentPolicy
		}
	}
	return llmroute.OutcomeBadRequest
}

// classifyTransportError: the request never got a response.
func classifyTransportError(err error) llmroute.Outcome {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return llmroute.OutcomeTimeout
	}
	return llmroute.OutcomeConnectionError
}

// retryable outcomes are the deployment's fault: another deployment may do better (as
// llmr_router_call decides). The request's own faults and auth errors are answered at once.
func retryable(o llmroute.Outcome) bool {
	switch o {
	case llmroute.OutcomeRateLimited, llmroute.OutcomeServerError, llmroute.OutcomeTimeout,
		llmroute.OutcomeConnectionError:
		return true
	}
	return false
}

// maxRetryAfter caps what an upstream may ask for (llmroute caps cooldowns too).
const maxRetryAfter = time.Hour

// parseRetryAfter reads retry-after-ms (OpenAI, Azure), then Retry-After as seconds or as an
// HTTP date (RFC 9110 §10.2.3). 0 when absent or unparsable.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && !math.IsInf(ms, 0) {
			return clampRetryAfter(time.Duration(ms * float64(time.Millisecond)))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return 0
		}
		return clampRetryAfter(time.Duration(s * float64(time.Second)))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return clampRetryAfter(d)
		}
	}
	return 0
}

func clampRetryAfter(d time.Duration) time.Duration {
	if d > maxRetryAfter || d < 0 {
		return maxRetryAfter
	}
	return d
}
