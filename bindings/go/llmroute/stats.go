package llmroute

import (
	"runtime"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// DeploymentStats are one deployment's lifetime statistics (llmr_deployment_stats): they survive
// updates and reloads.
type DeploymentStats struct {
	Name     string
	State    BreakerState
	Eligible bool
	InFlight int64
	// Picks is the sum of every outcome count, Cancels and InFlight.
	Picks                 int64
	Successes             int64
	RateLimited           int64
	ServerErrors          int64
	Timeouts              int64
	ConnectionErrors      int64
	AuthErrors            int64
	BadRequests           int64
	ContextWindowExceeded int64
	ContentPolicy         int64
	Cancels               int64
	InputTokens           int64
	OutputTokens          int64
	// EWMALatencyMs is the average routing uses; negative before the first sample.
	EWMALatencyMs float64
	// Latency of successful requests from a log-linear histogram (error under 10%); the
	// quantiles are negative while LatencyCount is 0.
	LatencyCount int64
	LatencySumMs float64
	LatencyP50Ms float64
	LatencyP90Ms float64
	LatencyP99Ms float64
	// Breaker transitions to open (trips), to half-open and to closed.
	BreakerOpened     int64
	BreakerHalfOpened int64
	BreakerClosed     int64
	CooldownRemaining time.Duration
}

// ModelStats are one model's statistics (the name requests were routed as, after aliases).
type ModelStats struct {
	Model string
	Picks int64
	// Fallbacks: calls that moved on from this model to one of its fallback chains.
	Fallbacks int64
}

// Stats is a snapshot of a router's statistics at one moment (llmr_router_stats): taking it
// reads atomics only and never blocks picks or reports.
type Stats struct {
	// Deployments in configuration order; Models sorted by name.
	Deployments     []DeploymentStats
	Models          []ModelStats
	ConfigsApplied  int64
	ConfigsRejected int64
	// MetricsText is the same snapshot in the Prometheus text format (see MetricsText).
	MetricsText string
}

// Stats takes a statistics snapshot.
func (r *Router) Stats() (*Stats, error) {
	defer runtime.KeepAlive(r)
	n := native.NewRouterStats()
	defer native.DeleteRouterStats(n)
	if err := r.n.Stats(n); err != nil {
		return nil, wrap(err)
	}
	out := &Stats{ConfigsApplied: n.GetConfigs_applied(), ConfigsRejected: n.GetConfigs_rejected(),
		MetricsText: n.GetMetrics_text()}
	ds := n.GetDeployments()
	out.Deployments = make([]DeploymentStats, ds.Size())
	for i := range out.Deployments {
		d := ds.Get(i)
		out.Deployments[i] = DeploymentStats{
			Name: d.GetName(), State: BreakerState(d.GetState()), Eligible: d.GetEligible(),
			InFlight: d.GetIn_flight(), Picks: d.GetPicks(), Successes: d.GetSuccesses(),
			RateLimited: d.GetRate_limited(), ServerErrors: d.GetServer_errors(),
			Timeouts: d.GetTimeouts(), ConnectionErrors: d.GetConnection_errors(),
			AuthErrors: d.GetAuth_errors(), BadRequests: d.GetBad_requests(),
			ContextWindowExceeded: d.GetContext_window_exceeded(), ContentPolicy: d.GetContent_policy(),
			Cancels: d.GetCancels(), InputTokens: d.GetInput_tokens(), OutputTokens: d.GetOutput_tokens(),
			EWMALatencyMs: d.GetEwma_latency_ms(), LatencyCount: d.GetLatency_count(),
			LatencySumMs: d.GetLatency_sum_ms(), LatencyP50Ms: d.GetLatency_p50_ms(),
			LatencyP90Ms: d.GetLatency_p90_ms(), LatencyP99Ms: d.GetLatency_p99_ms(),
			BreakerOpened: d.GetBreaker_opened(), BreakerHalfOpened: d.GetBreaker_half_opened(),
			BreakerClosed: d.GetBreaker_closed(), CooldownRemaining: ms(d.GetCooldown_remaining_ms()),
		}
	}
	mv := n.GetModels()
	out.Models = make([]ModelStats, mv.Size())
	for i := range out.Models {
		m := mv.Get(i)
		out.Models[i] = ModelStats{Model: m.GetModel(), Picks: m.GetPicks(), Fallbacks: m.GetFallbacks()}
	}
	return out, nil
}

// SharedStateStatus is the status of a router's fleet shared state.
type SharedStateStatus struct {
	Enabled bool
	// Connected: the last exchange with Redis succeeded (breakers and limits are fleet-wide).
	Connected bool
	// LastSync is the time since the last successful exchange; negative before the first.
	LastSync     time.Duration
	Syncs        int64
	SyncFailures int64
	Connections  int64
	RemoteOpens  int64
	RemoteCloses int64
	LastError    string
	// Topology: 0 one server (redis://), 1 Sentinel (redis-sentinel://), 2 Redis Cluster
	// (redis-cluster://). Failovers: times the state moved to another server (a promoted master,
	// a cluster slot's new owner). Server: the server in use, "host:port"; "" while not connected.
	Topology  int
	Failovers int64
	Server    string
}

// SharedStateStatus reads the fleet shared state's status (Enabled false without one). It reads
// atomics and never waits on the network.
func (r *Router) SharedStateStatus() (SharedStateStatus, error) {
	defer runtime.KeepAlive(r)
	n := native.NewSharedStateStatus()
	defer native.DeleteSharedStateStatus(n)
	if err := r.n.SharedState(n); err != nil {
		return SharedStateStatus{}, wrap(err)
	}
	age := ms(n.GetLast_sync_age_ms())
	if n.GetLast_sync_age_ms() < 0 {
		age = -1
	}
	return SharedStateStatus{
		Enabled: n.GetEnabled(), Connected: n.GetConnected(), LastSync: age, Syncs: n.GetSyncs(),
		SyncFailures: n.GetSync_failures(), Connections: n.GetConnections(),
		RemoteOpens: n.GetRemote_opens(), RemoteCloses: n.GetRemote_closes(), LastError: n.GetLast_error(),
		Topology: int(n.GetTopology()), Failovers: n.GetFailovers(), Server: n.GetServer(),
	}, nil
}
