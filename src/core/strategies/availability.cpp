// Availability: the lowest failure ratio in the breaker's sliding window, then latency.
//
// The seed kept a failure "rate" that one success halved; here the ratio is counted over a
// time window, and deployments tied on it are split by the latency strategy's rule.
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/ranking.hpp"

namespace llmroute {

namespace {

// Ratios closer than this are a tie (they differ by less than one failure in a million calls).
constexpr double kRatioTie = 1e-6;

double Ratio(const Member &member, int64_t now_ns) {
  return member.state->breaker().FailureRatio(now_ns);
}

// A lambda object rather than a function: passed to the templates below, it inlines (a function
// name would be a function pointer, called indirectly for every member).
constexpr auto kTiesWithBest = [](double best, double ratio) { return ratio <= best + kRatioTie; };

class LowestFailureRatio final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    const int64_t now = env.CoarseNow();  // the ratio expires after a window of seconds
    return PickLowestWithinLatencyBuffer(
        tier, eligible, env, [&](uint32_t i) { return Ratio(tier.members[i], now); },
        kTiesWithBest);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    const double prior = LatencyPrior(tier, eligible, env.params);
    const int64_t now = env.Now();
    AppendRanked(
        tier.size, eligible, order, [&](uint32_t i) { return Ratio(tier.members[i], now); },
        kTiesWithBest, [&](uint32_t i) { return EffectiveLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &AvailabilityStrategy() {
  static const LowestFailureRatio instance;
  return instance;
}

}  // namespace llmroute
