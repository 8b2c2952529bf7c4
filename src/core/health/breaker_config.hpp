// Circuit breaker settings. Defaults follow the anchors named beside each field.
#pragma once

#include <cstdint>

#include "core/clock.hpp"

namespace llmroute {

struct BreakerConfig {
  // Envoy outlier detection's consecutive_5xx default.
  uint32_t consecutive_failures = 5;
  // Resilience4j's failureRateThreshold (50%) and minimumNumberOfCalls-style volume guard, so a
  // burst at low traffic does not trip it (the seed tripped on any burst).
  double failure_ratio = 0.5;
  uint32_t min_requests = 10;
  int64_t window_ns = 30'000 * kNsPerMs;
  // LiteLLM's DEFAULT_COOLDOWN_TIME_SECONDS = 5, doubled per re-trip like Envoy's ejection time
  // multiplier, capped at Envoy's max_ejection_time of 300 s.
  int64_t cooldown_base_ns = 5'000 * kNsPerMs;
  int64_t cooldown_max_ns = 300'000 * kNsPerMs;
  // Envoy jitters ejections to avoid a reconnection storm at uneject.
  double jitter = 0.1;
  // Polly and Finagle admit one probe while half-open.
  uint32_t half_open_max_probes = 1;
};

}  // namespace llmroute
