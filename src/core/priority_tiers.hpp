// Priority tiers with Envoy's overprovisioning factor
// (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority).
//
// Each tier's health is min(1, factor * eligible / members); tiers take traffic in order, each
// as much of what is left as its health allows, so tier n+1 receives the share tier n cannot
// carry: with the default factor 1.4 a tier carries everything until fewer than 1/1.4 (about
// 72%) of its members are eligible, and then spills proportionally (half of them eligible:
// 70% stays, 30% moves on). When the tiers' healths add up to less than 1, each gets its health
// over their sum (Envoy's normalised total availability), so all traffic still goes somewhere.
// This is ordered failover without retries: a pick never has to fail on tier 0 to reach tier 1.
// An infinite factor makes tiers strict (a lower tier only when the upper has no eligible
// member).
//
// "Members" are those the request admits (tags, price). Health ignores the request's exclusions
// (deployments a retry already tried), as Envoy's retry host predicates leave priority loads
// alone, except that a tier with no eligible member left for the request gets no share.
// The draw that chooses the tier is random, or derived from the affinity key so that a key keeps
// its tier. Only the degraded path uses this: while every deployment is plainly closed, tier 0
// carries everything and picks do not look further.
#pragma once

#include <array>
#include <cstdint>

#include "core/deployment.hpp"

namespace llmroute {

class TierLoad {
 public:
  explicit TierLoad(double overprovisioning_factor) : factor_(overprovisioning_factor) {}

  // The next tier in order: `healthy` of its `members` can take traffic now.
  void Add(uint32_t healthy, uint32_t members);
  // The tiers added so far carry all traffic: later tiers get none, no need to look at them.
  bool Saturated() const { return sum_ >= 1.0; }
  // More than one tier has a share, so choosing needs a draw.
  bool Split() const { return with_share_ > 1; }
  size_t size() const { return count_; }
  // The share of tier `index` (among those added) in [0, 1].
  double Share(size_t index) const;
  // The tier drawing `u` in [0, 1), or -1 when no tier has any eligible member.
  int Choose(double u) const;

 private:
  double factor_;
  std::array<double, kMaxTier + 1> health_{};
  size_t count_ = 0;
  size_t with_share_ = 0;
  double sum_ = 0;
};

}  // namespace llmroute
