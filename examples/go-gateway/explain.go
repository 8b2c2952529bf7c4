package main

import (
	"errors"
	"net/http"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// explain serves GET /debug/explain?model=M[&exclude=D...][&tag=T...][&affinity_key=K]: the
// router's dry-run pick for M (llmr_router_explain) as JSON, the answer to "why did my request go
// there?" (every deployment, its breaker state, cooldown, limits, strategy score, whether it was
// filtered and why, and which one the next request would get). It picks nothing and never blocks
// requests. It shows deployment names and health: serve it only where operators can reach it.
func (g *gateway) explain(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	model := q.Get("model")
	if model == "" {
		http.Error(w, "the query parameter model is required", http.StatusBadRequest)
		return
	}
	opts := &llmroute.PickOptions{Exclude: q["exclude"], RequiredTags: q["tag"],
		AffinityKey: q.Get("affinity_key")}
	e, err := g.router.Explain(model, opts)
	switch {
	case errors.Is(err, llmroute.ErrUnknownModel):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(e.JSON + "\n"))
}
