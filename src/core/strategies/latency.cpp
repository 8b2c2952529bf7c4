// Latency: the lowest EWMA latency (time to first token when the host reports it), spread over
// every deployment within a buffer of the fastest.
#include "core/strategies/candidates.hpp"
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

namespace {

// What a pick makes of a member's EWMA: the value, -1 without a sample, or kStaleProbe when the
// last sample is older than latency_stale_ns and no call is in flight to it. Without this, a
// deployment that was slow once would never be picked again, so never measured again, and
// never get its share back after it recovered. A stale, idle member counts as within the buffer:
// it gets calls until one is in flight, and that call's report refreshes its estimate. A member
// still slow is so probed once per latency_stale_ns (LiteLLM expires latency samples likewise,
// through the TTL of its cache).
constexpr double kStaleProbe = -2.0;

// `stale_before`: now - latency_stale_ns.
inline double Sample(const Member &member, int64_t stale_before) {
  const LatencyEwma &ewma = member.state->latency();
  const double value = ewma.Value();
  if (ewma.StampNs() < stale_before && value >= 0) [[unlikely]] {
    if (member.state->InFlight() == 0) return kStaleProbe;
  }
  return value;
}

// Over every value a pick looked at: the prior (the mean of the samples) and the limit of the
// buffer (the fastest, counting the prior for members without a sample, times 1 + buffer).
struct Spread {
  uint32_t sampled = 0;
  uint32_t unsampled = 0;
  double sum = 0;
  double fastest_sampled = 0;

  void Add(double value) {
    if (value >= 0) {
      fastest_sampled = sampled == 0 ? value : std::min(fastest_sampled, value);
      sum += value;
      ++sampled;
    } else if (value != kStaleProbe) {
      ++unsampled;
    }
  }
  double Prior(const StrategyParams &params) const {
    return sampled == 0 ? params.latency_prior_ms : sum / sampled;
  }
  double Limit(const StrategyParams &params) const {
    const double prior = Prior(params);
    const double fastest = unsampled == 0 ? fastest_sampled
                           : sampled == 0 ? prior
                                          : std::min(fastest_sampled, prior);
    return fastest * (1.0 + params.latency_buffer);
  }
};

bool WithinBuffer(double value, double prior, double limit) {
  if (value == kStaleProbe) return true;
  return (value < 0 ? prior : value) <= limit;
}

}  // namespace

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env) {
  // One pass reads every EWMA and finds the prior and the buffer's limit.
  const int64_t stale_before = env.CoarseNow() - env.params.latency_stale_ns;
  CandidateValues raw;
  Spread spread;
  for (uint32_t k = 0; k < candidates.count; ++k) {
    raw.value[k] = Sample(tier.members[candidates.index[k]], stale_before);
    spread.Add(raw.value[k]);
  }
  const double prior = spread.Prior(env.params);
  const double limit = spread.Limit(env.params);
  const Candidates within =
      Filter(candidates, raw, [&](double value) { return WithinBuffer(value, prior, limit); });
  if (within.count == 0) return candidates.index[0];  // only with a NaN setting; never drawn
  return within.index[UniformBelow(env.rng, within.count)];
}

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env) {
  if (tier.size <= kBufferedMembers) {
    return PickWithinLatencyBuffer(tier, Candidates::Of(tier.size, eligible), env);
  }
  // Large tiers: three passes over the bitset, each reading the EWMAs afresh.
  const int64_t stale_before = env.CoarseNow() - env.params.latency_stale_ns;
  Spread spread;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i]) spread.Add(Sample(tier.members[i], stale_before));
  }
  const double prior = spread.Prior(env.params);
  const double limit = spread.Limit(env.params);
  auto within = [&](uint32_t i) {
    return eligible[i] && WithinBuffer(Sample(tier.members[i], stale_before), prior, limit);
  };
  uint32_t count = 0;
  for (uint32_t i = 0; i < tier.size; ++i) count += within(i) ? 1 : 0;
  // Another thread's report can move a value between the passes: never draw from nothing.
  if (count == 0) return eligible.Nth(0);
  auto chosen = static_cast<uint32_t>(UniformBelow(env.rng, count));
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (within(i) && chosen-- == 0) return i;
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
