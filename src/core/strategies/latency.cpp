// Latency: the lowest EWMA latency (time to first token when the host reports it), spread over
// every deployment within a buffer of the fastest.
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/member_values.hpp"
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

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env) {
  // One pass reads every EWMA and finds the prior and the fastest; the prior is the mean of the
  // sampled, so the fastest is the fastest sample, or the prior when it is lower and used.
  CandidateValues raw;
  double sum = 0;
  uint32_t sampled = 0;
  double fastest_sampled = 0;
  for (uint32_t k = 0; k < candidates.count; ++k) {
    const double value = tier.members[candidates.index[k]].state->latency().Value();
    raw.value[k] = value;
    if (value >= 0) {
      fastest_sampled = sampled == 0 ? value : std::min(fastest_sampled, value);
      sum += value;
      ++sampled;
    }
  }
  const double prior = sampled == 0 ? env.params.latency_prior_ms : sum / sampled;
  const double fastest = sampled == candidates.count ? fastest_sampled
                         : sampled == 0              ? prior
                                                     : std::min(fastest_sampled, prior);
  const double limit = fastest * (1.0 + env.params.latency_buffer);
  const Candidates within =
      Filter(candidates, raw, [&](double value) { return (value < 0 ? prior : value) <= limit; });
  if (within.count == 0) return candidates.index[0];  // only with a NaN setting; never drawn
  return within.index[UniformBelow(env.rng, within.count)];
}

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env) {
  if (tier.size <= kBufferedMembers) {
    return PickWithinLatencyBuffer(tier, Candidates::Of(tier.size, eligible), env);
  }
  // Large tiers: several passes over the bitset, each reading the EWMAs afresh.
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
  // Another thread's report can move a value between the passes: never draw from nothing.
  if (within == 0) return eligible.Nth(0);
  auto chosen = static_cast<uint32_t>(UniformBelow(env.rng, within));
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i] && EffectiveLatency(tier.members[i], prior) <= limit && chosen-- == 0) return i;
  }
  return eligible.Nth(0);  // a value moved between the passes
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
