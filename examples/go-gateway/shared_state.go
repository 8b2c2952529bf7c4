package main

// The fleet shared state (Redis, docs/fleet.md) as an operator sees it: a log line when it is
// lost and when it comes back, and gauges and counters in /metrics. llmroute keeps routing on the
// instance's own state while Redis is away; without this nobody would know that the fleet's
// breakers and rate limits are per instance for the time being.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sharedState is llmroute's shared state status (llmr_router_shared_state_status).
type sharedState struct {
	Enabled   bool
	Connected bool
	// LastSyncAge since the last successful exchange; negative before the first.
	LastSyncAge                      time.Duration
	Syncs, SyncFailures, Connections int64
	RemoteOpens, RemoteCloses        int64
	LastError                        string
}

// sharedStateLink: what the status says about the link to Redis.
type sharedStateLink int

const (
	linkStarting  sharedStateLink = iota // no exchange has succeeded or failed yet
	linkConnected                        // the last exchange succeeded
	linkDown                             // the last exchange or connection attempt failed
)

func (s sharedState) link() sharedStateLink {
	switch {
	case s.Connected:
		return linkConnected
	case s.Syncs > 0 || s.SyncFailures > 0:
		return linkDown
	}
	return linkStarting
}

type sharedStateJSON struct {
	Connected    bool    `json:"connected"`
	LastSyncAgeS float64 `json:"last_sync_age_s"` // -1 before the first exchange
	LastError    string  `json:"last_error,omitempty"`
}

func (s sharedState) json() *sharedStateJSON {
	age := -1.0
	if s.LastSyncAge >= 0 {
		age = s.LastSyncAge.Seconds()
	}
	return &sharedStateJSON{Connected: s.Connected, LastSyncAgeS: age, LastError: s.LastError}
}

// sharedStateWatch follows the link's transitions.
type sharedStateWatch struct {
	mu        sync.Mutex
	link      sharedStateLink
	lost      atomic.Int64 // connected -> down
	recovered atomic.Int64 // down -> connected
	// read is the status source (tests replace it); nil: the router's.
	read func() (sharedState, error)
}

func (g *gateway) readSharedState() (sharedState, error) {
	if g.shared.read != nil {
		return g.shared.read()
	}
	return routerSharedState(g.router)
}

// checkSharedState reads the status and logs a change of the link.
func (g *gateway) checkSharedState() {
	s, err := g.readSharedState()
	if err != nil || !s.Enabled {
		return
	}
	w := &g.shared
	w.mu.Lock()
	defer w.mu.Unlock()
	next := s.link()
	if next == w.link || next == linkStarting {
		return
	}
	prev := w.link
	w.link = next
	switch {
	case next == linkDown && prev == linkConnected:
		w.lost.Add(1)
		g.log.Warn("shared state lost: Redis is unreachable; breakers and rate limits are this instance's own until it is back",
			"err", s.LastError, "sync_failures", s.SyncFailures)
	case next == linkDown:
		g.log.Warn("shared state not connected: cannot reach Redis; routing on this instance's own state",
			"err", s.LastError, "sync_failures", s.SyncFailures)
	case prev == linkDown:
		w.recovered.Add(1)
		g.log.Info("shared state recovered: Redis is reachable again", "connections", s.Connections)
	default:
		g.log.Info("shared state connected", "connections", s.Connections)
	}
}

// watchSharedState checks the status every interval until ctx ends. The status reads atomics
// only (it never waits on the network), so polling costs nothing.
func (g *gateway) watchSharedState(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		g.checkSharedState()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (g *gateway) writeSharedStateMetrics(b *strings.Builder) {
	s, err := g.readSharedState()
	if err != nil || !s.Enabled {
		return
	}
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	counter := func(name, help string, v int64) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	connected := 0.0
	if s.Connected {
		connected = 1
	}
	gauge("gateway_shared_state_connected", "1 while the last exchange with Redis succeeded (breakers and limits are fleet-wide), 0 while this instance routes on its own state.", connected)
	if s.LastSyncAge >= 0 {
		gauge("gateway_shared_state_last_sync_age_seconds", "Seconds since the last successful exchange with Redis.", s.LastSyncAge.Seconds())
	}
	counter("gateway_shared_state_syncs_total", "Successful exchanges with Redis.", s.Syncs)
	counter("gateway_shared_state_sync_failures_total", "Failed connection attempts and exchanges with Redis.", s.SyncFailures)
	counter("gateway_shared_state_connections_total", "Connections made to Redis.", s.Connections)
	counter("gateway_shared_state_remote_breaker_opens_total", "Breakers opened here because another instance had.", s.RemoteOpens)
	counter("gateway_shared_state_remote_breaker_closes_total", "Breakers closed here because another instance had.", s.RemoteCloses)
	b.WriteString("# HELP gateway_shared_state_transitions_total Changes of the link to Redis the gateway saw, by the state it went to.\n")
	b.WriteString("# TYPE gateway_shared_state_transitions_total counter\n")
	fmt.Fprintf(b, "gateway_shared_state_transitions_total{to=\"lost\"} %d\n", g.shared.lost.Load())
	fmt.Fprintf(b, "gateway_shared_state_transitions_total{to=\"recovered\"} %d\n", g.shared.recovered.Load())
}
