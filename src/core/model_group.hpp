// A model group: every deployment serving one model name, ordered by priority tier, with the
// per-tier routing state its strategy prepared. Immutable once built, apart from the atomic
// cursors inside TierState.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/stats/model_stats.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

struct ModelGroup {
  struct Tier {
    uint32_t begin;  // [begin, end) in members
    uint32_t end;
    uint32_t tier;
    std::unique_ptr<TierState> state;
  };

  std::string model;
  StrategyKind kind = StrategyKind::kRoundRobin;
  const Strategy *strategy = nullptr;
  std::vector<Member> members;  // sorted by tier, then in the order deployments were added
  std::vector<Tier> tiers;
  std::vector<std::string> fallbacks;  // the model's fallback chain
  ModelCounters *counters = nullptr;   // the model's statistics (router-lifetime); may be null

  TierView View(const Tier &tier) const {
    return {members.data() + tier.begin, tier.end - tier.begin, tier.state.get()};
  }
};

}  // namespace llmroute
