package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Upstreams that break after the gateway committed their response to the client.

// breakAfter writes the status, headers and body parts, flushing each, then drops the
// connection without ending the response (no terminating chunk, or short of Content-Length).
func breakAfter(contentType string, contentLength int, parts ...string) func(*fakeUpstream, http.ResponseWriter, *http.Request, map[string]any) bool {
	return func(f *fakeUpstream, w http.ResponseWriter, r *http.Request, _ map[string]any) bool {
		w.Header().Set("Content-Type", contentType)
		if contentLength > 0 {
			w.Header().Set("Content-Length", fmt.Sprint(contentLength))
		}
		w.WriteHeader(http.StatusOK)
		for _, p := range parts {
			io.WriteString(w, p)
			w.(http.Flusher).Flush()
		}
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return true
	}
}

const (
	event1 = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hello\"},\"finish_reason\":null}]}\n\n"
	event2 = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" wor\"},\"finish_reason\":null}]}\n\n"
)

// brokenUpstreams are one deployment per way to break, each the only one of its model.
func brokenUpstreams(t *testing.T) *testGateway {
	fakes := map[string]*fakeUpstream{
		// after whole events: the gateway can append an error event
		"at-event": newFake(t, "at-event", 0, breakAfter("text/event-stream", 0, event1, event2)),
		// in the middle of an event: appending one would corrupt it
		"mid-event": newFake(t, "mid-event", 0, breakAfter("text/event-stream", 0, event1, `data: {"id":"c","choi`)),
		// a JSON body cut short of its Content-Length
		"json": newFake(t, "json", 0, breakAfter("application/json", 400, `{"id":"c","object":"chat.completion","choices":[`)),
		// everything up to [DONE], then a connection dropped instead of ended: complete
		"done": newFake(t, "done", 0, breakAfter("text/event-stream", 0, event1, "data: [DONE]\n\n")),
		"ok":   newFake(t, "ok", 0, nil),
	}
	models := map[string][]string{}
	for name := range fakes {
		models[name] = []string{name}
	}
	return startInProcess(t, fakes, models, map[string]any{"max_attempts": 1})
}

func TestBrokenResponseIsAbortedNotEnded(t *testing.T) {
	tg := brokenUpstreams(t)
	for _, c := range []struct {
		model      string
		stream     bool
		broken     bool
		errorEvent bool
	}{
		{"at-event", true, true, true},
		{"mid-event", true, true, false},
		{"json", false, true, false},
		{"done", true, false, false},
		{"ok", true, false, false},
		{"ok", false, false, false},
	} {
		resp, err := http.Post(tg.srv.URL+"/v1/chat/completions", "application/json",
			strings.NewReader(fmt.Sprintf(`{"model":%q,"stream":%v}`, c.model, c.stream)))
		var body []byte
		var rerr error
		switch {
		case err != nil && c.broken && !c.stream:
			// Nothing of a JSON body had been flushed: the connection ends before the headers.
			rerr = io.ErrUnexpectedEOF
		case err != nil:
			t.Fatalf("%s: %v", c.model, err)
		default:
			body, rerr = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", c.model, resp.StatusCode)
			}
		}
		if c.broken {
			// The client must see an error, not a clean end of a truncated answer.
			if !errors.Is(rerr, io.ErrUnexpectedEOF) {
				t.Errorf("%s: the broken response ended with %v, want unexpected EOF; body %q", c.model, rerr, body)
			}
			if c.stream && !strings.HasPrefix(string(body), event1) {
				t.Errorf("%s: the events before the break are missing: %q", c.model, body)
			}
		} else if rerr != nil {
			t.Errorf("%s: a complete response ended with %v", c.model, rerr)
		}
		hasEvent := strings.Contains(string(body), `"code":"stream_interrupted"`)
		if hasEvent != c.errorEvent {
			t.Errorf("%s: error event %v, want %v: %q", c.model, hasEvent, c.errorEvent, body)
		}
		if c.errorEvent && (!strings.HasPrefix(string(body), event1+event2+`data: {"error":`) ||
			!strings.HasSuffix(string(body), "}}\n\n")) {
			t.Errorf("%s: the error event is not a whole event after the upstream's: %q", c.model, body)
		}
		h, _ := tg.router.Health(c.model)
		if c.broken && (h.Failures != 1 || h.Successes != 0) {
			t.Errorf("%s: a broken response must count against the deployment: %+v", c.model, h)
		}
		if !c.broken && h.Failures != 0 {
			t.Errorf("%s: a complete response counted as a failure: %+v", c.model, h)
		}
	}
	text := tg.metrics(t)
	if v := metric(text, "gateway_broken_streams_total", ""); v != 3 {
		t.Errorf("gateway_broken_streams_total %v, want 3", v)
	}
	aborted := 0
	for _, l := range tg.logLines(t, "request") {
		if l["aborted"] == true {
			aborted++
			if !strings.HasPrefix(l["outcome"].(string), "broken_") {
				t.Errorf("aborted request logged with outcome %v", l["outcome"])
			}
		}
	}
	if aborted != 3 {
		t.Errorf("%d aborted requests in the access log, want 3:\n%s", aborted, tg.log.String())
	}
}

func TestEventTail(t *testing.T) {
	for _, c := range []struct {
		chunks []string
		want   bool
	}{
		{[]string{"data: x\n\n"}, true},
		{[]string{"data: x\n", "\n"}, true},
		{[]string{"data: x\r\n\r\n"}, true},
		{[]string{"data: x\r", "\r"}, true},
		{[]string{"data: x\n"}, false},
		{[]string{"data: x\n\ndata: y"}, false},
		{[]string{"\n", "\n", "d"}, false},
		{[]string{"d", "\n", "\n"}, true},
	} {
		var tail eventTail
		for _, ch := range c.chunks {
			tail.add([]byte(ch))
		}
		if got := tail.atEventEnd(); got != c.want {
			t.Errorf("%q: %v, want %v", c.chunks, got, c.want)
		}
	}
}
