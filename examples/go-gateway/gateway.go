package main

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
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
	affinity  *affinityExtractor // nil: no session affinity
	// prefixHashes: picks carry the prompt's prefix hashes (an upstream is an engine).
	prefixHashes bool
}

func newState(c *config) *state {
	s := &state{cfg: c, upstreams: map[string]*upstream{}, affinity: newAffinityExtractor(c.gateway.Affinity),
		prefixHashes: hashesPrompts(c)}
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

// gateway serves the OpenAI-compatible API over llmroute.
type gateway struct {
	router *llmroute.Router
	state  atomic.Pointer[state]
	log    *slog.Logger
	// access receives one line per chat request (nil: no access log).
	access *accessLog
	stats  counters
	shared sharedStateWatch
	reload sync.Mutex
}

func newGateway(router *llmroute.Router, c *config, log *slog.Logger) *gateway {
	g := &gateway{router: router, log: log}
	g.state.Store(newState(c))
	return g
}

func (g *gateway) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", g.chatCompletions)
	mux.HandleFunc("/v1/models", g.models)
	mux.HandleFunc("/metrics", g.metrics)
	mux.HandleFunc("/healthz", g.healthz)
	mux.HandleFunc("/livez", g.livez)
	mux.HandleFunc("/readyz", g.readyz)
	mux.HandleFunc("/debug/explain", g.explain)
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
	union := &state{cfg: old.cfg, upstreams: map[string]*upstream{}, client: old.client, affinity: old.affinity,
		prefixHashes: old.prefixHashes}
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
