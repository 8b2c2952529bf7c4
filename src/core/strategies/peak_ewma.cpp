// Peak EWMA: power of two choices over distinct deployments on
// peak-sensitive latency x (in flight + 1), per unit of weight (Finagle's and tower's P2C +
// PeakEwma, failure-aware as linkerd2-proxy PR #4537; Finagle's finagle-core
// loadbalancer/PeakEwma.scala, https://docs.rs/tower/latest/tower/load/peak_ewma/). The latency
// estimate lives in each deployment's PeakEwmaState (health/peak_ewma_state.hpp), which reports
// update; failures count as slow calls there, so fast 429s and 5xx do not look fast.
//
// A deployment without any sample yet (the herd onto zero-history hosts that Finagle's Penalty
// and tower's default_rtt guard against) costs:
//  - while idle, the mean estimate of the sampled eligible deployments in its tier (or
//    latency_prior_ms when none has a sample): it is neither favoured (the seed started new
//    providers at 0 ms: herding) nor starved (tower's old 1 s default starved new nodes);
//  - once a call is in flight to it, a prohibitive penalty (Finagle's Penalty + pending), so it
//    gets exactly one probe and no flood until that probe answers.
#include <cmath>

#include "core/strategies/p2c.hpp"
#include "core/strategies/ranking.hpp"
#include "core/strategies/slow_start_weights.hpp"

namespace llmroute {

namespace {

// Finagle uses Long.MaxValue >> 16 (about 1.4e14); any cost no measured deployment reaches.
constexpr double kUnmeasuredBusyPenalty = 1e14;
// Estimates this close to zero (a long-idle deployment) still grow with the in-flight count.
constexpr double kMinEstimateMs = 1e-3;

class CostModel {
 public:
  CostModel(const TierView &tier, const Eligible &eligible, PickEnv &env)
      : tier_(tier), eligible_(eligible), env_(env), now_(env.CoarseNow()) {}

  double Cost(uint32_t i) {
    const Member &member = tier_.members[i];
    const double estimate = member.state->peak_ewma().Value(now_, env_.params.peak_ewma);
    const auto in_flight = static_cast<double>(member.state->InFlight());
    double cost = 0;
    if (estimate >= 0) {
      cost = std::max(estimate, kMinEstimateMs) * (in_flight + 1);
    } else if (in_flight > 0) {
      cost = kUnmeasuredBusyPenalty + in_flight;
    } else {
      cost = Prior();
    }
    return cost / EffectiveWeight(member, env_);
  }

 private:
  // Computed at most once per pick, and only when a drawn member has no sample.
  double Prior() {
    if (prior_ >= 0) return prior_;
    double sum = 0;
    uint32_t sampled = 0;
    for (uint32_t i = 0; i < tier_.size; ++i) {
      if (!eligible_[i]) continue;
      const double value = tier_.members[i].state->peak_ewma().Value(now_, env_.params.peak_ewma);
      if (value >= 0) {
        sum += value;
        ++sampled;
      }
    }
    prior_ = sampled == 0 ? env_.params.latency_prior_ms : sum / sampled;
    return prior_;
  }

  const TierView &tier_;
  const Eligible &eligible_;
  PickEnv &env_;
  const int64_t now_;
  double prior_ = -1;
};

class PeakEwma final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    if (eligible.count() == 1) return eligible.Nth(0);
    CostModel model(tier, eligible, env);
    return PowerOfTwoChoices(eligible, env.rng, [&](uint32_t i) { return model.Cost(i); });
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    CostModel model(tier, eligible, env);
    AppendRankedBy(tier.size, eligible, order, [&](uint32_t i) { return model.Cost(i); });
  }
};

}  // namespace

const Strategy &PeakEwmaStrategy() {
  static const PeakEwma instance;
  return instance;
}

}  // namespace llmroute
