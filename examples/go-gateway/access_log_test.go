package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestAccessLogFormat: the hand-formatted line reads as slog's handlers would write it, for
// values that need quoting or escaping too.
func TestAccessLogFormat(t *testing.T) {
	now := time.Date(2026, 12, 3, 13, 4, 5, 123456789, time.UTC)
	for _, model := range []string{"gpt-4o", "", "a b", `quo"te`, "eq=ual", "back\\slash", "ünï", "ctl\x01\n", "<html>&"} {
		r := &requestRecord{start: now.Add(-1500 * time.Microsecond), model: model, routed: "gpt-4o",
			deployment: "azure-eu", attempts: 2, status: 200, outcome: "success", stream: true,
			ttft: 250 * time.Microsecond, inputTokens: 11, outputTokens: 3, affinity: "header:x-session-id"}
		attrs := []slog.Attr{slog.String("model", model), slog.String("routed_model", "gpt-4o"),
			slog.String("deployment", "azure-eu"), slog.Int("attempts", 2), slog.Int("status", 200),
			slog.String("outcome", "success"), slog.Bool("stream", true), slog.Float64("latency_ms", 1.5),
			slog.Float64("ttft_ms", 0.25), slog.Float64("overhead_ms", 0.05), slog.Int64("input_tokens", 11),
			slog.Int64("output_tokens", 3), slog.String("affinity", "header:x-session-id")}
		for _, asJSON := range []bool{false, true} {
			var ours, theirs bytes.Buffer
			newAccessLog(&ours, asJSON).write(r, 50*time.Microsecond, now)
			opts := &slog.HandlerOptions{}
			var h slog.Handler = slog.NewTextHandler(&theirs, opts)
			if asJSON {
				h = slog.NewJSONHandler(&theirs, opts)
			}
			rec := slog.NewRecord(now, slog.LevelInfo, "request", 0)
			rec.AddAttrs(attrs...)
			h.Handle(context.Background(), rec)
			if asJSON {
				var a, b map[string]any
				if err := json.Unmarshal(ours.Bytes(), &a); err != nil {
					t.Fatalf("%q: not JSON: %v", ours.String(), err)
				}
				json.Unmarshal(theirs.Bytes(), &b)
				ja, _ := json.Marshal(a)
				jb, _ := json.Marshal(b)
				if !bytes.Equal(ja, jb) {
					t.Errorf("model %q:\n ours   %s\n slog's %s", model, ours.String(), theirs.String())
				}
				continue
			}
			if ours.String() != theirs.String() {
				t.Errorf("model %q:\n ours   %s slog's %s", model, ours.String(), theirs.String())
			}
		}
	}
	// One line each, always.
	var out bytes.Buffer
	newAccessLog(&out, false).write(&requestRecord{model: "x\ny"}, 0, now)
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("%q", out.String())
	}
}
