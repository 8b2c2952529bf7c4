// Router construction: options validated, injected clock / randomness / sleeper defaulted,
// the empty first snapshot published, and the fleet synchronisation started (fleet.cpp).
#include "core/router.hpp"

namespace llmroute {

Status Router::Create(RouterOptions options, std::unique_ptr<Router> *out) {
  if (Status s = options.Validate(); !s.ok()) return s;
  if (!options.clock) options.clock = std::make_unique<SteadyClock>();
  if (!options.rng) options.rng = std::make_unique<ThreadLocalRandom>();
  if (!options.sleeper) options.sleeper = std::make_unique<SystemSleeper>();
  out->reset(new Router(std::move(options)));
  if (Status s = (*out)->StartSharedState(); !s.ok()) {
    out->reset();
    return s;
  }
  return Status::Ok();
}

namespace {

RoutingConfig InitialConfig(StrategyKind strategy) {
  RoutingConfig config;
  config.default_strategy = strategy;
  return config;
}

}  // namespace

Router::Router(RouterOptions options)
    : options_(std::move(options)),
      clock_(options_.clock.get()),
      rng_(options_.rng.get()),
      snapshots_(std::make_unique<Snapshot>(InitialConfig(options_.strategy), *rng_)),
      executor_(*this, *clock_, *rng_, *options_.sleeper, model_stats_,
                options_.retry_budget_max_tokens, options_.retry_budget_token_ratio,
                options_.hedge_budget_max_tokens, options_.hedge_budget_ratio) {
  tracks_peak_ewma_.store(options_.strategy == StrategyKind::kPeakEwma, std::memory_order_relaxed);
  options_.strategy_params.latency_stale_ns =
      options_.latency_stale_ns > 0 ? options_.latency_stale_ns : options_.breaker.window_ns;
}

Router::~Router() = default;

}  // namespace llmroute
