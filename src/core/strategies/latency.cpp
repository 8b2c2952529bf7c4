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

// A member as one pick reads it: its estimate (as above) and its load factor, in flight + 1.
struct Reading {
  double value;
  double load;
};

// `stale_before`: now - latency_stale_ns.
inline Reading Read(const Member &member, int64_t stale_before) {
  const LatencyEwma &ewma = member.state->latency();
  const int64_t in_flight = member.state->InFlight();
  double value = ewma.Value();
  if (ewma.StampNs() < stale_before && value >= 0 && in_flight == 0) [[unlikely]] {
    value = kStaleProbe;
  }
  return {value, static_cast<double>(in_flight + 1)};
}

// Over every member a pick read: the prior (the mean of the samples) and the limit of the
// buffer (the lowest key, counting the prior for members without a sample, times 1 + buffer).
struct Spread {
  uint32_t sampled = 0;
  double sum = 0;
  double lowest_sampled_key = kInfinity;
  double lowest_unsampled_load = kInfinity;

  void Add(const Reading &r) {
    if (r.value >= 0) {
      sum += r.value;
      ++sampled;
      lowest_sampled_key = std::min(lowest_sampled_key, LoadedLatency(r.value, r.load));
    } else if (r.value != kStaleProbe) {
      lowest_unsampled_load = std::min(lowest_unsampled_load, r.load);
    }
  }
  double Prior(const StrategyParams &params) const {
    return sampled == 0 ? params.latency_prior_ms : sum / sampled;
  }
  // Infinite when every member read is a stale probe (they are all within the buffer then).
  double Limit(double prior, const StrategyParams &params) const {
    const double unsampled_key = lowest_unsampled_load == kInfinity
                                     ? kInfinity
                                     : LoadedLatency(prior, lowest_unsampled_load);
    return std::min(lowest_sampled_key, unsampled_key) * (1.0 + params.latency_buffer);
  }
};

bool WithinBuffer(const Reading &r, double prior, double limit) {
  if (r.value == kStaleProbe) return true;
  return LoadedLatency(r.value < 0 ? prior : r.value, r.load) <= limit;
}

}  // namespace

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env) {
  // One pass reads every member once and finds the prior and the buffer's limit; the second
  // keeps the members within it.
  const int64_t stale_before = env.CoarseNow() - env.params.latency_stale_ns;
  std::array<Reading, kBufferedMembers> readings;
  Spread spread;
  for (uint32_t k = 0; k < candidates.count; ++k) {
    readings[k] = Read(tier.members[candidates.index[k]], stale_before);
    spread.Add(readings[k]);
  }
  const double prior = spread.Prior(env.params);
  const double limit = spread.Limit(prior, env.params);
  Candidates within;
  for (uint32_t k = 0; k < candidates.count; ++k) {
    within.index[within.count] = candidates.index[k];
    within.count += WithinBuffer(readings[k], prior, limit) ? 1 : 0;
  }
  if (within.count == 0) return candidates.index[0];  // only with a NaN setting; never drawn
  return within.index[UniformBelow(env.rng, within.count)];
}

uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env) {
  if (tier.size <= kBufferedMembers) {
    return PickWithinLatencyBuffer(tier, Candidates::Of(tier.size, eligible), env);
  }
  // Large tiers: three passes over the bitset, each reading the members afresh.
  const int64_t stale_before = env.CoarseNow() - env.params.latency_stale_ns;
  Spread spread;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (eligible[i]) spread.Add(Read(tier.members[i], stale_before));
  }
  const double prior = spread.Prior(env.params);
  const double limit = spread.Limit(prior, env.params);
  auto within = [&](uint32_t i) {
    return eligible[i] && WithinBuffer(Read(tier.members[i], stale_before), prior, limit);
  };
  uint32_t count = 0;
  for (uint32_t i = 0; i < tier.size; ++i) count += within(i) ? 1 : 0;
  // Another thread's pick or report can move a value between the passes: never draw from
  // nothing.
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
                   [&](uint32_t i) { return EffectiveLoadedLatency(tier.members[i], prior); });
  }
};

}  // namespace

const Strategy &LatencyStrategy() {
  static const Latency instance;
  return instance;
}

}  // namespace llmroute
