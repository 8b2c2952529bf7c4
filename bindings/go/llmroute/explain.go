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
// would return).
func (r *Router) Explain(model string, opts *PickOptions) (Explanation, error) {
	defer runtime.KeepAlive(r)
	o := opts.native()
	defer native.DeletePickOptions(o)
	e := native.NewExplanation()
	defer native.DeleteExplanation(e)
	if err := r.n.Explain(model, o, e); err != nil {
		return Explanation{}, wrap(err)
	}
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
	return out, nil
}
