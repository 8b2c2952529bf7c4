// Router::Call's engine: drives one request through the deployments' adapters with retries,
// fallbacks, a deadline, a retry budget and cancellation (execution/call.cpp).
//
// It is a client of the router, not a part of its internals: every attempt is a public
// Router::Pick, then Router::Report (or Router::Cancel), exactly the calls a host makes, as
// tower's retry layer wraps a service through its public interface
// (https://docs.rs/tower/latest/tower/retry/index.html). So health, limits and statistics see
// calls and host-driven requests alike, and the pick path has one implementation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/execution/call_options.hpp"
#include "core/execution/call_report.hpp"
#include "core/execution/hedge_budget.hpp"
#include "core/execution/retry_budget.hpp"
#include "core/execution/sleeper.hpp"
#include "core/random.hpp"
#include "core/stats/model_stats.hpp"

namespace llmroute {

class Router;

// The models a call may move through, resolved from one snapshot at the start of the call
// (Router::CallChains): the routed model (aliases applied) and its three fallback chains, each
// breadth first, each model once, without the model itself.
struct CallChains {
  std::string model;
  std::vector<std::string> general;
  std::vector<std::string> context_window;
  std::vector<std::string> content_policy;
};

class CallExecutor {
 public:
  // `router` is used through its public interface only; `model_stats` counts the call's moves
  // to a fallback model. Both must outlive the executor (the router owns it).
  CallExecutor(Router &router, Clock &clock, RandomSource &rng, Sleeper &sleeper,
               ModelStatsRegistry &model_stats, double retry_budget_max_tokens,
               double retry_budget_token_ratio, double hedge_budget_max_tokens,
               double hedge_budget_ratio);
  CallExecutor(const CallExecutor &) = delete;
  CallExecutor &operator=(const CallExecutor &) = delete;

  // See Router::Call. Thread-safe: calls share only the retry and hedge budgets (atomics).
  Status Call(std::string_view model, std::string_view request, const CallOptions &options,
              CallReport *report);

 private:
  // The hedge delay of a call to `model` (0: no hedging), from hedge_after_ms and
  // hedge_after_quantile (see CallOptions).
  int64_t HedgeDelayNs(const CallOptions &options, const std::string &model);

  Router &router_;
  Clock &clock_;
  RandomSource &rng_;
  Sleeper &sleeper_;
  ModelStatsRegistry &model_stats_;
  RetryBudget retry_budget_;  // router-wide: every call of this router draws from it
  HedgeBudget hedge_budget_;  // likewise, for hedges (hedge_budget.hpp)
};

}  // namespace llmroute
