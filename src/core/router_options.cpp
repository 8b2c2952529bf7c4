#include "core/router_options.hpp"

#include <cmath>
#include <string>

namespace llmroute {

namespace {

Status Bad(const std::string &field, const std::string &why) {
  return {Code::kInvalidArgument, "option " + field + " " + why};
}

}  // namespace

Status RouterOptions::Validate() const {
  const auto kind = static_cast<int>(strategy);
  if (strategy == StrategyKind::kDefault || kind < 0 || kind >= kStrategyKindCount) {
    return Bad("strategy", "must name a strategy (got " + std::to_string(kind) + ")");
  }
  if (all_open_policy != AllOpenPolicy::kFailFast && all_open_policy != AllOpenPolicy::kPanic) {
    return Bad("all_open_policy", "is not a known policy");
  }
  if (breaker.consecutive_failures < 1) return Bad("breaker_consecutive_failures", "must be >= 1");
  if (!(breaker.failure_ratio >= 0.0 && breaker.failure_ratio <= 1.0)) {
    return Bad("breaker_failure_ratio", "must be in [0, 1]");
  }
  if (breaker.min_requests < 1) return Bad("breaker_min_requests", "must be >= 1");
  if (breaker.window_ns < kNsPerMs) return Bad("breaker_window_ms", "must be >= 1");
  if (breaker.cooldown_base_ns < kNsPerMs) return Bad("breaker_cooldown_base_ms", "must be >= 1");
  if (breaker.cooldown_max_ns < breaker.cooldown_base_ns) {
    return Bad("breaker_cooldown_max_ms", "must be >= breaker_cooldown_base_ms");
  }
  if (!(breaker.jitter >= 0.0 && breaker.jitter < 1.0)) {
    return Bad("breaker_jitter", "must be in [0, 1)");
  }
  if (breaker.half_open_max_probes < 1) return Bad("half_open_max_probes", "must be >= 1");
  if (!(latency_ewma_alpha > 0.0 && latency_ewma_alpha <= 1.0)) {
    return Bad("latency_ewma_alpha", "must be in (0, 1]");
  }
  if (!(strategy_params.latency_buffer >= 0.0 && std::isfinite(strategy_params.latency_buffer))) {
    return Bad("latency_buffer", "must be a finite number >= 0");
  }
  if (!(strategy_params.latency_prior_ms >= 0.0 &&
        std::isfinite(strategy_params.latency_prior_ms))) {
    return Bad("latency_prior_ms", "must be a finite number >= 0");
  }
  if (!(tier_overprovisioning_factor >= 1.0)) {
    return Bad("tier_overprovisioning_factor", "must be >= 1 (infinity: strict tiers)");
  }
  if (!(affinity_load_factor == 0 ||
        (affinity_load_factor >= 1.0 && std::isfinite(affinity_load_factor)))) {
    return Bad("affinity_load_factor", "must be 0 (unbounded) or a finite number >= 1");
  }
  const SlowStartConfig &slow = strategy_params.slow_start;
  if (slow.window_ns < 0) return Bad("slow_start_window_ms", "must be >= 0 (0: off)");
  if (!(slow.aggression > 0 && std::isfinite(slow.aggression))) {
    return Bad("slow_start_aggression", "must be a finite number > 0");
  }
  if (!(slow.min_weight_percent >= 0 && slow.min_weight_percent <= 100)) {
    return Bad("slow_start_min_weight_percent", "must be in [0, 100]");
  }
  if (strategy_params.peak_ewma.decay_ns < kNsPerMs) {
    return Bad("peak_ewma_decay_ms", "must be >= 1");
  }
  if (!(strategy_params.peak_ewma.failure_penalty >= 1.0 &&
        std::isfinite(strategy_params.peak_ewma.failure_penalty))) {
    return Bad("peak_ewma_failure_penalty", "must be a finite number >= 1");
  }
  if (!(retry_budget_max_tokens >= 0 && retry_budget_max_tokens <= 1000)) {
    return Bad("retry_budget_max_tokens", "must be in [0, 1000]");
  }
  if (!(retry_budget_token_ratio >= 0 && retry_budget_token_ratio <= retry_budget_max_tokens)) {
    return Bad("retry_budget_token_ratio", "must be in [0, retry_budget_max_tokens]");
  }
  if (Status s = shared_state.Validate(); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace llmroute
