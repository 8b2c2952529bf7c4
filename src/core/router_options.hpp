// Everything a router is created with. Validate() names the first bad field.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/execution/sleeper.hpp"
#include "core/health/breaker_config.hpp"
#include "core/option_defaults.hpp"
#include "core/random.hpp"
#include "core/shared_state/backend.hpp"
#include "core/shared_state/shared_state_config.hpp"
#include "core/status.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

// Values equal llmr_all_open_policy's (static_assert in src/capi/enum_ties.cpp).
enum class AllOpenPolicy : uint8_t { kFailFast = 0, kPanic = 1 };

struct RouterOptions {
  StrategyKind strategy = static_cast<StrategyKind>(option_defaults::strategy);
  AllOpenPolicy all_open_policy = static_cast<AllOpenPolicy>(option_defaults::all_open_policy);
  BreakerConfig breaker;
  double latency_ewma_alpha = option_defaults::latency_ewma_alpha;  // the seed's 7/8 old + 1/8 new
  StrategyParams strategy_params;
  // Priority tiers: Envoy's overprovisioning factor (priority_tiers.hpp); infinity: strict tiers.
  double tier_overprovisioning_factor = option_defaults::tier_overprovisioning_factor;
  // Age of a stale latency sample (strategies/latency.cpp); 0: the breaker's window.
  int64_t latency_stale_ns = option_defaults::Ns(option_defaults::latency_stale_ms);
  // Session affinity's bounded load (strategies/affinity.hpp); 0: unbounded.
  double affinity_load_factor = option_defaults::affinity_load_factor;
  // Announced quotas (limits/quota.hpp): a 429 whose reset lies beyond the horizon is a quota
  // exhaustion; whether a tier with announced quotas is chosen by headroom.
  int64_t quota_horizon_ns = option_defaults::Ns(option_defaults::quota_horizon_ms);
  uint32_t quota_headroom_routing = static_cast<uint32_t>(option_defaults::quota_headroom_routing);
  std::unique_ptr<Clock> clock;      // nullptr: SteadyClock
  std::unique_ptr<Sleeper> sleeper;  // nullptr: SystemSleeper
  // gRPC retry throttling's maxTokens and tokenRatio (see execution/retry_budget.hpp).
  double retry_budget_max_tokens = option_defaults::retry_budget_max_tokens;
  double retry_budget_token_ratio = option_defaults::retry_budget_token_ratio;
  // The hedge budget's burst and the tokens each hedging call earns (execution/hedge_budget.hpp).
  double hedge_budget_max_tokens = option_defaults::hedge_budget_max_tokens;
  double hedge_budget_ratio = option_defaults::hedge_budget_ratio;
  std::unique_ptr<RandomSource> rng;  // nullptr: ThreadLocalRandom
  // Fleet shared state (shared_state/, docs/fleet.md): the settings, and the backend the C shim
  // built from the URL (nullptr: none, each router on its own).
  SharedStateConfig shared_state;
  std::unique_ptr<SharedStateBackend> shared_state_backend;

  Status Validate() const;
};

}  // namespace llmroute
