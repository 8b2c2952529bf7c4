// The fleet shared state in the C API: the shared_state_* router options and
// llmr_router_shared_state_status(). The synchronisation lives in src/core/shared_state, the
// Redis backend in src/backend/redis.
#include <cstring>

#include "backend/redis/redis_backend.hpp"
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/shared_state_support.hpp"

using llmroute::kNsPerMs;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

constexpr size_t kMaxUrlBytes = 4096;
using llmroute::capi::kSharedStateStatusV1Size;  // abi_v1_sizes.hpp

llmr_status ReadMs(int64_t ms, const char *field, int64_t *ns) {
  if (ms < 0 || ms > INT64_MAX / kNsPerMs) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string("option ") + field + " is out of range");
  }
  *ns = ms * kNsPerMs;
  return LLMR_OK;
}

}  // namespace

namespace llmroute::capi {

void InitSharedStateOptions(llmr_router_options *value) {
  const SharedStateConfig defaults;
  value->shared_state_url = nullptr;
  value->shared_state_key_prefix = nullptr;
  value->shared_state_sync_interval_ms = defaults.sync_interval_ns / kNsPerMs;
  value->shared_state_connect_timeout_ms = defaults.connect_timeout_ns / kNsPerMs;
  value->shared_state_command_timeout_ms = defaults.command_timeout_ns / kNsPerMs;
  value->shared_state_rate_batch = defaults.rate_batch;
}

llmr_status ReadSharedStateOptions(const llmr_router_options &o, RouterOptions *core) {
  if (o.shared_state_url == nullptr || o.shared_state_url[0] == '\0') return LLMR_OK;
  SharedStateConfig &config = core->shared_state;
  const size_t url_length = strnlen(o.shared_state_url, kMaxUrlBytes + 1);
  if (url_length > kMaxUrlBytes) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "option shared_state_url is longer than 4096 bytes");
  }
  config.url.assign(o.shared_state_url, url_length);
  if (o.shared_state_key_prefix != nullptr) {
    const size_t length = strnlen(o.shared_state_key_prefix, 257);
    if (length > 256) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "option shared_state_key_prefix is longer than 256 bytes");
    }
    config.key_prefix.assign(o.shared_state_key_prefix, length);
  }
  if (llmr_status s = ReadMs(o.shared_state_sync_interval_ms, "shared_state_sync_interval_ms",
                             &config.sync_interval_ns);
      s != LLMR_OK) {
    return s;
  }
  if (llmr_status s = ReadMs(o.shared_state_connect_timeout_ms, "shared_state_connect_timeout_ms",
                             &config.connect_timeout_ns);
      s != LLMR_OK) {
    return s;
  }
  if (llmr_status s = ReadMs(o.shared_state_command_timeout_ms, "shared_state_command_timeout_ms",
                             &config.command_timeout_ns);
      s != LLMR_OK) {
    return s;
  }
  config.rate_batch = o.shared_state_rate_batch;
  if (Status s = config.Validate(); !s.ok()) return Finish(s);
  if (Status s = redis::CreateBackend(config, &core->shared_state_backend); !s.ok()) {
    return Finish(s);
  }
  return LLMR_OK;
}

}  // namespace llmroute::capi

extern "C" {

LLMR_API llmr_status llmr_shared_state_status_init(llmr_shared_state_status *status,
                                                   size_t struct_size) {
  return llmroute::capi::InitVersioned(status, struct_size, kSharedStateStatusV1Size,
                                       llmr_shared_state_status{}, "status");
}

LLMR_API llmr_status llmr_router_shared_state_status(llmr_router *router,
                                                     llmr_shared_state_status *out) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    if (out->struct_size < kSharedStateStatusV1Size) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "out->struct_size is too small; initialise it with "
                  "llmr_shared_state_status_init()");
    }
    if (out->last_error == nullptr && out->last_error_cap != 0) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "out->last_error is NULL but last_error_cap is not 0");
    }
    const llmroute::SharedStateStatus core = router->core->SharedState();
    llmr_shared_state_status value{};
    value.struct_size = sizeof value;
    value.enabled = core.enabled ? 1 : 0;
    value.connected = core.connected ? 1 : 0;
    value.last_sync_age_ms = core.last_sync_age_ms;
    value.syncs = core.syncs;
    value.sync_failures = core.sync_failures;
    value.connections = core.connections;
    value.remote_opens = core.remote_opens;
    value.remote_closes = core.remote_closes;
    value.last_error = out->last_error;
    value.last_error_cap = out->last_error_cap;
    if (value.last_error_cap > 0) {
      const size_t n = std::min(core.last_error.size(), value.last_error_cap - 1);
      std::memcpy(value.last_error, core.last_error.data(), n);
      value.last_error[n] = '\0';
    }
    llmroute::capi::WriteVersioned(value, out);
    return llmroute::capi::Succeed();
  });
}

}  // extern "C"
