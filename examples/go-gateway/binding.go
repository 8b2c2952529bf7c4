package main

// The gateway's calls into the Go binding that go beyond Pick and Report.

import "github.com/llmroute/llmroute/bindings/go/llmroute"

// pickOne picks a deployment of model, not one of tried, for the session affinity key ("" for
// none), the prompt's prefix hashes (nil for none) and the request's priority class. Without any
// of them it takes Pick's allocation-free path.
func (g *gateway) pickOne(model string, tried []string, key string, hashes []uint64,
	priority llmroute.Priority) (llmroute.Pick, error) {
	if key == "" && len(tried) == 0 && len(hashes) == 0 && priority == llmroute.PriorityDefault {
		return g.router.Pick(model)
	}
	return g.router.PickWith(model, &llmroute.PickOptions{Exclude: tried, AffinityKey: key,
		PrefixHashes: hashes, Priority: priority})
}

// routerSharedState reads llmroute's shared state status (llmr_router_shared_state_status: atomics
// only, never the network).
func routerSharedState(r *llmroute.Router) (sharedState, error) {
	s, err := r.SharedStateStatus()
	if err != nil {
		return sharedState{}, err
	}
	return sharedState{Enabled: s.Enabled, Connected: s.Connected, LastSyncAge: s.LastSync,
		Syncs: s.Syncs, SyncFailures: s.SyncFailures, Connections: s.Connections,
		RemoteOpens: s.RemoteOpens, RemoteCloses: s.RemoteCloses, LastError: s.LastError}, nil
}
