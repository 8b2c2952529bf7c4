package main

// The gateway's calls into the Go binding that go beyond Pick and Report.

import "github.com/llmroute/llmroute/bindings/go/llmroute"

// pickOne picks a deployment of model, not one of tried, for the session affinity key ("" for
// none). Without either it takes Pick's allocation-free path.
func (g *gateway) pickOne(model string, tried []string, key string) (llmroute.Pick, error) {
	if key == "" && len(tried) == 0 {
		return g.router.Pick(model)
	}
	return g.router.PickWith(model, &llmroute.PickOptions{Exclude: tried, AffinityKey: key})
}

// routerSharedState reads llmroute's shared state status.
func routerSharedState(r *llmroute.Router) (sharedState, error) {
	return sharedState{}, nil // TODO: the binding's SharedStateStatus (branch b14-go)
}
