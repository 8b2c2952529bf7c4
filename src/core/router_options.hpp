// Everything a router is created with. Validate() names the first bad field.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/health/breaker_config.hpp"
#include "core/random.hpp"
#include "core/status.hpp"
#include "core/strategies/strategy.hpp"

namespace llmroute {

enum class AllOpenPolicy : uint8_t { kFailFast = 0, kPanic = 1 };

struct RouterOptions {
  StrategyKind strategy = StrategyKind::kRoundRobin;
  AllOpenPolicy all_open_policy = AllOpenPolicy::kFailFast;
  BreakerConfig breaker;
  double latency_ewma_alpha = 0.125;  // the seed's 7/8 old + 1/8 new
  StrategyParams strategy_params;
  std::unique_ptr<Clock> clock;        // nullptr: SteadyClock
  std::unique_ptr<RandomSource> rng;   // nullptr: ThreadLocalRandom

  Status Validate() const;
};

}  // namespace llmroute
