// Least loaded: power of two choices over distinct deployments on (in flight + 1) / weight.
//
// The "+ 1" is HAProxy leastconn's: an idle heavy deployment beats an idle light one, so under low
// load it is not always the same deployment that gets picked, yet weights still count (a weight-2
// deployment carries about twice the in-flight calls of a weight-1 one). In-flight counts come
// from tickets, so they are global to the router, like Envoy's rq_active. Slow start scales the
// weight (Envoy's slow start,
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/slow_start).
#include "core/strategies/p2c.hpp"
#include "core/strategies/ranking.hpp"
#include "core/strategies/slow_start_weights.hpp"

namespace llmroute {

namespace {

double Load(const Member &member, PickEnv &env) {
  return static_cast<double>(member.state->InFlight() + 1) / EffectiveWeight(member, env);
}

class LeastLoaded final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    if (env.slow_start) {
      return PowerOfTwoChoices(eligible, env.rng,
                               [&](uint32_t i) { return Load(tier.members[i], env); });
    }
    // Without a ramp the weights are integers: compare (in flight + 1) / weight exactly, by
    // cross-multiplying (at most 2^22 tickets times a weight of at most 10^6), without the two
    // divisions.
    return PowerOfTwoChoicesBy(eligible, env.rng, [&](uint32_t a, uint32_t b) {
      const Member &first = tier.members[a];
      const Member &second = tier.members[b];
      return (second.state->InFlight() + 1) * int64_t{first.weight} <
             (first.state->InFlight() + 1) * int64_t{second.weight};
    });
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    AppendRankedBy(tier.size, eligible, order,
                   [&](uint32_t i) { return Load(tier.members[i], env); });
  }
};

}  // namespace

const Strategy &LeastLoadedStrategy() {
  static const LeastLoaded instance;
  return instance;
}

}  // namespace llmroute
