package llmroute

import (
	"runtime"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// ExplainCandidate is what Explain saw of one deployment serving the model.
type ExplainCandidate struct {
	Deployment        string
	Tier              uint32
	State             BreakerState
	Override          Override
	CooldownRemaining time.Duration
	InFlight          int64
	Weight            uint32
	// Limits (0 = unlimited) and their use over the sliding 60 s window.
	RPMLimit         uint32
	TPMLimit         int64
	MaxInFlight      uint32
	RequestsInWindow int64
	TokensInWindow   int64
	EWMALatencyMs    float64 // negative: no sample yet
	FailureRatio     float64
	Price            float64 // the request's price; negative: no price configured
	// Score is the strategy's measure of the deployment (Explanation.ScoreKind; lower is
	// preferred except for "weight_share"), NaN when it was filtered out.
	Score float64
	// Rank is its place in the strategy's preference within its tier (0 first), -1 when filtered.
	Rank      int32
	TierShare float64 // share of the traffic its tier receives now, 0..1
	Filtered  bool
	Reason    string // why it was filtered ("breaker open", "at rpm_limit", ...); "" when not
	Probe     bool   // eligible only as a half-open probe
	Picked    bool
}

// Explanation is a dry-run pick (llmr_router_explain): every deployment of the model and the one
// a pick would choose.
type Explanation struct {
	Model     string // after alias resolution
	Strategy  Strategy
	ScoreKind string
	// Status is what a pick would return now: OK, ErrNoProvider or ErrRateLimited, with its
	// Message and RetryAfter.
	Status     Status
	Message    string
	RetryAfter time.Duration
	// Picked is the deployment a pick would choose ("" when none); PickedIndex its index in
	// Candidates (-1 when none).
	Picked      string
	PickedIndex int
	Panic       bool // the panic policy's choice: every deployment is cooling down
	// Approximate: a pick may choose another eligible deployment (the strategy draws, spreads
	// over near-ties or interleaves, or several tiers have a share). False for round robin, an
	// affinity key or a single candidate.
	Approximate bool
	// DeadlineUnmet: PickOptions.Deadline was set and nothing fits it; Picked is the fastest.
	DeadlineUnmet bool
	Candidates    []ExplainCandidate
	// JSON is the same account as one JSON object (llmr_explanation_json), for a debug endpoint.
	JSON string
}

// Explain is a dry-run pick of model with opts (nil: none): it picks, admits and counts
// nothing, so the next pick is unaffected, and it never blocks picks. ErrUnknownModel when no
// deployment serves the model; a model with nothing eligible is no error (Status says what a pick
// would return). opts is read in place as PickWith reads it (one cgo call for the request).
func (r *Router) Explain(model string, opts *PickOptions) (Explanation, error) {
	e := native.NewExplanation()
	defer native.DeleteExplanation(e)
	var raw native.FastPick
	native.ExplainFast(r.ptr, model, (*native.GoPickOptions)(opts), false, e.Swigcptr(), &raw)
	runtime.KeepAlive(r)
	if raw.Status != 0 {
		return Explanation{}, pickError(&raw)
	}
	return explanationOf(e), nil
}

// PickTraced is PickWith (opts nil: like Pick) that also explains itself
// (llmr_pick_options.trace): a real pick, whose Explanation lists every candidate as the pick
// saw it, read just before it picked, and names in Picked the deployment this pick took
// (Approximate is false: it is what happened). When the pick fails with ErrNoProvider or
// ErrRateLimited the Explanation says why (Status, Message, each candidate's Reason); on other
// errors it is empty. A traced pick costs what an Explain costs (it allocates): use it for
// sampled requests or debugging; Pick and PickWith never do this work.
func (r *Router) PickTraced(model string, opts *PickOptions) (Pick, Explanation, error) {
	e := native.NewExplanation()
	defer native.DeleteExplanation(e)
	var raw native.FastPick
	native.ExplainFast(r.ptr, model, (*native.GoPickOptions)(opts), true, e.Swigcptr(), &raw)
	runtime.KeepAlive(r)
	var trace Explanation
	if e.GetModel() != "" {
		trace = explanationOf(e)
	}
	if raw.Status != 0 {
		return Pick{}, trace, pickError(&raw)
	}
	return Pick{
		Ticket:        Ticket(raw.Ticket),
		Deployment:    r.names.get(raw.Deployment, raw.DeploymentLen),
		Model:         r.routedModel(model, &raw),
		Tier:          raw.Tier,
		Probe:         raw.IsProbe != 0,
		Panic:         raw.IsPanic != 0,
		DeadlineUnmet: raw.DeadlineUnmet,
	}, trace, nil
}

// explanationOf copies the shim's explanation into Go values.
func explanationOf(e native.Explanation) Explanation {
	out := Explanation{
		Model: e.GetModel(), Strategy: Strategy(e.GetStrategy()), ScoreKind: e.GetScore_kind(),
		Status: Status(e.GetStatus()), Message: e.GetMessage(), RetryAfter: ms(e.GetRetry_after_ms()),
		Picked: e.GetPicked(), PickedIndex: int(e.GetPicked_index()), Panic: e.GetIs_panic(),
		Approximate: e.GetApproximate(), DeadlineUnmet: e.GetDeadline_unmet(), JSON: e.GetJson(),
	}
	cs := e.GetCandidates()
	out.Candidates = make([]ExplainCandidate, cs.Size())
	for i := range out.Candidates {
		c := cs.Get(i)
		out.Candidates[i] = ExplainCandidate{
			Deployment: c.GetDeployment(), Tier: uint32(c.GetTier()), State: BreakerState(c.GetState()),
			Override: Override(c.GetOverride_mode()), CooldownRemaining: ms(c.GetCooldown_remaining_ms()),
			InFlight: c.GetIn_flight(), Weight: uint32(c.GetWeight()), RPMLimit: uint32(c.GetRpm_limit()),
			TPMLimit: c.GetTpm_limit(), MaxInFlight: uint32(c.GetMax_in_flight()),
			RequestsInWindow: c.GetRequests_in_window(), TokensInWindow: c.GetTokens_in_window(),
			EWMALatencyMs: c.GetEwma_latency_ms(), FailureRatio: c.GetFailure_ratio(), Price: c.GetPrice(),
			Score: c.GetScore(), Rank: int32(c.GetRank()), TierShare: c.GetTier_share(),
			Filtered: c.GetFiltered(), Reason: c.GetReason(), Probe: c.GetIs_probe(), Picked: c.GetPicked(),
		}
	}
	return out
}
