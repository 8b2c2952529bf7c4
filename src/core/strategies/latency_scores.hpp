// Latency as the latency-based strategies see it: the EWMA, or for a deployment without samples
// a prior, so that a new deployment neither gets everything (the seed started new providers at
// 0 ms: herding) nor nothing (a 1 s default starved new nodes in tower).
#pragma once

#include <algorithm>
#include <limits>

#include "core/strategies/candidates.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// The mean EWMA of the eligible members that have samples, or params.latency_prior_ms when none
// has (litellm-rs and others inherit the pool average likewise).
double LatencyPrior(const TierView &tier, const Eligible &eligible, const StrategyParams &params);

constexpr double kInfinity = std::numeric_limits<double>::infinity();

inline double EffectiveLatency(const Member &member, double prior) {
  const double value = member.state->latency().Value();
  return value < 0 ? prior : value;
}

// Estimates this close to zero still grow with the load (as peak_ewma's kMinEstimateMs).
constexpr double kMinLatencyMs = 1e-3;

// The latency strategy's key: latency x (in flight + 1), `load` being in flight + 1 (see
// strategies/latency.cpp for the anchors).
inline double LoadedLatency(double latency_ms, double load) {
  return std::max(latency_ms, kMinLatencyMs) * load;
}

inline double EffectiveLoadedLatency(const Member &member, double prior) {
  return LoadedLatency(EffectiveLatency(member, prior),
                       static_cast<double>(member.state->InFlight() + 1));
}

// Picks uniformly among the members of `eligible` whose latency x (in flight + 1) is within
// latency_buffer of the lowest (LiteLLM's lowest_latency_buffer over Envoy's least-request
// weighting: strategies/latency.cpp), so traffic spreads over the near-fastest and no
// deployment's share grows past what its load allows.
uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env);
// The same over a candidate list (candidates.hpp), for tiers of at most kBufferedMembers.
uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env);

// Keeps the eligible members whose value_of(i) ties with the lowest (within_tie(lowest, value))
// and picks among them by PickWithinLatencyBuffer: the availability strategy's failure ratio and
// the cost strategy's price. Each value is read once on tiers of up to kBufferedMembers.
// Always inlined: an out-of-line copy per strategy cost each pick about 30 instructions of
// frame setup (callgrind), more than the call saves in code size.
template <typename ValueOf, typename WithinTie>
[[gnu::always_inline]] inline uint32_t PickLowestWithinLatencyBuffer(const TierView &tier,
                                                                     const Eligible &eligible,
                                                                     PickEnv &env, ValueOf value_of,
                                                                     WithinTie within_tie) {
  double lowest = kInfinity;
  if (tier.size <= kBufferedMembers) {
    const Candidates candidates = Candidates::Of(tier.size, eligible);
    CandidateValues values;
    for (uint32_t k = 0; k < candidates.count; ++k) {
      values.value[k] = value_of(candidates.index[k]);
      lowest = std::min(lowest, values.value[k]);
    }
    // The lowest ties with itself, so the list is never empty.
    return PickWithinLatencyBuffer(
        tier, Filter(candidates, values, [&](double v) { return within_tie(lowest, v); }), env);
  }
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i]) lowest = std::min(lowest, value_of(i));
  }
  Eligible tied = Eligible::None(tier.size);
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i] && within_tie(lowest, value_of(i))) tied.Set(i);
  }
  // Other threads' reports can move the values between the two passes: when every one rose
  // past the lowest seen, fall back to all eligible members rather than pick from an empty set.
  return PickWithinLatencyBuffer(tier, tied.count() == 0 ? eligible : tied, env);
}

}  // namespace llmroute
