package main

import (
	"encoding/json"
	"net/http"
)

// Probes, as Kubernetes splits them (https://kubernetes.io/docs/reference/using-api/health-checks/):
// /livez says the process serves HTTP at all (restart it when not); /readyz says whether it can
// serve a request now (take it out of the load balancer when not). /healthz is the detail for
// people, kept at 200 as before.

// livez: the process is up. Never depends on upstreams or Redis: restarting the gateway would not
// bring either back.
func (g *gateway) livez(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"live"}` + "\n"))
}

// readyz: 200 while at least one deployment is eligible, 503 while none is (every breaker open,
// every deployment drained or at its limits), so that a load balancer sends the traffic to an
// instance that can route it. A lost Redis does not make the gateway unready: it routes on its
// own state meanwhile (docs/fleet.md).
func (g *gateway) readyz(w http.ResponseWriter, req *http.Request) {
	hs, err := g.router.HealthList()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	eligible := 0
	for _, h := range hs {
		if h.Eligible {
			eligible++
		}
	}
	out := struct {
		Status      string `json:"status"`
		Eligible    int    `json:"eligible_deployments"`
		Deployments int    `json:"deployments"`
	}{Status: "ready", Eligible: eligible, Deployments: len(hs)}
	status := http.StatusOK
	if eligible == 0 {
		out.Status, status = "not_ready", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// healthz: the details; "degraded" when no deployment is eligible right now. Always 200 (it was
// before /readyz existed, and monitors may rely on it): probes should use /livez and /readyz.
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
		Status      string           `json:"status"`
		Deployments []dep            `json:"deployments"`
		SharedState *sharedStateJSON `json:"shared_state,omitempty"`
	}{Status: "degraded", Deployments: []dep{}}
	for _, h := range hs {
		if h.Eligible {
			out.Status = "ok"
		}
		out.Deployments = append(out.Deployments, dep{Name: h.Name, State: h.State.String(),
			Eligible: h.Eligible, InFlight: h.InFlight, CooldownRemaining: h.CooldownRemaining.Seconds()})
	}
	if s, err := g.readSharedState(); err == nil && s.Enabled {
		out.SharedState = s.json()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
