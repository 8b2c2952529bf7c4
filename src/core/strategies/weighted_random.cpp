// Weighted random: each pick independently, with probability proportional to weight.
//
// A cumulative-weight array built with the snapshot and a binary search per pick; the random
// source is per thread (the seed shared one math/rand source across goroutines: a data race).
#include "core/strategies/slow_start_weights.hpp"

namespace llmroute {

namespace {

class WeightedRandom final : public Strategy {
 public:
  void Prepare(const Member *members, uint32_t size, TierState &state,
               RandomSource &rng) const override {
    Strategy::Prepare(members, size, state, rng);
    PrepareCumulativeWeights(members, size, state);
  }

  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    if (env.slow_start) {
      bool uneven = false;
      LargestSlowStartFactor(tier, eligible, env, &uneven);
      if (uneven) return PickByEffectiveWeight(tier, eligible, env);
    }
    const std::vector<uint64_t> &cumulative = tier.state->cumulative;
    // A few rejection rounds keep the common case O(log n); the exact scan below handles the
    // rest (a heavy member ineligible).
    const int rounds = eligible.all() ? 1 : 4;
    for (int round = 0; round < rounds; ++round) {
      const uint64_t target = UniformBelow(env.rng, cumulative.back());
      const auto member = static_cast<uint32_t>(
          std::upper_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin());
      if (eligible[member]) return member;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i]) total += tier.members[i].weight;
    }
    uint64_t target = UniformBelow(env.rng, total);
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (!eligible[i]) continue;
      if (target < tier.members[i].weight) return i;
      target -= tier.members[i].weight;
    }
    return eligible.Nth(0);  // unreachable: target < total
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    WeightedStrategy().Rank(tier, eligible, env, order);
  }
};

}  // namespace

void PrepareCumulativeWeights(const Member *members, uint32_t size, TierState &state) {
  state.cumulative.resize(size);
  uint64_t total = 0;
  for (uint32_t i = 0; i < size; ++i) state.cumulative[i] = total += members[i].weight;
}

const Strategy &WeightedRandomStrategy() {
  static const WeightedRandom instance;
  return instance;
}

}  // namespace llmroute
