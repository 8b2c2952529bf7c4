package main

import (
	"context"
	"log/slog"
	"time"
)

// requestRecord is what one chat request went through: the access log line and the gateway's
// own latency come from it.
type requestRecord struct {
	start time.Time // the handler was entered
	ready time.Time // the body was read (zero: it never was)
	// committed: the first response byte was handed to net/http (the status line is sent);
	// zero if nothing was.
	committed time.Time
	// upstreamWait: time spent waiting on upstreams before committing (each attempt from the
	// request sent to its first body byte or its error), which is not the gateway's own latency.
	upstreamWait time.Duration
	ttft         time.Duration // the answering upstream's time to first body byte

	model, routed, deployment string
	attempts                  int
	status                    int
	stream                    bool
	// outcome: "success", an llmroute outcome of the last attempt, "broken_<outcome>",
	// "client_gone", or the gateway's error code (model_not_found, ...).
	outcome                   string
	affinity                  string // the source the affinity key came from; "" for none
	inputTokens, outputTokens int64
	aborted                   bool // the response was aborted after it started
}

// overhead is the gateway's own latency: from the body read to the response committed, less the
// time upstreams took. ok false when the request never got that far.
func (r *requestRecord) overhead() (time.Duration, bool) {
	if r.ready.IsZero() || r.committed.IsZero() {
		return 0, false
	}
	return max(0, r.committed.Sub(r.ready)-r.upstreamWait), true
}

// finish observes the gateway's latency and writes the access log line.
func (g *gateway) finish(r *requestRecord) {
	overhead, ok := r.overhead()
	if ok {
		g.stats.overhead.observe(overhead)
	}
	if g.access == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("model", r.model),
		slog.String("routed_model", r.routed),
		slog.String("deployment", r.deployment),
		slog.Int("attempts", r.attempts),
		slog.Int("status", r.status),
		slog.String("outcome", r.outcome),
		slog.Bool("stream", r.stream),
		slog.Float64("latency_ms", ms(time.Since(r.start))),
		slog.Float64("ttft_ms", ms(r.ttft)),
		slog.Float64("overhead_ms", ms(overhead)),
		slog.Int64("input_tokens", r.inputTokens),
		slog.Int64("output_tokens", r.outputTokens),
	}
	if r.affinity != "" {
		attrs = append(attrs, slog.String("affinity", r.affinity))
	}
	if r.aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	g.access.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// ms rounds to microseconds, as milliseconds.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
