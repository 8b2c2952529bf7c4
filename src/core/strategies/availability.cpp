// Availability: the lowest failure ratio in the breaker's sliding window, then latency.
//
// The seed kept a failure "rate" that one success halved; here the ratio is counted over a
// time window, and deployments tied on it are split by the latency strategy's rule.
#include <cmath>

#include "core/strategies/latency_scores.hpp"
#include "core/strategies/ranking.hpp"

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
    const int64_t now = env.CoarseNow();  // the ratio expires after a window of seconds
    if (tier.size <= kBufferedMembers) {
      // Each ratio read once (member_values.hpp); the tie set is never empty.
      const Candidates candidates = Candidates::Of(tier.size, eligible);
      CandidateValues ratio;
      double best = 2.0;
      for (uint32_t k = 0; k < candidates.count; ++k) {
        ratio.value[k] = Ratio(tier.members[candidates.index[k]], now);
        best = std::min(best, ratio.value[k]);
      }
      return PickWithinLatencyBuffer(
          tier, Filter(candidates, ratio, [&](double r) { return r <= best + kRatioTie; }), env);
    }
    double best = 2.0;
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i]) best = std::min(best, Ratio(tier.members[i], now));
    }
    Eligible tied = Eligible::None(tier.size);
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (eligible[i] && Ratio(tier.members[i], now) <= best + kRatioTie) tied.Set(i);
    }
    // Other threads' reports move the ratios between the two passes: when every one rose past
    // the best seen, fall back to all eligible members rather than pick from an empty set.
    if (tied.count() == 0) return PickWithinLatencyBuffer(tier, eligible, env);
    return PickWithinLatencyBuffer(tier, tied, env);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    const double prior = LatencyPrior(tier, eligible, env.params);
    const int64_t now = env.Now();
    AppendRanked(
        tier.size, eligible, order, [&](uint32_t i) { return Ratio(tier.members[i], now); },
        [](double best, double ratio) { return ratio <= best + kRatioTie; },
        [&](uint32_t i) { return EffectiveLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &AvailabilityStrategy() {
  static const LowestFailureRatio instance;
  return instance;
}

}  // namespace llmroute
