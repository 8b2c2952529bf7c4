// Health snapshots of deployments (the seed's GetHealthStatus), read from atomics: they never
// block picks or reports.
#include "core/router.hpp"

namespace llmroute {

HealthInfo Router::Describe(const DeploymentEntry &entry, int64_t now_ns) const {
  DeploymentState &state = *entry.state;
  CircuitBreaker &breaker = state.breaker();
  HealthInfo info;
  info.state = breaker.State(now_ns);
  info.override_mode = breaker.override_mode();
  info.eligible = breaker.Check(now_ns) != Availability::kUnavailable;
  info.ewma_latency_ms = state.latency().Value();
  info.failure_ratio = breaker.ExactFailureRatio(now_ns);
  info.in_flight = state.InFlight();
  for (int o = 0; o < kOutcomeCount; ++o) {
    const auto outcome = static_cast<Outcome>(o);
    const int64_t count = state.stats().Outcomes(outcome);
    if (IsRequestFault(outcome)) {
      info.request_errors += count;
    } else if (IsFailure(outcome)) {
      info.failures += count;
    } else {
      info.successes += count;
    }
  }
  info.cancels = state.cancels.load(std::memory_order_relaxed);
  // Every pick ends as exactly one of these or is still in flight, so picks need no counter of
  // their own on the hot path.
  info.picks = info.successes + info.failures + info.request_errors + info.cancels + info.in_flight;
  info.trips = breaker.Trips();
  info.consecutive_failures = breaker.ConsecutiveFailures();
  const int64_t until = breaker.OpenUntilNs();
  info.cooldown_remaining_ms = CeilMsUntil(until, now_ns);
  info.weight = entry.spec->weight;
  info.tier = entry.spec->tier;
  return info;
}

Status Router::Health(std::string_view name, HealthInfo *info) {
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const DeploymentEntry *entry = snapshot->FindDeployment(name);
  if (entry == nullptr)
    return {Code::kNotFound, "deployment '" + std::string(name) + "' not found"};
  *info = Describe(*entry, clock_->NowNs());
  return Status::Ok();
}

std::vector<std::pair<std::string, HealthInfo>> Router::HealthAll() {
  SnapshotPublisher<Snapshot>::ReadGuard snapshot(snapshots_);
  const int64_t now = clock_->NowNs();
  std::vector<std::pair<std::string, HealthInfo>> all;
  all.reserve(snapshot->config().deployments.size());
  for (const DeploymentEntry &entry : snapshot->config().deployments) {
    all.emplace_back(entry.state->name(), Describe(entry, now));
  }
  return all;
}

}  // namespace llmroute
