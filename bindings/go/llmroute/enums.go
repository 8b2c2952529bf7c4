package llmroute

import (
	"fmt"

	"github.com/llmroute/llmroute/bindings/go/llmroute/internal/native"
)

// Strategy is llmr_strategy: how a deployment is chosen among the eligible ones.
type Strategy int32

// The C header's llmr_strategy values.
const (
	StrategyDefault        Strategy = 0 // a model inherits the router's strategy
	StrategyRoundRobin     Strategy = 1
	StrategyWeighted       Strategy = 2
	StrategyWeightedRandom Strategy = 3
	StrategyLatency        Strategy = 4
	StrategyAvailability   Strategy = 5
	StrategyLeastLoaded    Strategy = 6
	StrategyPeakEWMA       Strategy = 7
	StrategyCost           Strategy = 8
	// StrategyEngineAware scores self-hosted inference engines by queue depth, KV-cache
	// utilisation (Router.ReportLoad) and prompt-prefix match (PickOptions.PrefixHashes), with
	// SGLang's load-imbalance guard (docs/engines.md).
	StrategyEngineAware Strategy = 9
)

// Outcome is llmr_outcome: how a call went.
type Outcome int32

// The C header's llmr_outcome values.
const (
	OutcomeSuccess               Outcome = 0
	OutcomeRateLimited           Outcome = 1
	OutcomeServerError           Outcome = 2
	OutcomeTimeout               Outcome = 3
	OutcomeConnectionError       Outcome = 4
	OutcomeAuthError             Outcome = 5
	OutcomeBadRequest            Outcome = 6
	OutcomeContextWindowExceeded Outcome = 7
	OutcomeContentPolicy         Outcome = 8
)

// BreakerState is llmr_breaker_state.
type BreakerState int32

// The C header's llmr_breaker_state values.
const (
	BreakerClosed   BreakerState = 0
	BreakerOpen     BreakerState = 1
	BreakerHalfOpen BreakerState = 2
)

// Override is llmr_override: a manual override of a deployment's health.
type Override int32

// The C header's llmr_override values.
const (
	OverrideAuto        Override = 0
	OverrideForceOpen   Override = 1
	OverrideForceClosed Override = 2
)

// AllOpenPolicy is llmr_all_open_policy.
type AllOpenPolicy int32

// The C header's llmr_all_open_policy values.
const (
	AllOpenFailFast AllOpenPolicy = 0
	AllOpenPanic    AllOpenPolicy = 1
)

// FallbackKind is llmr_fallback_kind: which fallback chain of a model.
type FallbackKind int32

// The C header's llmr_fallback_kind values.
const (
	FallbackGeneral       FallbackKind = 0
	FallbackContextWindow FallbackKind = 1
	FallbackContentPolicy FallbackKind = 2
)

// The names are the library's (llmr_outcome_str and its siblings), called through cgo.

func (o Outcome) String() string {
	if n := native.OutcomeName(int(o)); n != "" {
		return n
	}
	return fmt.Sprintf("outcome(%d)", int32(o))
}

func (s Strategy) String() string {
	if n := native.StrategyName(int(s)); n != "" {
		return n
	}
	return fmt.Sprintf("strategy(%d)", int32(s))
}

// ParseStrategy is the Strategy that String prints as name ("round_robin", "peak_ewma", ...);
// ErrInvalidArgument for an unknown name (llmr_strategy_from_str).
func ParseStrategy(name string) (Strategy, error) {
	v, rc, msg := native.StrategyFromName(name)
	if rc != 0 {
		return 0, &Error{Status: Status(rc), Message: msg}
	}
	return Strategy(v), nil
}

func (b BreakerState) String() string {
	if n := native.BreakerStateName(int(b)); n != "" {
		return n
	}
	return fmt.Sprintf("breaker_state(%d)", int32(b))
}

func (k FallbackKind) String() string {
	if n := native.FallbackKindName(int(k)); n != "" {
		return n
	}
	return fmt.Sprintf("fallback_kind(%d)", int32(k))
}

// EventKind is llmr_event_kind: what a router event reports.
type EventKind int32

// The C header's llmr_event_kind values.
const (
	EventBreaker        EventKind = 0
	EventConfigApplied  EventKind = 1
	EventConfigRejected EventKind = 2
	// EventQuotaExhausted: a deployment's provider quota is exhausted until a reset beyond the
	// router's quota horizon; Deployment gets no pick for Cooldown.
	EventQuotaExhausted EventKind = 3
	// EventSharedStateFailover: the fleet shared state moved to another Redis server (a Sentinel
	// failover, a cluster slot's new owner); Message says from where to where.
	EventSharedStateFailover EventKind = 4
	// EventHedgeStarted: Router.Call started a hedge (CallOptions.HedgeAfter) on Deployment;
	// Message says which hedge of which call after how long.
	EventHedgeStarted EventKind = 5
)

func (k EventKind) String() string {
	if n := native.EventKindName(int(k)); n != "" {
		return n
	}
	return fmt.Sprintf("event_kind(%d)", int32(k))
}
