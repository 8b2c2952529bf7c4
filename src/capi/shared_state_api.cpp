// The fleet shared state in the C API: the shared_state_* router options and
// llmr_router_shared_state_status(). The synchronisation lives in src/core/shared_state, the
// Redis backend in src/backend/redis.
#include <cstddef>
#include <cstring>

#include "backend/redis/redis_backend.hpp"
#include "capi/abi_v1_sizes.hpp"
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/shared_state_support.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

using llmroute::capi::kSharedStateStatusV1Size;  // abi_v1_sizes.hpp

}  // namespace

namespace llmroute::capi {

llmr_status CreateSharedStateBackend(RouterOptions *core) {
  if (!core->shared_state.enabled()) return LLMR_OK;
  return Finish(redis::CreateBackend(core->shared_state, &core->shared_state_backend));
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
    // The appended members are read only when the caller's struct has them.
    const bool has_server =
        out->struct_size >= offsetof(llmr_shared_state_status, server_cap) + sizeof out->server_cap;
    char *server = has_server ? out->server : nullptr;
    const size_t server_cap = has_server ? out->server_cap : 0;
    if (server == nullptr && server_cap != 0) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "out->server is NULL but server_cap is not 0");
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
    value.topology = core.enabled ? core.topology : 0;
    value.failovers = core.failovers;
    value.server = server;
    value.server_cap = server_cap;
    if (server_cap > 0) {
      const size_t n = std::min(core.server.size(), server_cap - 1);
      std::memcpy(server, core.server.data(), n);
      server[n] = '\0';
    }
    llmroute::capi::WriteVersioned(value, out);
    return llmroute::capi::Succeed();
  });
}

}  // extern "C"
