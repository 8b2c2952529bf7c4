// Availability: the lowest failure ratio in the breaker's sliding window, then latency.
//
// The seed kept a failure "rate" that one success halved; here the ratio is counted over a
// time window, and deployments tied on it are split by the latency strategy's rule (latency x
// load within the buffer: strategies/latency.cpp).
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/ranking.hpp"

namespace llmroute {

namespace {

// Ratios within 5 percentage points of the lowest are a tie. The window holds a few dozen calls
// per deployment (30 s at a few calls a second), so one or two failures move a ratio by this
// much: a finer comparison ranks noise. It also herded: the deployment that happened to have no
// failure in its window took every call until it overran its provider's capacity, and the 429s
// moved the herd on to the next one (tools/sim with a tie of 1e-6: 429-storm.json failed 133 of
// 3850 requests with 16 breaker trips, outage-and-recovery.json 323 of 2942 with 32; with 0.05
// neither fails a request, with 3 trips each). An outage or a brown-out (15% errors in
// brown-out.json) is far beyond it.
constexpr double kRatioTie = 0.05;

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
        kTiesWithBest, [&](uint32_t i) { return EffectiveLoadedLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &AvailabilityStrategy() {
  static const LowestFailureRatio instance;
  return instance;
}

}  // namespace llmroute
