package main

// A fake OpenAI-compatible upstream: the quickstart's (quickstart.go) and the tests'.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// writeCompletion answers like OpenAI's chat completions: a JSON completion, or server-sent
// events when the body asks for a stream. who is the text's last word.
func writeCompletion(w http.ResponseWriter, body map[string]any, who string) {
	model, _ := body["model"].(string)
	created := time.Now().Unix()
	if stream, _ := body["stream"].(bool); stream {
		w.Header().Set("Content-Type", "text/event-stream")
		fl, _ := w.(http.Flusher)
		chunk := func(choices string, extra string) {
			fmt.Fprintf(w, "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":%d,\"model\":%q,\"choices\":%s%s}\n\n",
				created, model, choices, extra)
			if fl != nil {
				fl.Flush()
			}
		}
		for _, word := range []string{"hello", " from ", who} {
			chunk(fmt.Sprintf(`[{"index":0,"delta":{"content":%q},"finish_reason":null}]`, word), "")
		}
		chunk(`[{"index":0,"delta":{},"finish_reason":"stop"}]`, "")
		chunk(`[]`, `,"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14}`)
		io.WriteString(w, "data: [DONE]\n\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": created, "model": model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": "hello from " + who}}},
		"usage": map[string]any{"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14},
	})
}

// fakeUpstreamHandler serves POST /v1/chat/completions with writeCompletion.
func fakeUpstreamHandler(who string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, `{"error":{"message":"the body must be JSON","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		writeCompletion(w, body, who)
	})
}
