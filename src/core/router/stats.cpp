// Router::Stats: reads every deployment's counters (atomics only: never blocks picks or
// reports) inside one snapshot read guard, and the model counters from their registry.
#include "core/router.hpp"

namespace llmroute {

RouterStats Router::Stats() {
  RouterStats stats;
  {
    SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
    const int64_t now = clock_->NowNs();
    stats.deployments.reserve(snapshot->config().deployments.size());
    for (const DeploymentEntry &entry : snapshot->config().deployments) {
      const DeploymentState &state = *entry.state;
      const CircuitBreaker &breaker = state.breaker();
      DeploymentStatsInfo &d = stats.deployments.emplace_back();
      d.name = state.name();
      d.state = breaker.State(now);
      d.override_mode = breaker.override_mode();
      d.eligible = breaker.Check(now) != Availability::kUnavailable;
      d.in_flight = state.InFlight();
      for (int o = 0; o < kOutcomeCount; ++o) {
        d.outcomes[o] = state.stats().Outcomes(static_cast<Outcome>(o));
      }
      d.cancels = state.cancels.load(std::memory_order_relaxed);
      d.picks = d.in_flight + d.cancels;
      for (const int64_t n : d.outcomes) d.picks += n;
      d.input_tokens = state.stats().InputTokens();
      d.output_tokens = state.stats().OutputTokens();
      d.ewma_latency_ms = state.latency().Value();
      d.latency = state.stats().latency().Read();
      d.opened = breaker.Trips();
      d.half_opened = breaker.HalfOpens();
      d.closed = breaker.Closes();
      const int64_t until = breaker.OpenUntilNs();
      d.cooldown_remaining_ms = CeilMsUntil(until, now);
      d.weight = entry.spec->weight;
      d.tier = entry.spec->tier;
      // The quota's lock is held by picks for a few comparisons only (limits/quota.hpp).
      if (entry.state->quota().Active()) {
        d.has_quota = true;
        d.quota = entry.state->quota().View(now);
        if (!entry.state->quota().Admits(now, 0)) d.eligible = false;
      }
    }
  }
  for (DeploymentStatsInfo &d : stats.deployments) {
    d.latency_p50_ms = d.latency.Quantile(0.5);
    d.latency_p90_ms = d.latency.Quantile(0.9);
    d.latency_p99_ms = d.latency.Quantile(0.99);
  }
  stats.models = model_stats_.Read();
  stats.configs_applied = configs_applied_.load(std::memory_order_relaxed);
  stats.configs_rejected = configs_rejected_.load(std::memory_order_relaxed);
  for (uint32_t p = 0; p < kPriorityCount; ++p) {
    stats.refused_by_reserve[p] = refused_by_reserve_[p].load(std::memory_order_relaxed);
    stats.refused_at_limit[p] = refused_at_limit_[p].load(std::memory_order_relaxed);
  }
  return stats;
}

}  // namespace llmroute
