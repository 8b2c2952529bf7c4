// Availability: the lowest failure ratio in the breaker's sliding window, then latency.
//
// The seed kept a failure "rate" that one success halved; here the ratio is counted over a
// time window, and deployments tied on it are split by the latency strategy's rule.
#include <cmath>

#include "core/strategies/latency_scores.hpp"

namespace llmroute {

namespace {

// Ratios closer than this are a tie (they differ by less than one failure in a million calls).
constexpr double kRatioTie = 1e-6;

double Ratio(const Member &member, int64_t now_ns) {
  return member.state->breaker().FailureRatio(now_ns);
}

class LowestFailureRatio final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    const int64_t now = env.Now();
    double best = 2.0;
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i]) best = std::min(best, Ratio(tier.members[i], now));
    }
    Eligible tied = Eligible::None(tier.size);
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i] && Ratio(tier.members[i], now) <= best + kRatioTie) tied.Set(i);
    }
    return PickWithinLatencyBuffer(tier, tied, env);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    const double prior = LatencyPrior(tier, eligible, env.params);
    const int64_t now = env.Now();
    const size_t first = order.size();
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i]) order.push_back(i);
    }
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(first), order.end(),
                     [&](uint32_t a, uint32_t b) {
                       const double ra = Ratio(tier.members[a], now);
                       const double rb = Ratio(tier.members[b], now);
                       if (std::abs(ra - rb) > kRatioTie) return ra < rb;
                       return EffectiveLatency(tier.members[a], prior) <
                              EffectiveLatency(tier.members[b], prior);
                     });
  }
};

}  // namespace

const Strategy &AvailabilityStrategy() {
  static const LowestFailureRatio instance;
  return instance;
}

}  // namespace llmroute
