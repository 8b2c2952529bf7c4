package main

// The request path of POST /v1/chat/completions: pick, call, relay, report (README.md, "What a
// request goes through").

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// chatRequest is a request body as the gateway needs it.
type chatRequest struct {
	body  []byte // as received
	model string
	// fields: the body's top-level members, decoded on first need (a model renamed for an
	// upstream, an affinity key from the body); nil until then.
	fields map[string]json.RawMessage
}

// parseChatRequest reads only "model": the body is forwarded as it came unless the upstream
// needs another model name, so most requests are never decoded into a map.
func parseChatRequest(body []byte) (*chatRequest, error) {
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v) // for the message: where the body goes wrong
		return nil, fmt.Errorf("invalid_json: the body must be a JSON object: %w", err)
	}
	c := &chatRequest{body: body}
	if b := body[skipSpace(body, 0)]; b != '{' {
		return nil, errors.New("invalid_json: the body must be a JSON object")
	}
	if err := json.Unmarshal(topLevelMember(body, "model"), &c.model); err != nil || c.model == "" {
		return nil, errors.New("missing_model: 'model' must be a non-empty string")
	}
	return c, nil
}

func (c *chatRequest) members() map[string]json.RawMessage {
	if c.fields == nil {
		c.fields = map[string]json.RawMessage{}
		json.Unmarshal(c.body, &c.fields) // parseChatRequest checked it is an object
	}
	return c.fields
}

// bodyFor is the body to send to an upstream that expects model.
func (c *chatRequest) bodyFor(model string) []byte {
	if model == c.model {
		return c.body
	}
	f := c.members()
	f["model"], _ = json.Marshal(model)
	b, _ := json.Marshal(f)
	return b
}

// apiError writes an OpenAI-style error.
func (g *gateway) apiError(w http.ResponseWriter, rec *requestRecord, status int, typ, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"error": map[string]any{"message": message, "type": typ, "code": code}}
	json.NewEncoder(w).Encode(body)
	g.responded(rec, status)
	if rec.outcome == "" {
		rec.outcome = code
	}
}

// responded counts a response sent to the client; from here on the gateway's own latency stops.
func (g *gateway) responded(rec *requestRecord, status int) {
	g.stats.response(status)
	rec.status = status
	rec.committed = time.Now()
}

// failure is an upstream's answer (or a synthesised one) that the client gets if no other
// attempt does better.
type failure struct {
	status  int
	header  http.Header
	body    []byte
	outcome string
}

func (g *gateway) chatCompletions(w http.ResponseWriter, req *http.Request) {
	rec := &requestRecord{start: time.Now()}
	defer g.finish(rec)
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		g.apiError(w, rec, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed",
			"use POST")
		return
	}
	st := g.state.Load()
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, st.cfg.gateway.MaxBodyBytes))
	if err != nil {
		g.apiError(w, rec, http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large",
			"request body too large or unreadable: "+err.Error())
		return
	}
	rec.ready = time.Now() // the client's upload is not the gateway's latency
	cr, err := parseChatRequest(body)
	if err != nil {
		code, message, _ := strings.Cut(err.Error(), ": ")
		g.apiError(w, rec, http.StatusBadRequest, "invalid_request_error", code, message)
		return
	}
	rec.model = cr.model
	var key string
	key, rec.affinity = st.affinity.key(req, cr)
	var hashes []uint64 // the prompt's prefix blocks, for engine_aware (prefix_hashes.go)
	if st.prefixHashes {
		hashes = promptPrefixHashes(cr)
	}
	priority, err := requestPriority(req)
	if err != nil {
		g.apiError(w, rec, http.StatusBadRequest, "invalid_request_error", "invalid_priority",
			err.Error())
		return
	}

	var tried []string
	var last *failure
	for attempt := 1; attempt <= st.cfg.gateway.MaxAttempts; attempt++ {
		p, err := g.pick(cr.model, tried, key, hashes, priority)
		if err != nil {
			if last != nil {
				break // nothing else to try: the client gets the last upstream failure
			}
			g.pickError(w, rec, cr.model, err)
			return
		}
		tried = append(tried, p.Deployment)
		if attempt > 1 {
			g.stats.failovers.Add(1)
		}
		rec.attempts, rec.deployment, rec.routed = len(tried), p.Deployment, p.Model
		u := g.state.Load().upstreams[p.Deployment]
		if u == nil {
			// A deployment of a configuration being replaced: not this request's business.
			g.router.Cancel(p.Ticket)
			g.stats.noUpstreamPick.Add(1)
			continue
		}
		f, done := g.attempt(w, req, st, u, p, cr, rec)
		if done {
			if rec.aborted {
				// The stream broke after the client got part of it: end the response without
				// its terminating chunk, so that the client sees an error and not a complete,
				// silently truncated answer. net/http recognises this panic and logs nothing.
				panic(http.ErrAbortHandler)
			}
			return
		}
		last = f
	}
	if last == nil {
		g.apiError(w, rec, http.StatusServiceUnavailable, "service_unavailable", "no_deployment",
			fmt.Sprintf("no deployment of '%s' could take the request", cr.model))
		return
	}
	for k, v := range last.header {
		w.Header()[k] = v
	}
	w.Header().Set("X-LLMRoute-Attempts", strconv.Itoa(len(tried)))
	w.WriteHeader(last.status)
	w.Write(last.body)
	g.responded(rec, last.status)
	rec.outcome = last.outcome
}

// pick chooses a deployment of model other than those tried, then one of the model's fallback
// chain (llmroute lists it after the model's own eligible deployments). key is the session
// affinity key ("" for none), hashes the prompt's prefix hashes (nil for none), priority the
// request's class (priority.go).
func (g *gateway) pick(model string, tried []string, key string, hashes []uint64,
	priority llmroute.Priority) (llmroute.Pick, error) {
	p, err := g.pickOne(model, tried, key, hashes, priority)
	if err == nil || errors.Is(err, llmroute.ErrUnknownModel) {
		return p, err
	}
	candidates, ferr := g.router.Fallbacks(model, tried...)
	if ferr != nil {
		return p, err
	}
	seen := map[string]bool{model: true}
	for _, c := range candidates {
		if seen[c.Model] {
			continue
		}
		seen[c.Model] = true
		if fp, ferr := g.pickOne(c.Model, tried, key, hashes, priority); ferr == nil {
			return fp, nil
		}
	}
	return p, err
}

func (g *gateway) pickError(w http.ResponseWriter, rec *requestRecord, model string, err error) {
	var e *llmroute.Error
	errors.As(err, &e)
	switch {
	case errors.Is(err, llmroute.ErrUnknownModel):
		g.apiError(w, rec, http.StatusNotFound, "invalid_request_error", "model_not_found",
			fmt.Sprintf("the model '%s' does not exist on this gateway", model))
	case errors.Is(err, llmroute.ErrNoProvider), errors.Is(err, llmroute.ErrRateLimited):
		status, code := http.StatusServiceUnavailable, "no_deployment_available"
		if errors.Is(err, llmroute.ErrRateLimited) {
			status, code = http.StatusTooManyRequests, "rate_limit_exceeded"
		}
		if e != nil && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		g.apiError(w, rec, status, "service_unavailable", code,
			fmt.Sprintf("every deployment of '%s' is cooling down or at its limits", model))
	default:
		g.apiError(w, rec, http.StatusInternalServerError, "server_error", "router_error", err.Error())
	}
}

// attempt sends the request to one deployment and reports how it went. done: the client has
// its answer (or is gone); otherwise f is the failure to relay if nothing better comes.
func (g *gateway) attempt(w http.ResponseWriter, req *http.Request, st *state, u *upstream,
	p llmroute.Pick, cr *chatRequest, rec *requestRecord) (f *failure, done bool) {
	model := u.cfg.Model
	if model == "" {
		model = p.Model // after aliases and fallbacks: what the deployment serves
	}
	ctx, cancel := context.WithTimeout(req.Context(), st.cfg.gateway.attemptTimeout())
	defer cancel()
	ureq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.url, bytes.NewReader(cr.bodyFor(model)))
	if err != nil {
		g.router.Cancel(p.Ticket)
		return &failure{status: http.StatusBadGateway, body: errorJSON("bad upstream URL"), outcome: "bad_upstream_url"}, false
	}
	ureq.Header["Content-Type"] = jsonContentType
	if a := req.Header.Get("Accept"); a != "" {
		ureq.Header.Set("Accept", a)
	}
	if u.apiKey != "" {
		if h := u.cfg.AuthHeader; h != "" && !strings.EqualFold(h, "Authorization") {
			ureq.Header.Set(h, u.apiKey)
		} else {
			ureq.Header.Set("Authorization", "Bearer "+u.apiKey)
		}
	}
	for k, v := range u.cfg.Headers {
		ureq.Header.Set(k, v)
	}

	start := time.Now()
	resp, err := st.client.Do(ureq)
	if err != nil {
		rec.upstreamWait += time.Since(start)
		if req.Context().Err() != nil { // the client went away: nobody's fault
			g.router.Cancel(p.Ticket)
			g.stats.disconnects.Add(1)
			rec.outcome = "client_gone"
			return nil, true
		}
		outcome := classifyTransportError(err)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start)})
		g.log.Warn("upstream attempt failed", "deployment", p.Deployment, "attempt", rec.attempts,
			"outcome", outcome.String(), "err", err)
		status := http.StatusBadGateway
		if outcome == llmroute.OutcomeTimeout {
			status = http.StatusGatewayTimeout
		}
		return &failure{status: status, header: jsonHeader(), outcome: outcome.String(),
			body: errorJSON(fmt.Sprintf("upstream %s: %s", p.Deployment, outcome))}, false
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		errBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		rec.upstreamWait += time.Since(start)
		outcome, retryAfter := classifyStatus(resp.StatusCode, resp.Header, errBody)
		// The quota the provider announced (a daily cap's 429 says its reset is hours away).
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start),
			RetryAfter: retryAfter, Quota: parseQuotaHeaders(resp.Header, time.Now())})
		g.log.Warn("upstream attempt failed", "deployment", p.Deployment, "attempt", rec.attempts,
			"status", resp.StatusCode, "outcome", outcome.String(), "retry_after", retryAfter)
		f := &failure{status: resp.StatusCode, header: http.Header{}, body: errBody, outcome: outcome.String()}
		for _, k := range []string{"Content-Type", "Retry-After", "Retry-After-Ms"} {
			if v := resp.Header.Get(k); v != "" {
				f.header.Set(k, v)
			}
		}
		if !retryable(outcome) {
			// The request's own fault (or the gateway's credentials): no other deployment
			// would do better, answer now.
			for k, v := range f.header {
				w.Header()[k] = v
			}
			w.Header().Set("X-LLMRoute-Deployment", p.Deployment)
			w.WriteHeader(f.status)
			w.Write(f.body)
			g.responded(rec, f.status)
			rec.outcome = f.outcome
			return nil, true
		}
		return f, false
	}
	return g.relay(w, req, resp, p, start, rec)
}

// relay streams a successful response to the client as it arrives: every chunk read from the
// upstream is written and flushed at once, so server-sent events are never buffered. Nothing
// is sent before the first body bytes arrive, so an upstream that fails before that still
// fails over. A response that breaks after that sets rec.aborted (the caller aborts it).
func (g *gateway) relay(w http.ResponseWriter, req *http.Request, resp *http.Response,
	p llmroute.Pick, start time.Time, rec *requestRecord) (*failure, bool) {
	stream := isEventStream(resp.Header.Get("Content-Type"))
	rec.stream = stream
	bp := relayBuffers.Get().(*[]byte)
	defer relayBuffers.Put(bp)
	buf := *bp
	n, rerr := io.ReadAtLeast(resp.Body, buf, 1)
	ttft := time.Since(start)
	rec.upstreamWait += ttft
	if n == 0 && rerr != nil && rerr != io.EOF {
		if req.Context().Err() != nil {
			g.router.Cancel(p.Ticket)
			g.stats.disconnects.Add(1)
			rec.outcome = "client_gone"
			return nil, true
		}
		outcome := classifyTransportError(rerr)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start)})
		g.log.Warn("upstream failed before the first byte", "deployment", p.Deployment,
			"attempt", rec.attempts, "outcome", outcome.String(), "err", rerr)
		return &failure{status: http.StatusBadGateway, header: jsonHeader(), outcome: outcome.String(),
			body: errorJSON(fmt.Sprintf("upstream %s: %s", p.Deployment, outcome))}, false
	}

	// Committed: from here on the client has this response, whatever happens.
	h := w.Header()
	for k, v := range resp.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Trailer",
			"Upgrade", "Proxy-Connection":
			continue
		}
		h[k] = v
	}
	// Canonical keys assigned directly: Header.Set would canonicalise them on every request.
	h["X-Llmroute-Deployment"] = []string{p.Deployment}
	h["X-Llmroute-Model"] = []string{p.Model}
	h["X-Llmroute-Attempts"] = []string{strconv.Itoa(rec.attempts)}
	if stream {
		h["X-Accel-Buffering"] = []string{"no"} // and tell proxies in front not to buffer either
	}
	w.WriteHeader(resp.StatusCode)
	g.responded(rec, resp.StatusCode)
	rec.ttft = ttft
	rc := http.NewResponseController(w)
	usage := &usageScanner{stream: stream}
	var tail eventTail
	clientGone := false
	for {
		if n > 0 {
			usage.feed(buf[:n])
			tail.add(buf[:n])
			if _, err := w.Write(buf[:n]); err != nil {
				clientGone = true
				break
			}
			if stream {
				if err := rc.Flush(); err != nil {
					clientGone = true
					break
				}
			}
		}
		if rerr != nil {
			break
		}
		n, rerr = resp.Body.Read(buf)
	}
	if rerr != nil && rerr != io.EOF && stream && usage.done && tail.atEventEnd() {
		rerr = nil // everything up to [DONE] arrived; only the connection's end was unclean
	}
	switch {
	case clientGone || req.Context().Err() != nil:
		g.router.Cancel(p.Ticket) // the client left; the deployment did nothing wrong
		g.stats.disconnects.Add(1)
		rec.outcome = "client_gone"
	case rerr != nil && rerr != io.EOF:
		// The stream broke after it started: the deployment's fault, but too late to retry.
		outcome := classifyTransportError(rerr)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start)})
		g.stats.brokenStreams.Add(1)
		g.log.Warn("upstream response broke after it started; aborting the client's response",
			"deployment", p.Deployment, "outcome", outcome.String(), "err", rerr)
		rec.outcome = "broken_" + outcome.String()
		rec.aborted = true
		if stream && tail.atEventEnd() {
			// An SSE client (the openai SDKs among them) raises this event's error; one that
			// ignores it still sees the aborted connection.
			w.Write(streamErrorEvent(p.Deployment, outcome))
			rc.Flush()
		}
	default:
		in, out := usage.tokens()
		r := llmroute.Report{Outcome: llmroute.OutcomeSuccess, Latency: time.Since(start),
			InputTokens: in, OutputTokens: out, Quota: parseQuotaHeaders(resp.Header, time.Now())}
		if stream {
			r.TTFT = ttft // the latency strategies rank streams by time to first token
		}
		g.router.Report(p.Ticket, r)
		rec.outcome = "success"
		rec.inputTokens, rec.outputTokens = in, out
	}
	return nil, true
}

// relayBuffers recycle relay's 32 KiB read buffers (one per request otherwise, most of the
// gateway's garbage).
var relayBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// eventTail remembers the last bytes relayed, to tell whether they end an SSE event (a blank
// line, https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
// only there can an event of the gateway's own be appended without corrupting the upstream's.
type eventTail struct {
	b [4]byte
	n int
}

func (t *eventTail) add(p []byte) {
	for _, c := range p[max(0, len(p)-len(t.b)):] {
		copy(t.b[:], t.b[1:])
		t.b[len(t.b)-1] = c
		t.n = min(t.n+1, len(t.b))
	}
}

func (t *eventTail) atEventEnd() bool {
	s := string(t.b[len(t.b)-t.n:])
	return strings.HasSuffix(s, "\n\n") || strings.HasSuffix(s, "\r\r") || strings.HasSuffix(s, "\r\n\r\n")
}

// streamErrorEvent is the SSE event that ends a broken stream: an OpenAI-style error object as
// the data, which the openai SDKs raise as an APIError.
func streamErrorEvent(deployment string, outcome llmroute.Outcome) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": fmt.Sprintf("the upstream %s broke the stream (%s); the response is incomplete", deployment, outcome),
		"type":    "upstream_error", "code": "stream_interrupted"}})
	return []byte("data: " + string(b) + "\n\n")
}

// jsonContentType is shared by every upstream request; net/http never modifies it.
var jsonContentType = []string{"application/json"}

// isEventStream: the Content-Type is text/event-stream (parameters and case aside), without
// mime.ParseMediaType's map per call.
func isEventStream(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "text/event-stream")
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": []string{"application/json"}}
}

func errorJSON(message string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": "upstream_error", "code": "upstream_unavailable"}})
	return b
}
