// Statistics snapshots and the Prometheus text exposition.
#include <mutex>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Guarded;

struct llmr_stats {
  llmroute::RouterStats core;
  // Rendered on first request; the snapshot is immutable otherwise.
  mutable std::once_flag text_once;
  mutable std::string text;
};

namespace {

llmr_deployment_stats ToC(const llmroute::DeploymentStatsInfo &d) {
  using llmroute::Outcome;
  llmr_deployment_stats s{};
  s.struct_size = sizeof(llmr_deployment_stats);
  s.name = d.name.c_str();
  s.state = static_cast<llmr_breaker_state>(d.state);
  s.eligible = d.eligible ? 1 : 0;
  s.in_flight = d.in_flight;
  s.picks = d.picks;
  auto count = [&](Outcome o) { return d.outcomes[static_cast<size_t>(o)]; };
  s.successes = count(Outcome::kSuccess);
  s.rate_limited = count(Outcome::kRateLimited);
  s.server_errors = count(Outcome::kServerError);
  s.timeouts = count(Outcome::kTimeout);
  s.connection_errors = count(Outcome::kConnectionError);
  s.auth_errors = count(Outcome::kAuthError);
  s.bad_requests = count(Outcome::kBadRequest);
  s.context_window_exceeded = count(Outcome::kContextWindowExceeded);
  s.content_policy = count(Outcome::kContentPolicy);
  s.cancels = d.cancels;
  s.input_tokens = d.input_tokens;
  s.output_tokens = d.output_tokens;
  s.ewma_latency_ms = d.ewma_latency_ms;
  s.latency_count = d.latency.count;
  s.latency_sum_ms = d.latency.sum_ms;
  s.latency_p50_ms = d.latency_p50_ms;
  s.latency_p90_ms = d.latency_p90_ms;
  s.latency_p99_ms = d.latency_p99_ms;
  s.breaker_opened = d.opened;
  s.breaker_half_opened = d.half_opened;
  s.breaker_closed = d.closed;
  s.cooldown_remaining_ms = d.cooldown_remaining_ms;
  return s;
}

using llmroute::capi::kDeploymentStatsV1Size;  // abi_v1_sizes.hpp
using llmroute::capi::kModelStatsV1Size;

template <typename T>
llmr_status CheckOut(const T *out, size_t min_size) {
  if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
  if (out->struct_size < min_size) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                "out->struct_size is too small; initialise it with its _init() function");
  }
  return LLMR_OK;
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_router_stats(llmr_router *router, llmr_stats **out) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto stats = std::make_unique<llmr_stats>();
    stats->core = router->core->Stats();
    *out = stats.release();
    return llmroute::capi::Succeed();
  });
}

LLMR_API void llmr_stats_free(llmr_stats *stats) {
  delete stats;
}

LLMR_API llmr_status llmr_deployment_stats_init(llmr_deployment_stats *stats, size_t struct_size) {
  return llmroute::capi::InitVersioned(stats, struct_size, kDeploymentStatsV1Size,
                                       llmr_deployment_stats{}, "stats");
}

LLMR_API size_t llmr_stats_deployment_count(const llmr_stats *stats) {
  return stats == nullptr ? 0 : stats->core.deployments.size();
}

LLMR_API llmr_status llmr_stats_deployment(const llmr_stats *stats, size_t index,
                                           llmr_deployment_stats *out) {
  return Guarded([&] {
    if (stats == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "stats is NULL");
    if (llmr_status s = CheckOut(out, kDeploymentStatsV1Size); s != LLMR_OK) return s;
    if (index >= stats->core.deployments.size()) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "index " + std::to_string(index) + " is out of range");
    }
    llmroute::capi::WriteVersioned(ToC(stats->core.deployments[index]), out);
    return llmroute::capi::Succeed();
  });
}

LLMR_API llmr_status llmr_model_stats_init(llmr_model_stats *stats, size_t struct_size) {
  return llmroute::capi::InitVersioned(stats, struct_size, kModelStatsV1Size, llmr_model_stats{},
                                       "stats");
}

LLMR_API size_t llmr_stats_model_count(const llmr_stats *stats) {
  return stats == nullptr ? 0 : stats->core.models.size();
}

LLMR_API llmr_status llmr_stats_model(const llmr_stats *stats, size_t index,
                                      llmr_model_stats *out) {
  return Guarded([&] {
    if (stats == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "stats is NULL");
    if (llmr_status s = CheckOut(out, kModelStatsV1Size); s != LLMR_OK) return s;
    if (index >= stats->core.models.size()) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "index " + std::to_string(index) + " is out of range");
    }
    const auto &m = stats->core.models[index];
    llmr_model_stats c{};
    c.struct_size = sizeof(llmr_model_stats);
    c.model = m.model.c_str();
    c.picks = m.picks;
    c.fallbacks = m.fallbacks;
    llmroute::capi::WriteVersioned(c, out);
    return llmroute::capi::Succeed();
  });
}

LLMR_API llmr_status llmr_stats_config_counts(const llmr_stats *stats, int64_t *applied,
                                              int64_t *rejected) {
  if (stats == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "stats is NULL");
  if (applied != nullptr) *applied = stats->core.configs_applied;
  if (rejected != nullptr) *rejected = stats->core.configs_rejected;
  return llmroute::capi::Succeed();
}

LLMR_API llmr_status llmr_stats_metrics_text(const llmr_stats *stats, const char **text,
                                             size_t *len) {
  return Guarded([&] {
    if (stats == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "stats is NULL");
    if (text == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "text is NULL");
    std::call_once(stats->text_once,
                   [&] { stats->text = llmroute::RenderPrometheus(stats->core); });
    *text = stats->text.c_str();
    if (len != nullptr) *len = stats->text.size();
    return llmroute::capi::Succeed();
  });
}

LLMR_API llmr_status llmr_router_metrics_text(llmr_router *router, char *buf, size_t cap,
                                              size_t *needed) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (buf == nullptr && cap != 0) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "buf is NULL but cap is not 0");
    }
    const std::string text = llmroute::RenderPrometheus(router->core->Stats());
    if (needed != nullptr) *needed = text.size() + 1;
    if (cap < text.size() + 1) {
      return Fail(LLMR_ERR_BUFFER_TOO_SMALL,
                  "the metrics text needs " + std::to_string(text.size() + 1) + " bytes");
    }
    std::memcpy(buf, text.c_str(), text.size() + 1);
    return llmroute::capi::Succeed();
  });
}

}  // extern "C"
