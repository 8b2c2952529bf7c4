// The core's enums and the C header's have the same values, so that the shim converts between
// them with a static_cast. These assertions break the build when one side changes alone (a
// comment beside each enum used to be the only tie).
#include "capi/capi_support.hpp"
#include "core/events.hpp"
#include "core/health/breaker.hpp"
#include "core/health/outcome.hpp"
#include "core/router_options.hpp"
#include "core/snapshot.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute::capi {
namespace {

// True when the core value `core` has the C value `c`.
template <typename Core, typename C>
constexpr bool Tied(Core core, C c) {
  return static_cast<int>(core) == static_cast<int>(c);
}

static_assert(Tied(StrategyKind::kDefault, LLMR_STRATEGY_DEFAULT));
static_assert(Tied(StrategyKind::kRoundRobin, LLMR_STRATEGY_ROUND_ROBIN));
static_assert(Tied(StrategyKind::kWeighted, LLMR_STRATEGY_WEIGHTED));
static_assert(Tied(StrategyKind::kWeightedRandom, LLMR_STRATEGY_WEIGHTED_RANDOM));
static_assert(Tied(StrategyKind::kLatency, LLMR_STRATEGY_LATENCY));
static_assert(Tied(StrategyKind::kAvailability, LLMR_STRATEGY_AVAILABILITY));
static_assert(Tied(StrategyKind::kLeastLoaded, LLMR_STRATEGY_LEAST_LOADED));
static_assert(Tied(StrategyKind::kPeakEwma, LLMR_STRATEGY_PEAK_EWMA));
static_assert(Tied(StrategyKind::kCost, LLMR_STRATEGY_COST));
static_assert(Tied(StrategyKind::kEngineAware, LLMR_STRATEGY_ENGINE_AWARE));
static_assert(kStrategyKindCount == LLMR_STRATEGY_ENGINE_AWARE + 1, "a strategy on one side only");

static_assert(Tied(Outcome::kSuccess, LLMR_OUTCOME_SUCCESS));
static_assert(Tied(Outcome::kRateLimited, LLMR_OUTCOME_RATE_LIMITED));
static_assert(Tied(Outcome::kServerError, LLMR_OUTCOME_SERVER_ERROR));
static_assert(Tied(Outcome::kTimeout, LLMR_OUTCOME_TIMEOUT));
static_assert(Tied(Outcome::kConnectionError, LLMR_OUTCOME_CONNECTION_ERROR));
static_assert(Tied(Outcome::kAuthError, LLMR_OUTCOME_AUTH_ERROR));
static_assert(Tied(Outcome::kBadRequest, LLMR_OUTCOME_BAD_REQUEST));
static_assert(Tied(Outcome::kContextWindowExceeded, LLMR_OUTCOME_CONTEXT_WINDOW_EXCEEDED));
static_assert(Tied(Outcome::kContentPolicy, LLMR_OUTCOME_CONTENT_POLICY));
static_assert(kOutcomeCount == LLMR_OUTCOME_CONTENT_POLICY + 1, "an outcome on one side only");

static_assert(Tied(BreakerState::kClosed, LLMR_BREAKER_CLOSED));
static_assert(Tied(BreakerState::kOpen, LLMR_BREAKER_OPEN));
static_assert(Tied(BreakerState::kHalfOpen, LLMR_BREAKER_HALF_OPEN));

static_assert(Tied(Override::kAuto, LLMR_OVERRIDE_AUTO));
static_assert(Tied(Override::kForceOpen, LLMR_OVERRIDE_FORCE_OPEN));
static_assert(Tied(Override::kForceClosed, LLMR_OVERRIDE_FORCE_CLOSED));

static_assert(Tied(AllOpenPolicy::kFailFast, LLMR_ALL_OPEN_FAIL_FAST));
static_assert(Tied(AllOpenPolicy::kPanic, LLMR_ALL_OPEN_PANIC));

static_assert(Tied(FallbackKind::kGeneral, LLMR_FALLBACK_GENERAL));
static_assert(Tied(FallbackKind::kContextWindow, LLMR_FALLBACK_CONTEXT_WINDOW));
static_assert(Tied(FallbackKind::kContentPolicy, LLMR_FALLBACK_CONTENT_POLICY));

static_assert(Tied(EventKind::kBreaker, LLMR_EVENT_BREAKER));
static_assert(Tied(EventKind::kConfigApplied, LLMR_EVENT_CONFIG_APPLIED));
static_assert(Tied(EventKind::kConfigRejected, LLMR_EVENT_CONFIG_REJECTED));
static_assert(Tied(EventKind::kQuotaExhausted, LLMR_EVENT_QUOTA_EXHAUSTED));
static_assert(Tied(EventKind::kSharedStateFailover, LLMR_EVENT_SHARED_STATE_FAILOVER));
static_assert(Tied(EventKind::kHedgeStarted, LLMR_EVENT_HEDGE_STARTED));

}  // namespace
}  // namespace llmroute::capi
