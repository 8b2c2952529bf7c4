// JSON configurations: create a router from one, hot-reload one, validate one. The parsing and
// validation live in src/config; this file only converts between C and the core.
#include <cstring>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "config/config.hpp"

using llmroute::kNsPerMs;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;
namespace config = llmroute::config;

namespace {

constexpr size_t kMaxPathBytes = 4096;

llmr_status CheckJson(const char *json) {
  return json == nullptr ? Fail(LLMR_ERR_INVALID_ARGUMENT, "json is NULL") : LLMR_OK;
}

llmr_status CheckPath(const char *path, std::string *out) {
  if (path == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "path is NULL");
  const size_t length = strnlen(path, kMaxPathBytes + 1);
  if (length == 0 || length > kMaxPathBytes) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "path is empty or longer than 4096 bytes");
  }
  out->assign(path, length);
  return LLMR_OK;
}

// The router settings a configuration sets, written over the host's C options (durations were
// given in ms, so converting back is exact). llmr_router_create() then validates the whole.
void Overlay(const config::Settings &settings, llmr_router_options *o) {
  const llmroute::RouterOptions &v = settings.values;
  for (const auto &[setting, path] : settings.present) {
    switch (setting) {
      case config::Setting::kAllOpenPolicy:
        o->all_open_policy = static_cast<llmr_all_open_policy>(v.all_open_policy);
        break;
      case config::Setting::kBreakerConsecutiveFailures:
        o->breaker_consecutive_failures = v.breaker.consecutive_failures;
        break;
      case config::Setting::kBreakerFailureRatio:
        o->breaker_failure_ratio = v.breaker.failure_ratio;
        break;
      case config::Setting::kBreakerMinRequests:
        o->breaker_min_requests = v.breaker.min_requests;
        break;
      case config::Setting::kBreakerWindow:
        o->breaker_window_ms = v.breaker.window_ns / kNsPerMs;
        break;
      case config::Setting::kBreakerCooldownBase:
        o->breaker_cooldown_base_ms = v.breaker.cooldown_base_ns / kNsPerMs;
        break;
      case config::Setting::kBreakerCooldownMax:
        o->breaker_cooldown_max_ms = v.breaker.cooldown_max_ns / kNsPerMs;
        break;
      case config::Setting::kBreakerJitter:
        o->breaker_jitter = v.breaker.jitter;
        break;
      case config::Setting::kBreakerHalfOpenMaxProbes:
        o->half_open_max_probes = v.breaker.half_open_max_probes;
        break;
      case config::Setting::kLatencyEwmaAlpha:
        o->latency_ewma_alpha = v.latency_ewma_alpha;
        break;
      case config::Setting::kLatencyBuffer:
        o->latency_buffer = v.strategy_params.latency_buffer;
        break;
      case config::Setting::kLatencyPrior:
        o->latency_prior_ms = v.strategy_params.latency_prior_ms;
        break;
      case config::Setting::kRetryBudgetMaxTokens:
        o->retry_budget_max_tokens = v.retry_budget_max_tokens;
        break;
      case config::Setting::kRetryBudgetTokenRatio:
        o->retry_budget_token_ratio = v.retry_budget_token_ratio;
        break;
      case config::Setting::kTierOverprovisioningFactor:
        o->tier_overprovisioning_factor = v.tier_overprovisioning_factor;
        break;
      case config::Setting::kSlowStartWindow:
        o->slow_start_window_ms = v.strategy_params.slow_start.window_ns / kNsPerMs;
        break;
      case config::Setting::kSlowStartAggression:
        o->slow_start_aggression = v.strategy_params.slow_start.aggression;
        break;
      case config::Setting::kSlowStartMinWeightPercent:
        o->slow_start_min_weight_percent = v.strategy_params.slow_start.min_weight_percent;
        break;
      case config::Setting::kPeakEwmaDecay:
        o->peak_ewma_decay_ms = v.strategy_params.peak_ewma.decay_ns / kNsPerMs;
        break;
      case config::Setting::kPeakEwmaFailurePenalty:
        o->peak_ewma_failure_penalty = v.strategy_params.peak_ewma.failure_penalty;
        break;
      case config::Setting::kAffinityLoadFactor:
        o->affinity_load_factor = v.affinity_load_factor;
        break;
      // The strings live in `settings`, which outlives the llmr_router_create() call.
      case config::Setting::kSharedStateUrl:
        o->shared_state_url = v.shared_state.url.c_str();
        break;
      case config::Setting::kSharedStateKeyPrefix:
        o->shared_state_key_prefix = v.shared_state.key_prefix.c_str();
        break;
      case config::Setting::kSharedStateSyncInterval:
        o->shared_state_sync_interval_ms = v.shared_state.sync_interval_ns / kNsPerMs;
        break;
      case config::Setting::kSharedStateConnectTimeout:
        o->shared_state_connect_timeout_ms = v.shared_state.connect_timeout_ns / kNsPerMs;
        break;
      case config::Setting::kSharedStateCommandTimeout:
        o->shared_state_command_timeout_ms = v.shared_state.command_timeout_ns / kNsPerMs;
        break;
      case config::Setting::kSharedStateRateBatch:
        o->shared_state_rate_batch = v.shared_state.rate_batch;
        break;
    }
  }
}

llmr_status Create(const llmroute::Status &parsed, config::Document &doc,
                   const llmr_router_options *base, llmr_router **out) {
  if (!parsed.ok()) return Finish(parsed);
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  if (base != nullptr) {
    if (llmr_status s =
            llmroute::capi::ReadVersioned(base, llmroute::capi::kRouterOptionsV1Size, "base", &o);
        s != LLMR_OK) {
      return s;
    }
  }
  Overlay(doc.settings, &o);
  llmr_router *router = nullptr;
  if (llmr_status s = llmr_router_create(&o, &router); s != LLMR_OK) {
    if (s != LLMR_ERR_INVALID_ARGUMENT || doc.settings.present.empty()) return s;
    return Fail(LLMR_ERR_CONFIG,
                "$.router_settings: with the base options, " + std::string(llmr_error_message()));
  }
  std::unique_ptr<llmr_router> owned(router);
  if (llmr_status s = Finish(owned->core->ApplyConfiguration(std::move(doc.routing)));
      s != LLMR_OK) {
    // The parser validated everything the core checks; this is a safety net.
    return Fail(LLMR_ERR_CONFIG, "$: " + std::string(llmr_error_message()));
  }
  *out = owned.release();
  return LLMR_OK;
}

llmr_status Apply(llmr_router *router, const llmroute::Status &parsed, config::Document &doc) {
  llmroute::Status status = parsed;
  if (status.ok()) status = config::CheckSettingsUnchanged(doc.settings, router->core->options());
  if (!status.ok()) {
    // The listener runs first: the error message is set after it, for the caller to read.
    router->core->RejectConfiguration(status.message());
    return Finish(status);
  }
  status = router->core->ApplyConfiguration(std::move(doc.routing));
  if (!status.ok()) status = {llmroute::Code::kConfig, "$: " + status.message()};
  return Finish(status);
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_router_create_from_config(const char *json, size_t len,
                                                    const llmr_router_options *base,
                                                    llmr_router **out) {
  return Guarded([&] {
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (llmr_status s = CheckJson(json); s != LLMR_OK) return s;
    config::Document doc;
    const llmroute::Status parsed = config::Parse(std::string_view(json, len), &doc);
    return Create(parsed, doc, base, out);
  });
}

LLMR_API llmr_status llmr_router_create_from_config_file(const char *path,
                                                         const llmr_router_options *base,
                                                         llmr_router **out) {
  return Guarded([&] {
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    std::string p;
    if (llmr_status s = CheckPath(path, &p); s != LLMR_OK) return s;
    config::Document doc;
    const llmroute::Status parsed = config::ParseFile(p, &doc);
    return Create(parsed, doc, base, out);
  });
}

LLMR_API llmr_status llmr_router_apply_config(llmr_router *router, const char *json, size_t len) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (llmr_status s = CheckJson(json); s != LLMR_OK) return s;
    config::Document doc;
    const llmroute::Status parsed = config::Parse(std::string_view(json, len), &doc);
    return Apply(router, parsed, doc);
  });
}

LLMR_API llmr_status llmr_router_apply_config_file(llmr_router *router, const char *path) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    std::string p;
    if (llmr_status s = CheckPath(path, &p); s != LLMR_OK) return s;
    config::Document doc;
    const llmroute::Status parsed = config::ParseFile(p, &doc);
    return Apply(router, parsed, doc);
  });
}

LLMR_API llmr_status llmr_config_validate(const char *json, size_t len) {
  return Guarded([&] {
    if (llmr_status s = CheckJson(json); s != LLMR_OK) return s;
    config::Document doc;
    llmroute::Status status = config::Parse(std::string_view(json, len), &doc);
    if (status.ok()) {
      // Combined ranges of the settings, against the defaults for what the file leaves out.
      llmroute::RouterOptions options;
      config::ApplySettings(doc.settings, &options);
      if (llmroute::Status s = options.Validate(); !s.ok()) {
        status = {llmroute::Code::kConfig, "$.router_settings: " + s.message()};
      }
    }
    return Finish(status);
  });
}

}  // extern "C"
