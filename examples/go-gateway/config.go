package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// The gateway reads one JSON file: an llmroute configuration (docs/configuration.md) plus the
// gateway's own section under "_gateway". llmroute ignores every key that starts with '_', so
// the same file validates with llmr_config_validate and reloads with llmr_router_apply_config.
//
//	{
//	  "_gateway": {
//	    "listen": "127.0.0.1:8080",
//	    "upstreams": {
//	      "openai": {"base_url": "https://api.openai.com/v1", "api_key_env": "OPENAI_API_KEY"}
//	    }
//	  },
//	  "deployments": [{"name": "openai", "models": ["gpt-4o", "gpt-4o-mini"]}]
//	}

// upstreamConfig is how the gateway reaches one deployment.
type upstreamConfig struct {
	// BaseURL of an OpenAI-compatible API; requests go to BaseURL + "/chat/completions".
	BaseURL string `json:"base_url"`
	// APIKeyEnv names the environment variable holding the key (APIKey: the key itself, for
	// tests; prefer the environment).
	APIKeyEnv string `json:"api_key_env"`
	APIKey    string `json:"api_key"`
	// AuthHeader carries the key: "Authorization" (default, as "Bearer <key>") or, for Azure,
	// "api-key" (the key as is).
	AuthHeader string `json:"auth_header"`
	// Model is the model name the upstream expects (default: the model routed to).
	Model string `json:"model"`
	// Query is appended to the URL ("api-version=2024-10-21" for Azure).
	Query string `json:"query"`
	// Headers are sent with every request.
	Headers map[string]string `json:"headers"`
	// Engine: "vllm" for a self-hosted vLLM server, whose Prometheus /metrics the gateway scrapes
	// every engine_scrape_interval_ms and reports to the router (engine_metrics.go); "" = an API
	// provider, not scraped.
	Engine string `json:"engine"`
	// MetricsURL of the engine (default: the base URL's scheme and host + "/metrics", where vLLM
	// serves them).
	MetricsURL string `json:"metrics_url"`
}

// gatewayConfig is the "_gateway" section.
type gatewayConfig struct {
	// Listen address (the -listen flag wins).
	Listen string `json:"listen"`
	// MaxAttempts per request, the first included (default 3): failover to another deployment
	// on a retryable error, as long as no byte was sent to the client.
	MaxAttempts int `json:"max_attempts"`
	// HeaderTimeoutMs: an upstream that sends no response headers within this is a timeout
	// (default 30000).
	HeaderTimeoutMs int64 `json:"header_timeout_ms"`
	// AttemptTimeoutMs bounds one attempt, a whole stream included (default 600000).
	AttemptTimeoutMs int64 `json:"attempt_timeout_ms"`
	// MaxBodyBytes of a request (default 16 MiB).
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// Upstreams: deployment name -> how to reach it. Every deployment needs one.
	Upstreams map[string]upstreamConfig `json:"upstreams"`
	// Affinity: where a request's session affinity key comes from (affinity.go); nil: none.
	Affinity *affinityConfig `json:"affinity"`
	// EngineScrapeIntervalMs: how often engines ("engine": "vllm") are scraped (default 1000;
	// keep it well below the router's engine_load_stale_ms, 2000 by default).
	EngineScrapeIntervalMs int64 `json:"engine_scrape_interval_ms"`
}

// config is what the gateway takes from the file; raw is the whole file for llmroute.
type config struct {
	raw     []byte
	gateway gatewayConfig
	// models are the exact model names and aliases the configuration serves (for /v1/models).
	models []string
}

func (c *gatewayConfig) headerTimeout() time.Duration {
	return time.Duration(c.HeaderTimeoutMs) * time.Millisecond
}

func (c *gatewayConfig) attemptTimeout() time.Duration {
	return time.Duration(c.AttemptTimeoutMs) * time.Millisecond
}

func loadConfig(path string) (*config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseConfig(raw)
}

// parseConfig reads the gateway's part of the file; llmroute checks the rest when it is applied.
func parseConfig(raw []byte) (*config, error) {
	var file struct {
		Gateway     json.RawMessage `json:"_gateway"`
		Deployments []struct {
			Name   string   `json:"name"`
			Models []string `json:"models"`
		} `json:"deployments"`
		Aliases map[string]json.RawMessage `json:"aliases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if len(file.Gateway) == 0 {
		return nil, fmt.Errorf(`$._gateway: missing (the gateway's section: upstreams for every deployment)`)
	}
	c := &config{raw: raw}
	if err := strictDecode(file.Gateway, &c.gateway); err != nil {
		return nil, fmt.Errorf("$._gateway: %w", err)
	}
	g := &c.gateway
	if g.MaxAttempts == 0 {
		g.MaxAttempts = 3
	}
	if g.MaxAttempts < 1 || g.MaxAttempts > 10 {
		return nil, fmt.Errorf("$._gateway.max_attempts: must be in 1..10 (got %d)", g.MaxAttempts)
	}
	if g.HeaderTimeoutMs == 0 {
		g.HeaderTimeoutMs = 30000
	}
	if g.AttemptTimeoutMs == 0 {
		g.AttemptTimeoutMs = 600000
	}
	if g.HeaderTimeoutMs < 0 || g.AttemptTimeoutMs < 0 {
		return nil, fmt.Errorf("$._gateway: timeouts must be positive")
	}
	if g.MaxBodyBytes == 0 {
		g.MaxBodyBytes = 16 << 20
	}
	if g.EngineScrapeIntervalMs == 0 {
		g.EngineScrapeIntervalMs = 1000
	}
	if g.EngineScrapeIntervalMs < 10 || g.EngineScrapeIntervalMs > 3600000 {
		return nil, fmt.Errorf("$._gateway.engine_scrape_interval_ms: must be in 10..3600000 (got %d)", g.EngineScrapeIntervalMs)
	}
	if err := checkAffinity(g.Affinity, "$._gateway.affinity"); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	models := map[string]bool{}
	for i, d := range file.Deployments {
		names[d.Name] = true
		u, ok := g.Upstreams[d.Name]
		if !ok {
			return nil, fmt.Errorf("$._gateway.upstreams: no upstream for deployment '%s' ($.deployments[%d])", d.Name, i)
		}
		if err := checkURL(u.BaseURL); err != nil {
			return nil, fmt.Errorf("$._gateway.upstreams['%s'].base_url: %w", d.Name, err)
		}
		if u.Engine != "" && u.Engine != "vllm" {
			return nil, fmt.Errorf(`$._gateway.upstreams['%s'].engine: must be "vllm" or absent (got %q)`, d.Name, u.Engine)
		}
		if u.MetricsURL != "" {
			if err := checkURL(u.MetricsURL); err != nil {
				return nil, fmt.Errorf("$._gateway.upstreams['%s'].metrics_url: %w", d.Name, err)
			}
		}
		for _, m := range d.Models {
			if !strings.ContainsAny(m, "*?") {
				models[m] = true
			}
		}
	}
	for name := range g.Upstreams {
		if !names[name] {
			return nil, fmt.Errorf("$._gateway.upstreams['%s']: no deployment has this name", name)
		}
	}
	for alias := range file.Aliases {
		if !strings.HasPrefix(alias, "_") {
			models[alias] = true
		}
	}
	for m := range models {
		c.models = append(c.models, m)
	}
	sort.Strings(c.models)
	return c, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an http(s) URL (got %q)", s)
	}
	return nil
}

// strictDecode decodes JSON into v, rejecting unknown fields (a typo must not pass silently)
// but ignoring comment keys that start with '_', at any depth.
func strictDecode(raw json.RawMessage, v any) error {
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	clean, err := json.Marshal(stripComments(tree))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func stripComments(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if strings.HasPrefix(k, "_") {
				delete(t, k)
			} else {
				t[k] = stripComments(child)
			}
		}
	case []any:
		for i := range t {
			t[i] = stripComments(t[i])
		}
	}
	return v
}
