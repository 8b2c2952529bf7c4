// Weighted: exact proportions, smoothly interleaved, without locks on the pick path.
//
// nginx's smooth weighted round robin mutates every peer's current weight on each pick under a
// lock. Instead the snapshot precomputes one cycle of the schedule and picks walk it with an
// atomic cursor (gRPC's static-stride idea), one per tier shared by every thread (strategy.hpp), so
// a caller's sequential picks follow the schedule whichever thread each runs on. The cycle is the
// Sainte-Lague apportionment order: member i's k-th slot has the deadline (2k + 1) / (2 w_i), and
// slots are taken in deadline order, so in every prefix of the cycle each member is within one pick
// of its exact share. Weights are reduced by their gcd; a cycle longer than kMaxCycle is scaled
// down (shares then approximate to within 1/kMaxCycle). The cursor starts at a random offset in
// [0, cycle) — Envoy PR #32233: an offset drawn from [0, #hosts) instead skews a 99:1 split.
#include <numeric>
#include <queue>

#include "core/strategies/slow_start_weights.hpp"

namespace llmroute {

namespace {

constexpr uint64_t kMaxCycle = 1 << 16;

std::vector<uint64_t> CycleWeights(const Member *members, uint32_t size) {
  uint64_t divisor = 0, total = 0;
  for (uint32_t i = 0; i < size; ++i) divisor = std::gcd(divisor, uint64_t{members[i].weight});
  std::vector<uint64_t> weights(size);
  for (uint32_t i = 0; i < size; ++i) total += weights[i] = members[i].weight / divisor;
  if (total > kMaxCycle) {
    for (uint64_t &w : weights) w = std::max<uint64_t>(1, w * kMaxCycle / total);
  }
  return weights;
}

class Weighted final : public Strategy {
 public:
  void Prepare(const Member *members, uint32_t size, TierState &state,
               RandomSource &rng) const override {
    const std::vector<uint64_t> weights = CycleWeights(members, size);
    uint64_t total = 0;
    for (uint64_t w : weights) total += w;
    struct Next {
      uint32_t member;
      uint64_t taken;
    };
    // Earliest deadline first: (2a+1)/w_a < (2b+1)/w_b, compared exactly in integers; ties go
    // to the lower index so the schedule is deterministic.
    auto later = [&](const Next &a, const Next &b) {
      const unsigned __int128 left =
          static_cast<unsigned __int128>(2 * a.taken + 1) * weights[b.member];
      const unsigned __int128 right =
          static_cast<unsigned __int128>(2 * b.taken + 1) * weights[a.member];
      return left != right ? left > right : a.member > b.member;
    };
    std::priority_queue<Next, std::vector<Next>, decltype(later)> queue(later);
    for (uint32_t i = 0; i < size; ++i) queue.push({i, 0});
    state.schedule.clear();
    state.schedule.reserve(total);
    while (state.schedule.size() < total) {
      Next next = queue.top();
      queue.pop();
      state.schedule.push_back(next.member);
      ++next.taken;
      queue.push(next);
    }
    state.cursor.Seed([&] { return UniformBelow(rng, total); });
    // Pick falls back to weighted random when the schedule's eligible slots are too sparse: it
    // needs the cumulative weights that strategy prepares (without them it read an empty vector).
    PrepareCumulativeWeights(members, size, state);
  }

  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    const std::vector<uint32_t> &schedule = tier.state->schedule;
    const uint64_t cycle = schedule.size();
    if (eligible.all() && !env.slow_start) {
      return schedule[tier.state->cursor.Advance() % cycle];
    }
    // While a slow-start ramp runs, a ramping member's slots are thinned (slow_start_weights.hpp).
    bool uneven = false;
    const double largest =
        env.slow_start ? LargestSlowStartFactor(tier, eligible, env, &uneven) : 1.0;
    // Skipping the ineligible members' slots keeps the others' proportions exact over a cycle.
    // Bounded, in case the eligible ones hold only a sliver of the cycle.
    const uint64_t attempts = std::min<uint64_t>(cycle, 4ULL * tier.size + 16);
    for (uint64_t i = 0; i < attempts; ++i) {
      const uint32_t member = schedule[tier.state->cursor.Advance() % cycle];
      if (eligible[member] && (!uneven || TakeRampedSlot(tier.members[member], largest, env))) {
        return member;
      }
    }
    if (uneven) return PickByEffectiveWeight(tier, eligible, env);
    return WeightedRandomStrategy().Pick(tier, eligible, env);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &,
            std::vector<uint32_t> &order) const override {
    const size_t first = order.size();
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i]) order.push_back(i);
    }
    std::stable_sort(
        order.begin() + static_cast<std::ptrdiff_t>(first), order.end(),
        [&](uint32_t a, uint32_t b) { return tier.members[a].weight > tier.members[b].weight; });
  }
};

}  // namespace

const Strategy &WeightedStrategy() {
  static const Weighted instance;
  return instance;
}

}  // namespace llmroute
