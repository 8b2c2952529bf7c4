// A statistics snapshot of a router: per deployment and per model, plus configuration counts;
// and its Prometheus text exposition (prometheus.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/health/breaker.hpp"
#include "core/health/outcome.hpp"
#include "core/limits/priority_reserve.hpp"
#include "core/limits/quota.hpp"
#include "core/stats/latency_histogram.hpp"
#include "core/stats/model_stats.hpp"

namespace llmroute {

struct DeploymentStatsInfo {
  std::string name;
  BreakerState state = BreakerState::kClosed;
  Override override_mode = Override::kAuto;
  bool eligible = true;
  int64_t in_flight = 0;
  // Every pick ends in one outcome or a cancel, or is still in flight.
  int64_t picks = 0;
  std::array<int64_t, kOutcomeCount> outcomes{};  // indexed by Outcome
  int64_t cancels = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double ewma_latency_ms = -1;  // negative: no sample
  // Latencies of successful calls (total, not time to first token), lifetime.
  LatencyHistogram::Snapshot latency;
  double latency_p50_ms = -1;  // negative: no sample
  double latency_p90_ms = -1;
  double latency_p99_ms = -1;
  // Breaker transitions, lifetime: to open (trips), to half-open, to closed.
  int64_t opened = 0;
  int64_t half_opened = 0;
  int64_t closed = 0;
  int64_t cooldown_remaining_ms = 0;
  uint32_t weight = 1;
  uint32_t tier = 0;
  // The provider's announced quota as held now (limits/quota.hpp); has_quota false: none ever.
  bool has_quota = false;
  QuotaView quota;
};

struct RouterStats {
  std::vector<DeploymentStatsInfo> deployments;   // in configuration order
  std::vector<ModelStatsRegistry::Entry> models;  // sorted by name
  int64_t configs_applied = 0;
  int64_t configs_rejected = 0;
  // Picks refused with kRateLimited, per priority class (limits/priority_reserve.hpp): those
  // refused while some deployment had room only in the share reserved for higher classes, and
  // those refused with every limit full.
  std::array<int64_t, kPriorityCount> refused_by_reserve{};
  std::array<int64_t, kPriorityCount> refused_at_limit{};
};

// The Prometheus text exposition format 0.0.4 (what a gateway serves at /metrics): metric names
// prefixed llmroute_, counters ending in _total, durations in seconds, deployment, model and
// outcome labels, HELP and TYPE for every family, label values escaped.
std::string RenderPrometheus(const RouterStats &stats);

}  // namespace llmroute
