// Latency: the lowest EWMA latency (time to first token when the host reports it) weighted by
// load, spread over every deployment within a buffer of the best.
//
// Each eligible deployment's key is its latency estimate × (its calls in flight + 1), and the
// pick is uniform over the deployments whose key is within latency_buffer of the lowest key
// (LiteLLM's lowest_latency_buffer). The load factor is Envoy's least-request weighting,
// weight / (active_requests + 1)^active_request_bias with the default bias 1 and a weight of
// 1 / latency
// (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/load_balancers),
// which is also the cost Finagle's and Linkerd's peak-EWMA balancers minimise, latency × (pending
// + 1). Idle, it is the plain lowest latency. Loaded, a deployment's share is bounded by its
// load: once it carries k calls, one k + 1 times slower but idle is as good. Without the load
// factor the strategy herded: with EWMA noise larger than the buffer, equal deployments were
// rarely within the buffer of each other, so the momentarily fastest took every call until it
// slowed down or ran into its provider's capacity (tools/sim: 429-storm.json lost 8% of its
// requests to 429s and breaker trips).
//
// Tiers of more than kScanMembers pick from two random members (latency_scores.hpp): O(1)
// rather than a pass over every member.
#include "core/strategies/candidates.hpp"
#include "core/strategies/latency_scores.hpp"
#include "core/strategies/p2c.hpp"
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

// Over every member a pick read: the prior (the mean of the samples) and the limit of the
// buffer (the lowest key, counting the prior for members without a sample, times 1 + buffer).
struct Spread {
  uint32_t sampled = 0;
  double sum = 0;
  double lowest_sampled_key = kInfinity;
  double lowest_unsampled_load = kInfinity;

  double Prior(const StrategyParams &params) const {
    return sampled == 0 ? params.latency_prior_ms : sum / sampled;
  }
  // `prior_key`: LoadedLatency(Prior(), 1). Infinite when every member read is a stale probe
  // (they are all within the buffer then).
  double Limit(double prior_key, const StrategyParams &params) const {
    return std::min(lowest_sampled_key, prior_key * lowest_unsampled_load) *
           (1.0 + params.latency_buffer);
  }
};

// A member's key as one pick reads it, in one double, so that the second pass is one compare:
//  > 0  latency x (in flight + 1), from its estimate;
//  < 0  -(in flight + 1) for a member without a sample: its key is the prior times that;
//  0    a stale probe: the last sample is older than latency_stale_ns and no call is in flight.
// Without the probe, a deployment that was slow once would never be picked again, so never
// measured again, and never get its share back after it recovered. A stale, idle member counts
// as within the buffer: it gets calls until one is in flight, and that call's report refreshes
// its estimate. A member still slow is so probed once per latency_stale_ns (LiteLLM expires
// latency samples likewise, through the TTL of its cache).
// `stale_before`: now - latency_stale_ns. Adds what it read to `spread`.
inline double ReadKey(const Member &member, int64_t stale_before, Spread &spread) {
  const LatencyEwma &ewma = member.state->latency();
  const auto load = static_cast<double>(member.state->InFlight() + 1);
  const double value = ewma.Value();
  if (value < 0) {
    spread.lowest_unsampled_load = std::min(spread.lowest_unsampled_load, load);
    return -load;
  }
  if (ewma.StampNs() < stale_before && load == 1) [[unlikely]] {
    return 0;
  }
  const double key = LoadedLatency(value, load);
  spread.sum += value;
  ++spread.sampled;
  spread.lowest_sampled_key = std::min(spread.lowest_sampled_key, key);
  return key;
}

// The key ReadKey encoded; `prior_key` = LoadedLatency(prior, 1).
inline double DecodeKey(double encoded, double prior_key) {
  return encoded > 0 ? encoded : -encoded * prior_key;
}

}  // namespace

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env) {
  // One pass reads every member once and finds the prior and the buffer's limit; the second
  // keeps the members within it.
  const int64_t stale_before = env.CoarseNow() - env.params.latency_stale_ns;
  CandidateValues keys;
  Spread spread;
  for (uint32_t k = 0; k < candidates.count; ++k) {
    keys.value[k] = ReadKey(tier.members[candidates.index[k]], stale_before, spread);
  }
  const double prior_key = LoadedLatency(spread.Prior(env.params), 1);
  const double limit = spread.Limit(prior_key, env.params);
  const Candidates within = Filter(
      candidates, keys, [&](double encoded) { return DecodeKey(encoded, prior_key) <= limit; });
  if (within.count == 0) return candidates.index[0];  // only with a NaN setting; never drawn
  return within.index[UniformBelow(env.rng, within.count)];
}

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env) {
  if (tier.size > kScanMembers) {
    if (eligible.count() == 1) return eligible.Nth(0);
    uint32_t a = 0, b = 0;
    DrawTwoDistinctSparse(eligible, env.rng, &a, &b);
    return LatencyPair(tier, env).Choose(a, b);
  }
  return PickWithinLatencyBuffer(tier, Candidates::Of(tier.size, eligible), env);
}

LatencyPair::Reading LatencyPair::Read(uint32_t i) const {
  const Member &member = tier_.members[i];
  const LatencyEwma &ewma = member.state->latency();
  const auto load = static_cast<double>(member.state->InFlight() + 1);
  const double value = ewma.Value();
  // A stale probe as ReadKey's: an old sample and nothing in flight.
  const bool stale_probe = value >= 0 && load == 1 && ewma.StampNs() < stale_before_;
  return {value, load, stale_probe};
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
                   [&](uint32_t i) { return EffectiveLoadedLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &LatencyStrategy() {
  static const Latency instance;
  return instance;
}

}  // namespace llmroute
