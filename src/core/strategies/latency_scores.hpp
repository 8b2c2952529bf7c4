// Latency as the latency-based strategies see it: the EWMA, or for a deployment without samples
// a prior, so that a new deployment neither gets everything (the seed started new providers at
// 0 ms: herding) nor nothing (a 1 s default starved new nodes in tower).
#pragma once

#include "core/strategies/member_values.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// The mean EWMA of the eligible members that have samples, or params.latency_prior_ms when none
// has (litellm-rs and others inherit the pool average likewise).
double LatencyPrior(const TierView &tier, const Eligible &eligible, const StrategyParams &params);

inline double EffectiveLatency(const Member &member, double prior) {
  const double value = member.state->latency().Value();
  return value < 0 ? prior : value;
}

// Picks uniformly among the members of `eligible` whose latency is within latency_buffer of the
// fastest (LiteLLM's lowest_latency_buffer), so traffic spreads over the near-fastest.
uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env);
// The same over a candidate list (member_values.hpp), for tiers of at most kBufferedMembers.
uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env);

}  // namespace llmroute
