package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// Engine load scraping: for every upstream with "engine": "vllm", the gateway reads vLLM's
// Prometheus /metrics on an interval and hands the load to the router (Router.ReportLoad), which
// the engine_aware strategy scores (docs/engines.md). The gauges are vLLM's
// (https://docs.vllm.ai/en/stable/usage/metrics/):
//
//	vllm:num_requests_waiting   requests queued
//	vllm:num_requests_running   requests running
//	vllm:kv_cache_usage_perc    KV-cache usage, 0..1 (1 = 100 %)
//	vllm:gpu_cache_usage_perc   the same, under its name before vLLM V1
//
// A server exposing several model_name series sums the counts and takes the highest usage.

// engineLoad is what one scrape found.
type engineLoad struct {
	waiting, running float64
	kv               float64
	haveQueue        bool
}

// parseVLLMMetrics reads the Prometheus text exposition format (version 0.0.4) and returns the
// vLLM load gauges. An exposition without vllm:num_requests_waiting is an error (not a vLLM
// server, or the wrong URL); a missing usage gauge counts as 0.
func parseVLLMMetrics(r io.Reader) (llmroute.EngineLoad, error) {
	var l engineLoad
	var modern, legacy float64
	var haveModern, haveLegacy bool
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := sample(line)
		if !ok {
			continue
		}
		switch name {
		case "vllm:num_requests_waiting":
			l.waiting += value
			l.haveQueue = true
		case "vllm:num_requests_running":
			l.running += value
		case "vllm:kv_cache_usage_perc":
			modern, haveModern = math.Max(modern, value), true
		case "vllm:gpu_cache_usage_perc":
			legacy, haveLegacy = math.Max(legacy, value), true
		}
	}
	if err := sc.Err(); err != nil {
		return llmroute.EngineLoad{}, err
	}
	if !l.haveQueue {
		return llmroute.EngineLoad{}, fmt.Errorf("no vllm:num_requests_waiting in the metrics")
	}
	switch {
	case haveModern:
		l.kv = modern
	case haveLegacy:
		l.kv = legacy
	}
	return llmroute.EngineLoad{
		Waiting:            int64(math.Round(l.waiting)),
		Running:            int64(math.Round(l.running)),
		KVCacheUtilization: math.Min(math.Max(l.kv, 0), 1),
	}, nil
}

// sample splits `name{labels} value [timestamp]`; labels may hold spaces inside quotes.
func sample(line string) (string, float64, bool) {
	end := strings.IndexAny(line, "{ \t")
	if end <= 0 {
		return "", 0, false
	}
	name, rest := line[:end], line[end:]
	if rest[0] == '{' {
		close := strings.LastIndexByte(rest, '}')
		if close < 0 {
			return "", 0, false
		}
		rest = rest[close+1:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return "", 0, false
	}
	return name, v, true
}

// engineTarget is one engine to scrape.
type engineTarget struct {
	deployment string
	url        string
}

// engineTargets lists the configuration's engines, sorted by deployment name.
func engineTargets(c *config) []engineTarget {
	var out []engineTarget
	for name, u := range c.gateway.Upstreams {
		if u.Engine != "vllm" {
			continue
		}
		target := u.MetricsURL
		if target == "" {
			if b, err := url.Parse(u.BaseURL); err == nil {
				target = b.Scheme + "://" + b.Host + "/metrics"
			}
		}
		out = append(out, engineTarget{deployment: name, url: target})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].deployment < out[j].deployment })
	return out
}

// scrapeEngine reads one engine's metrics and reports them; the error says what failed.
func scrapeEngine(ctx context.Context, client *http.Client, router *llmroute.Router, t engineTarget) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", t.url, resp.StatusCode)
	}
	load, err := parseVLLMMetrics(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", t.url, err)
	}
	return router.ReportLoad(t.deployment, load)
}

// scrapeEngines scrapes every engine of the current configuration (reloads included) each
// interval until ctx ends. A failed scrape is logged and not reported: the router ignores the
// deployment's last report once it is older than engine_load_stale_ms.
func (g *gateway) scrapeEngines(ctx context.Context, interval time.Duration, log *slog.Logger) {
	client := &http.Client{Timeout: interval}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		for _, t := range engineTargets(g.state.Load().cfg) {
			if err := scrapeEngine(ctx, client, g.router, t); err != nil && ctx.Err() == nil {
				log.Warn("engine metrics", "deployment", t.deployment, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
