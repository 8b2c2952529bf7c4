// llmr_router_options_init, llmr_router_create, llmr_router_destroy.
#include <cmath>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/shared_state_support.hpp"

using llmroute::kNsPerMs;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

// The host's clock and random callbacks, seen by the core as its own interfaces.
class CallbackClock final : public llmroute::Clock {
 public:
  CallbackClock(llmr_clock_fn fn, void *user_data) : fn_(fn), user_data_(user_data) {}
  int64_t NowNs() const override { return fn_(user_data_); }

 private:
  llmr_clock_fn fn_;
  void *user_data_;
};

class CallbackSleeper final : public llmroute::Sleeper {
 public:
  CallbackSleeper(llmr_sleep_fn fn, void *user_data) : fn_(fn), user_data_(user_data) {}
  void Sleep(int64_t duration_ns, llmroute::CancelToken *) override {
    fn_(user_data_, duration_ns);
  }

 private:
  llmr_sleep_fn fn_;
  void *user_data_;
};

class CallbackRandom final : public llmroute::RandomSource {
 public:
  CallbackRandom(llmr_random_fn fn, void *user_data) : fn_(fn), user_data_(user_data) {}
  uint64_t Next() override { return fn_(user_data_); }

 private:
  llmr_random_fn fn_;
  void *user_data_;
};

// Milliseconds to nanoseconds, refusing values that would overflow.
bool MsToNs(int64_t ms, int64_t *ns) {
  if (ms < 0 || ms > INT64_MAX / kNsPerMs) return false;
  *ns = ms * kNsPerMs;
  return true;
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_router_options_init(llmr_router_options *opts, size_t struct_size) {
  const llmroute::RouterOptions defaults;
  llmr_router_options value{};
  value.strategy = static_cast<llmr_strategy>(defaults.strategy);
  value.all_open_policy = static_cast<llmr_all_open_policy>(defaults.all_open_policy);
  value.breaker_consecutive_failures = defaults.breaker.consecutive_failures;
  value.breaker_failure_ratio = defaults.breaker.failure_ratio;
  value.breaker_min_requests = defaults.breaker.min_requests;
  value.breaker_window_ms = defaults.breaker.window_ns / kNsPerMs;
  value.breaker_cooldown_base_ms = defaults.breaker.cooldown_base_ns / kNsPerMs;
  value.breaker_cooldown_max_ms = defaults.breaker.cooldown_max_ns / kNsPerMs;
  value.breaker_jitter = defaults.breaker.jitter;
  value.half_open_max_probes = defaults.breaker.half_open_max_probes;
  value.latency_ewma_alpha = defaults.latency_ewma_alpha;
  value.latency_buffer = defaults.strategy_params.latency_buffer;
  value.latency_prior_ms = defaults.strategy_params.latency_prior_ms;
  value.retry_budget_max_tokens = defaults.retry_budget_max_tokens;
  value.retry_budget_token_ratio = defaults.retry_budget_token_ratio;
  value.tier_overprovisioning_factor = defaults.tier_overprovisioning_factor;
  value.slow_start_window_ms = defaults.strategy_params.slow_start.window_ns / kNsPerMs;
  value.slow_start_aggression = defaults.strategy_params.slow_start.aggression;
  value.slow_start_min_weight_percent = defaults.strategy_params.slow_start.min_weight_percent;
  value.peak_ewma_decay_ms = defaults.strategy_params.peak_ewma.decay_ns / kNsPerMs;
  value.peak_ewma_failure_penalty = defaults.strategy_params.peak_ewma.failure_penalty;
  value.affinity_load_factor = defaults.affinity_load_factor;
  llmroute::capi::InitSharedStateOptions(&value);
  return llmroute::capi::InitVersioned(opts, struct_size, llmroute::capi::kRouterOptionsV1Size,
                                       value, "opts");
}

LLMR_API llmr_status llmr_router_create(const llmr_router_options *opts, llmr_router **out) {
  return Guarded([&] {
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    if (opts != nullptr) {
      if (llmr_status s =
              llmroute::capi::ReadVersioned(opts, llmroute::capi::kRouterOptionsV1Size, "opts", &o);
          s != LLMR_OK) {
        return s;
      }
    }
    const int32_t strategy = llmroute::capi::RawEnum(o.strategy);
    const int32_t policy = llmroute::capi::RawEnum(o.all_open_policy);
    if (strategy <= LLMR_STRATEGY_DEFAULT || strategy > LLMR_STRATEGY_COST) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "option strategy must name a strategy (got " + std::to_string(strategy) + ")");
    }
    if (policy != LLMR_ALL_OPEN_FAIL_FAST && policy != LLMR_ALL_OPEN_PANIC) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "option all_open_policy " + std::to_string(policy) + " does not exist");
    }
    llmroute::RouterOptions core;
    core.strategy = static_cast<llmroute::StrategyKind>(strategy);
    core.all_open_policy = static_cast<llmroute::AllOpenPolicy>(policy);
    core.breaker.consecutive_failures = o.breaker_consecutive_failures;
    core.breaker.failure_ratio = o.breaker_failure_ratio;
    core.breaker.min_requests = o.breaker_min_requests;
    if (!MsToNs(o.breaker_window_ms, &core.breaker.window_ns)) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "option breaker_window_ms is out of range");
    }
    if (!MsToNs(o.breaker_cooldown_base_ms, &core.breaker.cooldown_base_ns)) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "option breaker_cooldown_base_ms is out of range");
    }
    if (!MsToNs(o.breaker_cooldown_max_ms, &core.breaker.cooldown_max_ns)) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "option breaker_cooldown_max_ms is out of range");
    }
    core.breaker.jitter = o.breaker_jitter;
    core.breaker.half_open_max_probes = o.half_open_max_probes;
    core.latency_ewma_alpha = o.latency_ewma_alpha;
    core.strategy_params.latency_buffer = o.latency_buffer;
    core.strategy_params.latency_prior_ms = o.latency_prior_ms;
    core.tier_overprovisioning_factor = o.tier_overprovisioning_factor;
    if (!MsToNs(o.slow_start_window_ms, &core.strategy_params.slow_start.window_ns)) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "option slow_start_window_ms is out of range");
    }
    core.strategy_params.slow_start.aggression = o.slow_start_aggression;
    core.strategy_params.slow_start.min_weight_percent = o.slow_start_min_weight_percent;
    if (!MsToNs(o.peak_ewma_decay_ms, &core.strategy_params.peak_ewma.decay_ns)) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "option peak_ewma_decay_ms is out of range");
    }
    core.strategy_params.peak_ewma.failure_penalty = o.peak_ewma_failure_penalty;
    core.affinity_load_factor = o.affinity_load_factor;
    if (o.clock != nullptr)
      core.clock = std::make_unique<CallbackClock>(o.clock, o.clock_user_data);
    core.retry_budget_max_tokens = o.retry_budget_max_tokens;
    core.retry_budget_token_ratio = o.retry_budget_token_ratio;
    if (o.sleep != nullptr)
      core.sleeper = std::make_unique<CallbackSleeper>(o.sleep, o.sleep_user_data);
    if (o.random != nullptr) {
      core.rng = std::make_unique<CallbackRandom>(o.random, o.random_user_data);
    }
    if (llmr_status s = llmroute::capi::ReadSharedStateOptions(o, &core); s != LLMR_OK) return s;
    auto handle = std::make_unique<llmr_router>();
    if (llmr_status s = Finish(llmroute::Router::Create(std::move(core), &handle->core));
        s != LLMR_OK) {
      return s;
    }
    *out = handle.release();
    return LLMR_OK;
  });
}

LLMR_API void llmr_router_destroy(llmr_router *router) {
  delete router;
}

}  // extern "C"
