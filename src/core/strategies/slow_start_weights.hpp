// How the weighted strategies apply slow start (health/slow_start.hpp) while a ramp runs.
//
//  - weighted_random, least_loaded and peak_ewma use the effective weight directly;
//  - weighted and round_robin keep their deterministic order but thin it: a slot of a ramping
//    member is taken with probability factor / (largest factor among the eligible), so the
//    others keep their exact relative proportions and the ramping one gets its reduced share.
// Picks pay for this only while PickEnv::slow_start is set, i.e. while some ramp may be running.
#pragma once

#include "core/strategies/strategy.hpp"

namespace llmroute {

// The member's slow-start factor for this pick: 1 unless a ramp is running.
inline double SlowStartFactor(const Member &member, PickEnv &env) {
  if (!env.slow_start) return 1.0;
  return member.state->slow_start().Factor(env.Now(), env.params.slow_start);
}

// The member's weight as this pick sees it: its configured weight, ramped while in slow start.
inline double EffectiveWeight(const Member &member, PickEnv &env) {
  return member.weight * SlowStartFactor(member, env);
}

// The largest slow-start factor among the eligible members; *uneven says whether some member's
// differs from it (only then does slow start change anything).
inline double LargestSlowStartFactor(const TierView &tier, const Eligible &eligible, PickEnv &env,
                                     bool *uneven) {
  double largest = 0, smallest = 1;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    const double factor = SlowStartFactor(tier.members[i], env);
    largest = std::max(largest, factor);
    smallest = std::min(smallest, factor);
  }
  *uneven = smallest < largest;
  return largest;
}

// Thinning: whether to take a slot of `member` given the largest factor.
inline bool TakeRampedSlot(const Member &member, double largest, PickEnv &env) {
  const double factor = SlowStartFactor(member, env);
  return factor >= largest || Uniform01(env.rng) * largest < factor;
}

// An exact weighted random choice on effective weights.
inline uint32_t PickByEffectiveWeight(const TierView &tier, const Eligible &eligible,
                                      PickEnv &env) {
  double total = 0;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i]) total += EffectiveWeight(tier.members[i], env);
  }
  double target = Uniform01(env.rng) * total;
  uint32_t last = tier.size;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    last = i;
    const double weight = EffectiveWeight(tier.members[i], env);
    if (target < weight) return i;
    target -= weight;
  }
  return last;  // rounding left a sliver past the end
}

}  // namespace llmroute
