// Latency as the latency-based strategies see it: the EWMA, or for a deployment without samples
// a prior, so that a new deployment neither gets everything (the seed started new providers at
// 0 ms: herding) nor nothing (a 1 s default starved new nodes in tower).
#pragma once

#include <algorithm>
#include <limits>

#include "core/strategies/candidates.hpp"
#include "core/strategies/p2c.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// The mean EWMA of the eligible members that have samples, or params.latency_prior_ms when none
// has (litellm-rs and others inherit the pool average likewise).
double LatencyPrior(const TierView &tier, const Eligible &eligible, const StrategyParams &params);

constexpr double kInfinity = std::numeric_limits<double>::infinity();

inline double EffectiveLatency(const Member &member, double prior) {
  const double value = member.state->latency().Value();
  return value < 0 ? prior : value;
}

// Estimates this close to zero still grow with the load (as peak_ewma's kMinEstimateMs).
constexpr double kMinLatencyMs = 1e-3;

// The latency strategy's key: latency x (in flight + 1), `load` being in flight + 1 (see
// strategies/latency.cpp for the anchors).
inline double LoadedLatency(double latency_ms, double load) {
  return std::max(latency_ms, kMinLatencyMs) * load;
}

inline double EffectiveLoadedLatency(const Member &member, double prior) {
  return LoadedLatency(EffectiveLatency(member, prior),
                       static_cast<double>(member.state->InFlight() + 1));
}

// Tiers of more members than this pick from two random members instead of reading all of them:
// power of two choices over distinct members on the same keys (Finagle's P2C, the method of
// Envoy's least_request by default, its N_CHOICES; FULL_SCAN, reading every host, is Envoy's
// option for small sets: https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/
// load_balancing_policies/least_request/v3/least_request.proto). A scan cost 39 us per pick at
// 4096 members (BENCHMARKS.md); two reads cost the same at any size. Up to this size the scan
// is exact and as cheap as the draws (both under 100 ns at 8 members). A pair compares like the
// scan: of two members within the buffer of each other, the first drawn (itself uniform), so
// near-equal members share calls evenly; otherwise the lower key. Each member's share is then
// bounded by how often it is drawn (2 / n), so no member herds a large tier.
constexpr uint32_t kScanMembers = 16;

// The latency keys of a pair of members, for tiers of more than kScanMembers.
class LatencyPair {
 public:
  LatencyPair(const TierView &tier, PickEnv &env)
      : tier_(tier), env_(env), stale_before_(env.CoarseNow() - env.params.latency_stale_ns) {}

  // Of a and b (a drawn first, b distinct): a when their keys, latency x (in flight + 1), are
  // within latency_buffer of each other, else the lower. A stale probe's key is 0, as in the
  // scan (strategies/latency.cpp). A member without a sample counts at the other member's
  // latency (latency_prior_ms when neither has one), so the pair compares it on load alone:
  // neither favoured nor starved, and without the scan's O(n) mean of the tier's samples.
  uint32_t Choose(uint32_t a, uint32_t b) {
    const Reading ra = Read(a), rb = Read(b);
    const double ka = Key(ra, rb), kb = Key(rb, ra);
    if (std::max(ka, kb) <= std::min(ka, kb) * (1.0 + env_.params.latency_buffer)) return a;
    return kb < ka ? b : a;
  }

 private:
  struct Reading {
    double latency;  // < 0: no sample
    double load;     // in flight + 1
    bool stale_probe;
  };
  Reading Read(uint32_t i) const;
  double Key(const Reading &self, const Reading &other) const {
    if (self.stale_probe) return 0;
    const double latency = self.latency >= 0    ? self.latency
                           : other.latency >= 0 ? other.latency
                                                : env_.params.latency_prior_ms;
    return LoadedLatency(latency, self.load);
  }

  const TierView &tier_;
  PickEnv &env_;
  const int64_t stale_before_;
};

// Picks among the members of `eligible` whose latency x (in flight + 1) is within latency_buffer
// of the lowest (LiteLLM's lowest_latency_buffer over Envoy's least-request weighting:
// strategies/latency.cpp), so traffic spreads over the near-fastest and no deployment's share
// grows past what its load allows: uniformly among them on tiers of up to kScanMembers, by
// LatencyPair on two random members on larger ones.
uint32_t PickWithinLatencyBuffer(const TierView &tier, const Eligible &eligible, PickEnv &env);
// The scan over a candidate list (candidates.hpp), for tiers of at most kBufferedMembers.
uint32_t PickWithinLatencyBuffer(const TierView &tier, const Candidates &candidates, PickEnv &env);

// Keeps the eligible members whose value_of(i) ties with the lowest (within_tie(lowest, value))
// and picks among them by PickWithinLatencyBuffer: the availability strategy's failure ratio and
// the cost strategy's price. On tiers of up to kScanMembers each value is read once; on larger
// ones two random members are compared, by value and, when their values tie, by LatencyPair (P2C
// over the ranking key (value, latency key), as Finagle's P2C orders by its load).
// Always inlined: an out-of-line copy per strategy cost each pick about 30 instructions of
// frame setup (callgrind), more than the call saves in code size.
template <typename ValueOf, typename WithinTie>
[[gnu::always_inline]] inline uint32_t PickLowestWithinLatencyBuffer(const TierView &tier,
                                                                     const Eligible &eligible,
                                                                     PickEnv &env, ValueOf value_of,
                                                                     WithinTie within_tie) {
  if (tier.size > kScanMembers) {
    if (eligible.count() == 1) return eligible.Nth(0);
    uint32_t a = 0, b = 0;
    DrawTwoDistinctSparse(eligible, env.rng, &a, &b);
    const double va = value_of(a), vb = value_of(b);
    if (!within_tie(std::min(va, vb), std::max(va, vb))) return vb < va ? b : a;
    return LatencyPair(tier, env).Choose(a, b);
  }
  double lowest = kInfinity;
  const Candidates candidates = Candidates::Of(tier.size, eligible);
  CandidateValues values;
  for (uint32_t k = 0; k < candidates.count; ++k) {
    values.value[k] = value_of(candidates.index[k]);
    lowest = std::min(lowest, values.value[k]);
  }
  // The lowest ties with itself, so the list is never empty.
  return PickWithinLatencyBuffer(
      tier, Filter(candidates, values, [&](double v) { return within_tie(lowest, v); }), env);
}

}  // namespace llmroute
