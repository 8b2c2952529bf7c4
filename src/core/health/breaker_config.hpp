// Circuit breaker settings. Defaults follow the anchors named beside each field; their values are
// in the options table (src/options/router_options.def).
#pragma once

#include <cstdint>

#include "core/clock.hpp"
#include "core/option_defaults.hpp"

namespace llmroute {

struct BreakerConfig {
  // Envoy outlier detection's consecutive_5xx default.
  uint32_t consecutive_failures =
      static_cast<uint32_t>(option_defaults::breaker_consecutive_failures);
  // Resilience4j's failureRateThreshold (50%) and minimumNumberOfCalls-style volume guard, so a
  // burst at low traffic does not trip it (the seed tripped on any burst).
  double failure_ratio = option_defaults::breaker_failure_ratio;
  uint32_t min_requests = static_cast<uint32_t>(option_defaults::breaker_min_requests);
  int64_t window_ns = option_defaults::Ns(option_defaults::breaker_window_ms);
  // LiteLLM's DEFAULT_COOLDOWN_TIME_SECONDS = 5, doubled per re-trip like Envoy's ejection time
  // multiplier, capped at Envoy's max_ejection_time of 300 s.
  int64_t cooldown_base_ns = option_defaults::Ns(option_defaults::breaker_cooldown_base_ms);
  int64_t cooldown_max_ns = option_defaults::Ns(option_defaults::breaker_cooldown_max_ms);
  // Each re-trip in a row multiplies the cooldown by this (2: the doubling above; 1: LiteLLM's
  // fixed cooldown_time).
  double cooldown_multiplier = option_defaults::breaker_cooldown_multiplier;
  // Envoy jitters ejections to avoid a reconnection storm at uneject.
  double jitter = option_defaults::breaker_jitter;
  // Polly and Finagle admit one probe while half-open.
  uint32_t half_open_max_probes = static_cast<uint32_t>(option_defaults::half_open_max_probes);
};

}  // namespace llmroute
