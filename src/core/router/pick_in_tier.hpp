// The strategy dispatch of one pick within one priority tier: the affinity key's rendezvous
// hash when the request carries a key (strategies/affinity.hpp), else the model's strategy
// (strategies/strategy.hpp). Inline: both pick paths (pick_path.cpp, pick_across_tiers.cpp)
// call it once per pick.
#pragma once

#include <cstdint>

#include "core/strategies/affinity.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// Picks with affinity when the request has a key, else with the strategy.
inline uint32_t PickInTier(const Strategy &strategy, const TierView &tier, const Eligible &eligible,
                           const Affinity &affinity, PickEnv &env) {
  return affinity.active ? AffinityPick(tier, eligible, affinity)
                         : strategy.Pick(tier, eligible, env);
}

}  // namespace llmroute
