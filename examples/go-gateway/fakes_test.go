package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeUpstream is an OpenAI-compatible upstream on 127.0.0.1 whose behaviour a test chooses.
type fakeUpstream struct {
	name string
	srv  *httptest.Server
	// behave answers one request; nil: a normal completion.
	behave    func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, body map[string]any) bool
	delay     time.Duration
	requests  atomic.Int64
	successes atomic.Int64
	mu        sync.Mutex
	lastAuth  string
	lastModel string
}

func newFake(t testing.TB, name string, delay time.Duration,
	behave func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, body map[string]any) bool) *fakeUpstream {
	f := &fakeUpstream{name: name, delay: delay, behave: behave}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeUpstream) url() string { return f.srv.URL + "/v1" }

func (f *fakeUpstream) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.lastAuth = r.Header.Get("Authorization")
	f.lastModel, _ = body["model"].(string)
	f.mu.Unlock()
	if f.behave != nil && f.behave(f, w, r, body) {
		return
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	writeCompletion(w, body, f.name)
	f.successes.Add(1)
}

// checkCompletion validates what a client received: status 200 and a complete answer.
func checkCompletion(resp *http.Response, body []byte, stream bool) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if stream {
		if !strings.HasSuffix(string(body), "data: [DONE]\n\n") || !strings.Contains(string(body), "hello") {
			return fmt.Errorf("incomplete stream: %q", body)
		}
		return nil
	}
	var c struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(body, &c); err != nil || len(c.Choices) != 1 ||
		!strings.HasPrefix(c.Choices[0].Message.Content, "hello from ") {
		return fmt.Errorf("bad completion %q (%v)", body, err)
	}
	return nil
}
