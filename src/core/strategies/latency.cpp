// Latency: the lowest EWMA latency (time to first token when the host reports it), spread over
// every deployment within a buffer of the fastest.
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/ranking.hpp"

namespace llmroute {

double LatencyPrior(const TierView &tier, const Eligible &eligible, const StrategyParams &params) {
  double sum = 0;
  uint32_t sampled = 0;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    const double value = tier.members[i].state->latency().Value();
    if (value >= 0) {
      sum += value;
      ++sampled;
    }
  }
  return sampled == 0 ? params.latency_prior_ms : sum / sampled;
}

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env) {
  const double prior = LatencyPrior(tier, eligible, env.params);
  double fastest = 0;
  bool first = true;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    const double latency = EffectiveLatency(tier.members[i], prior);
    if (first || latency < fastest) fastest = latency;
    first = false;
  }
  const double limit = fastest * (1.0 + env.params.latency_buffer);
  uint32_t within = 0;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i] && EffectiveLatency(tier.members[i], prior) <= limit) ++within;
  }
  auto chosen = static_cast<uint32_t>(UniformBelow(env.rng, within));
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i] && EffectiveLatency(tier.members[i], prior) <= limit && chosen-- == 0) return i;
  }
  return eligible.Nth(0);  // unreachable: `within` counted the same members
}

namespace {

class Latency final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    return PickWithinLatencyBuffer(tier, eligible, env);
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    const double prior = LatencyPrior(tier, eligible, env.params);
    AppendRankedBy(tier.size, eligible, order,
                   [&](uint32_t i) { return EffectiveLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &LatencyStrategy() {
  static const Latency instance;
  return instance;
}

}  // namespace llmroute
