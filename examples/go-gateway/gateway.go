package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// upstream is a deployment as the gateway reaches it.
type upstream struct {
	name   string
	url    string
	cfg    upstreamConfig
	apiKey string
}

// state is what a configuration gives the gateway; replaced as a whole on reload.
type state struct {
	cfg       *config
	upstreams map[string]*upstream
	client    *http.Client
}

func newState(c *config) *state {
	s := &state{cfg: c, upstreams: map[string]*upstream{}}
	for name, u := range c.gateway.Upstreams {
		url := strings.TrimRight(u.BaseURL, "/") + "/chat/completions"
		if u.Query != "" {
			url += "?" + strings.TrimPrefix(u.Query, "?")
		}
		key := u.APIKey
		if u.APIKeyEnv != "" {
			key = os.Getenv(u.APIKeyEnv)
		}
		s.upstreams[name] = &upstream{name: name, url: url, cfg: u, apiKey: key}
	}
	s.client = &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: c.gateway.headerTimeout(),
	}}
	return s
}

// counters are the gateway's own metrics, served after llmroute's at /metrics.
type counters struct {
	mu             sync.Mutex
	responses      map[int]int64
	failovers      atomic.Int64
	disconnects    atomic.Int64
	reloadsOK      atomic.Int64
	reloadsFailed  atomic.Int64
	brokenStreams  atomic.Int64
	noUpstreamPick atomic.Int64
}

func (c *counters) response(code int) {
	c.mu.Lock()
	c.responses[code]++
	c.mu.Unlock()
}

// gateway serves the OpenAI-compatible API over llmroute.
type gateway struct {
	router *llmroute.Router
	state  atomic.Pointer[state]
	log    *slog.Logger
	stats  counters
	reload sync.Mutex
}

func newGateway(router *llmroute.Router, c *config, log *slog.Logger) *gateway {
	g := &gateway{router: router, log: log}
	g.stats.responses = map[int]int64{}
	g.state.Store(newState(c))
	return g
}

func (g *gateway) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", g.chatCompletions)
	mux.HandleFunc("/v1/models", g.models)
	mux.HandleFunc("/metrics", g.metrics)
	mux.HandleFunc("/healthz", g.healthz)
	return mux
}

// reloadFile applies the configuration file again (SIGHUP): the gateway's upstreams and
// llmroute's deployments change together, or not at all.
func (g *gateway) reloadFile(path string) error {
	g.reload.Lock()
	defer g.reload.Unlock()
	err := g.applyFile(path)
	if err != nil {
		g.stats.reloadsFailed.Add(1)
		g.log.Error("configuration rejected; still running the previous one", "path", path, "err", err)
		return err
	}
	g.stats.reloadsOK.Add(1)
	g.log.Info("configuration reloaded", "path", path)
	return nil
}

func (g *gateway) applyFile(path string) error {
	c, err := loadConfig(path)
	if err != nil {
		return err
	}
	old := g.state.Load()
	if c.gateway.Listen != old.cfg.gateway.Listen {
		g.log.Warn("_gateway.listen changes only on restart", "listen", old.cfg.gateway.Listen)
	}
	next := newState(c)
	// While llmroute switches, a pick may return a deployment of either configuration: serve
	// the union until the switch is done.
	union := &state{cfg: old.cfg, upstreams: map[string]*upstream{}, client: old.client}
	for k, v := range old.upstreams {
		union.upstreams[k] = v
	}
	for k, v := range next.upstreams {
		union.upstreams[k] = v
	}
	g.state.Store(union)
	if err := g.router.ApplyConfig(c.raw); err != nil {
		g.state.Store(old)
		return err
	}
	g.state.Store(next)
	if t, ok := old.client.Transport.(*http.Transport); ok {
		t.CloseIdleConnections() // calls in progress keep theirs
	}
	return nil
}

// apiError writes an OpenAI-style error.
func (g *gateway) apiError(w http.ResponseWriter, status int, typ, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"error": map[string]any{"message": message, "type": typ, "code": code}}
	json.NewEncoder(w).Encode(body)
	g.stats.response(status)
}

// failure is an upstream's answer (or a synthesised one) that the client gets if no other
// attempt does better.
type failure struct {
	status int
	header http.Header
	body   []byte
}

func (g *gateway) chatCompletions(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		g.apiError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed",
			"use POST")
		return
	}
	st := g.state.Load()
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, st.cfg.gateway.MaxBodyBytes))
	if err != nil {
		g.apiError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large",
			"request body too large or unreadable: "+err.Error())
		return
	}
	var fields map[string]json.RawMessage
	var model string
	if err := json.Unmarshal(body, &fields); err != nil {
		g.apiError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json",
			"the body must be a JSON object: "+err.Error())
		return
	}
	if err := json.Unmarshal(fields["model"], &model); err != nil || model == "" {
		g.apiError(w, http.StatusBadRequest, "invalid_request_error", "missing_model",
			"'model' must be a non-empty string")
		return
	}

	var tried []string
	var last *failure
	for attempt := 1; attempt <= st.cfg.gateway.MaxAttempts; attempt++ {
		p, err := g.pick(model, tried)
		if err != nil {
			if last != nil {
				break // nothing else to try: the client gets the last upstream failure
			}
			g.pickError(w, model, err)
			return
		}
		tried = append(tried, p.Deployment)
		if attempt > 1 {
			g.stats.failovers.Add(1)
		}
		u := g.state.Load().upstreams[p.Deployment]
		if u == nil {
			// A deployment of a configuration being replaced: not this request's business.
			g.router.Cancel(p.Ticket)
			g.stats.noUpstreamPick.Add(1)
			continue
		}
		f, done := g.attempt(w, req, st, u, p, fields, attempt)
		if done {
			return
		}
		last = f
	}
	if last == nil {
		g.apiError(w, http.StatusServiceUnavailable, "service_unavailable", "no_deployment",
			fmt.Sprintf("no deployment of '%s' could take the request", model))
		return
	}
	for k, v := range last.header {
		w.Header()[k] = v
	}
	w.Header().Set("X-LLMRoute-Attempts", strconv.Itoa(len(tried)))
	w.WriteHeader(last.status)
	w.Write(last.body)
	g.stats.response(last.status)
}

// pick chooses a deployment of model other than those tried, then one of the model's fallback
// chain (llmroute lists it after the model's own eligible deployments).
func (g *gateway) pick(model string, tried []string) (llmroute.Pick, error) {
	var p llmroute.Pick
	var err error
	if len(tried) == 0 {
		p, err = g.router.Pick(model)
	} else {
		p, err = g.router.PickExcluding(model, tried...)
	}
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
		if fp, ferr := g.router.PickExcluding(c.Model, tried...); ferr == nil {
			return fp, nil
		}
	}
	return p, err
}

func (g *gateway) pickError(w http.ResponseWriter, model string, err error) {
	var e *llmroute.Error
	errors.As(err, &e)
	switch {
	case errors.Is(err, llmroute.ErrUnknownModel):
		g.apiError(w, http.StatusNotFound, "invalid_request_error", "model_not_found",
			fmt.Sprintf("the model '%s' does not exist on this gateway", model))
	case errors.Is(err, llmroute.ErrNoProvider), errors.Is(err, llmroute.ErrRateLimited):
		status, code := http.StatusServiceUnavailable, "no_deployment_available"
		if errors.Is(err, llmroute.ErrRateLimited) {
			status, code = http.StatusTooManyRequests, "rate_limit_exceeded"
		}
		if e != nil && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		g.apiError(w, status, "service_unavailable", code,
			fmt.Sprintf("every deployment of '%s' is cooling down or at its limits", model))
	default:
		g.apiError(w, http.StatusInternalServerError, "server_error", "router_error", err.Error())
	}
}

// attempt sends the request to one deployment and reports how it went. done: the client has
// its answer (or is gone); otherwise f is the failure to relay if nothing better comes.
func (g *gateway) attempt(w http.ResponseWriter, req *http.Request, st *state, u *upstream,
	p llmroute.Pick, fields map[string]json.RawMessage, attempt int) (f *failure, done bool) {
	model := u.cfg.Model
	if model == "" {
		model = p.Model // after aliases and fallbacks: what the deployment serves
	}
	fields["model"], _ = json.Marshal(model)
	body, _ := json.Marshal(fields)

	ctx, cancel := context.WithTimeout(req.Context(), st.cfg.gateway.attemptTimeout())
	defer cancel()
	ureq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.url, bytes.NewReader(body))
	if err != nil {
		g.router.Cancel(p.Ticket)
		return &failure{status: http.StatusBadGateway, body: errorJSON("bad upstream URL")}, false
	}
	ureq.Header.Set("Content-Type", "application/json")
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
		if req.Context().Err() != nil { // the client went away: nobody's fault
			g.router.Cancel(p.Ticket)
			g.stats.disconnects.Add(1)
			return nil, true
		}
		outcome := classifyTransportError(err)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start)})
		g.log.Warn("upstream attempt failed", "deployment", p.Deployment, "attempt", attempt,
			"outcome", outcome.String(), "err", err)
		status := http.StatusBadGateway
		if outcome == llmroute.OutcomeTimeout {
			status = http.StatusGatewayTimeout
		}
		return &failure{status: status, header: jsonHeader(),
			body: errorJSON(fmt.Sprintf("upstream %s: %s", p.Deployment, outcome))}, false
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		errBody, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		outcome, retryAfter := classifyStatus(resp.StatusCode, resp.Header, errBody)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start),
			RetryAfter: retryAfter})
		g.log.Warn("upstream attempt failed", "deployment", p.Deployment, "attempt", attempt,
			"status", resp.StatusCode, "outcome", outcome.String(), "retry_after", retryAfter)
		f := &failure{status: resp.StatusCode, header: http.Header{}, body: errBody}
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
			g.stats.response(f.status)
			return nil, true
		}
		return f, false
	}
	return g.relay(w, req, resp, p, start, attempt)
}

// relay streams a successful response to the client as it arrives: every chunk read from the
// upstream is written and flushed at once, so server-sent events are never buffered. Nothing
// is sent before the first body bytes arrive, so an upstream that fails before that still
// fails over.
func (g *gateway) relay(w http.ResponseWriter, req *http.Request, resp *http.Response,
	p llmroute.Pick, start time.Time, attempt int) (*failure, bool) {
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	stream := mediaType == "text/event-stream"
	buf := make([]byte, 32<<10)
	n, rerr := io.ReadAtLeast(resp.Body, buf, 1)
	if n == 0 && rerr != nil && rerr != io.EOF {
		if req.Context().Err() != nil {
			g.router.Cancel(p.Ticket)
			g.stats.disconnects.Add(1)
			return nil, true
		}
		outcome := classifyTransportError(rerr)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start)})
		g.log.Warn("upstream failed before the first byte", "deployment", p.Deployment,
			"attempt", attempt, "outcome", outcome.String(), "err", rerr)
		return &failure{status: http.StatusBadGateway, header: jsonHeader(),
			body: errorJSON(fmt.Sprintf("upstream %s: %s", p.Deployment, outcome))}, false
	}
	ttft := time.Since(start)

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
	h.Set("X-LLMRoute-Deployment", p.Deployment)
	h.Set("X-LLMRoute-Model", p.Model)
	h.Set("X-LLMRoute-Attempts", strconv.Itoa(attempt))
	if stream {
		h.Set("X-Accel-Buffering", "no") // and tell proxies in front not to buffer either
	}
	w.WriteHeader(resp.StatusCode)
	g.stats.response(resp.StatusCode)
	rc := http.NewResponseController(w)
	usage := &usageScanner{stream: stream}
	clientGone := false
	for {
		if n > 0 {
			usage.feed(buf[:n])
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
	switch {
	case clientGone || req.Context().Err() != nil:
		g.router.Cancel(p.Ticket) // the client left; the deployment did nothing wrong
		g.stats.disconnects.Add(1)
	case rerr != nil && rerr != io.EOF:
		// The stream broke after it started: the deployment's fault, but too late to retry.
		outcome := classifyTransportError(rerr)
		g.router.Report(p.Ticket, llmroute.Report{Outcome: outcome, Latency: time.Since(start)})
		g.stats.brokenStreams.Add(1)
		g.log.Warn("upstream stream broke", "deployment", p.Deployment, "err", rerr)
	default:
		in, out := usage.tokens()
		r := llmroute.Report{Outcome: llmroute.OutcomeSuccess, Latency: time.Since(start),
			InputTokens: in, OutputTokens: out}
		if stream {
			r.TTFT = ttft // the latency strategies rank streams by time to first token
		}
		g.router.Report(p.Ticket, r)
	}
	return nil, true
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": []string{"application/json"}}
}

func errorJSON(message string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": "upstream_error", "code": "upstream_unavailable"}})
	return b
}

// usageScanner finds the token usage in a response without holding it: the last "usage" object
// of a JSON body (kept up to 4 MiB), or of an SSE stream's data lines.
type usageScanner struct {
	stream bool
	buf    []byte
	in     int64
	out    int64
}

type usageJSON struct {
	Usage *struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
	} `json:"usage"`
}

func (s *usageScanner) feed(b []byte) {
	if !s.stream {
		if len(s.buf)+len(b) <= 4<<20 {
			s.buf = append(s.buf, b...)
		} else {
			s.buf = nil
		}
		return
	}
	s.buf = append(s.buf, b...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			if len(s.buf) > 1<<20 {
				s.buf = s.buf[:0] // a line this long is not usage
			}
			return
		}
		line := bytes.TrimSpace(s.buf[:i])
		s.buf = s.buf[i+1:]
		if data, ok := bytes.CutPrefix(line, []byte("data:")); ok && bytes.Contains(data, []byte(`"usage"`)) {
			s.parse(bytes.TrimSpace(data))
		}
	}
}

func (s *usageScanner) parse(b []byte) {
	var u usageJSON
	if json.Unmarshal(b, &u) == nil && u.Usage != nil {
		s.in, s.out = u.Usage.PromptTokens, u.Usage.CompletionTokens
	}
}

func (s *usageScanner) tokens() (int64, int64) {
	if !s.stream && len(s.buf) > 0 {
		s.parse(s.buf)
	}
	return s.in, s.out
}

func (g *gateway) models(w http.ResponseWriter, req *http.Request) {
	st := g.state.Load()
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, m := range st.cfg.models {
		out.Data = append(out.Data, model{ID: m, Object: "model", OwnedBy: "llmroute"})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// metrics serves llmroute's statistics, then the gateway's own counters.
func (g *gateway) metrics(w http.ResponseWriter, req *http.Request) {
	text, err := g.router.MetricsText()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	b.WriteString(text)
	b.WriteString("# HELP gateway_responses_total Responses sent to clients, by HTTP status.\n")
	b.WriteString("# TYPE gateway_responses_total counter\n")
	g.stats.mu.Lock()
	codes := make([]int, 0, len(g.stats.responses))
	for c := range g.stats.responses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "gateway_responses_total{code=\"%d\"} %d\n", c, g.stats.responses[c])
	}
	g.stats.mu.Unlock()
	for _, m := range []struct {
		name, help string
		v          int64
	}{
		{"gateway_failovers_total", "Attempts after the first, on another deployment.", g.stats.failovers.Load()},
		{"gateway_client_disconnects_total", "Requests whose client went away.", g.stats.disconnects.Load()},
		{"gateway_broken_streams_total", "Responses whose upstream failed after they started.", g.stats.brokenStreams.Load()},
	} {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", m.name, m.help, m.name, m.name, m.v)
	}
	b.WriteString("# HELP gateway_config_reloads_total Configuration reloads (SIGHUP), by result.\n")
	b.WriteString("# TYPE gateway_config_reloads_total counter\n")
	fmt.Fprintf(&b, "gateway_config_reloads_total{result=\"ok\"} %d\n", g.stats.reloadsOK.Load())
	fmt.Fprintf(&b, "gateway_config_reloads_total{result=\"rejected\"} %d\n", g.stats.reloadsFailed.Load())
	w.Header().Set("Content-Type", llmroute.MetricsContentType)
	io.WriteString(w, b.String())
}

// healthz: the gateway is up; "degraded" when no deployment is eligible right now.
func (g *gateway) healthz(w http.ResponseWriter, req *http.Request) {
	hs, err := g.router.HealthList()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	type dep struct {
		Name              string  `json:"name"`
		State             string  `json:"state"`
		Eligible          bool    `json:"eligible"`
		InFlight          int64   `json:"in_flight"`
		CooldownRemaining float64 `json:"cooldown_remaining_s"`
	}
	out := struct {
		Status      string `json:"status"`
		Deployments []dep  `json:"deployments"`
	}{Status: "degraded", Deployments: []dep{}}
	for _, h := range hs {
		if h.Eligible {
			out.Status = "ok"
		}
		out.Deployments = append(out.Deployments, dep{Name: h.Name, State: h.State.String(),
			Eligible: h.Eligible, InFlight: h.InFlight, CooldownRemaining: h.CooldownRemaining.Seconds()})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
