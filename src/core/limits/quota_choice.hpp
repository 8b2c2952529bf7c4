// The headroom-weighted choice within a tier where providers announce quotas: a random choice
// with probability proportional to how many requests of this size each deployment's announced
// counts still take. Load then spreads by what is left before any 429, so the deployments run
// out together near their resets instead of one after the other, each announcing its exhaustion
// with a 429. A deployment without an announcement gets the mean of those with one (it is
// neither starved nor flooded while it has not answered yet); one with no headroom left was
// never eligible (DeploymentQuota::Admits). Weighted random choice is the weighted_random
// strategy's rule with headroom as the weight.
#pragma once

#include <cstdint>

#include "core/random.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// Returns the chosen member's index, or -1 when no eligible member has an announcement in force
// (they all reset): then the strategy chooses.
inline int64_t ChooseByHeadroom(const TierView &view, const Eligible &eligible, int64_t tokens,
                                int64_t now_ns, RandomSource &rng) {
  // Bounded by kMaxDeployments on the stack, as the eligibility set is.
  double headroom[kMaxDeployments];
  double known_sum = 0;
  uint32_t known = 0;
  for (uint32_t i = 0; i < view.size; ++i) {
    headroom[i] = -1;
    if (!eligible[i]) continue;
    DeploymentQuota &quota = view.members[i].state->quota();
    if (!quota.Active()) continue;
    headroom[i] = quota.Headroom(now_ns, tokens);
    if (headroom[i] >= 0) {
      known_sum += headroom[i];
      ++known;
    }
  }
  if (known == 0) return -1;
  const double mean = known_sum / known;
  double total = 0;
  for (uint32_t i = 0; i < view.size; ++i) {
    if (!eligible[i]) continue;
    if (headroom[i] < 0) headroom[i] = mean;
    total += headroom[i];
  }
  if (total <= 0) return eligible.Nth(0);
  double u = Uniform01(rng) * total;
  uint32_t last = eligible.Nth(0);
  for (uint32_t i = 0; i < view.size; ++i) {
    if (!eligible[i]) continue;
    last = i;
    if (u < headroom[i]) return i;
    u -= headroom[i];
  }
  return last;  // rounding left u just past the total
}

}  // namespace llmroute
