// Inference engines: load reports (llmr_router_report_load) and prompt prefix hashes
// (llmr_prefix_hashes).
#include <cstddef>
#include <cstring>
#include <string>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/engine/prefix_hash.hpp"
#include "core/names.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

// The first (and so far only) layout of llmr_engine_load.
constexpr size_t kEngineLoadV1Size = offsetof(llmr_engine_load, read_at_ns) + sizeof(int64_t);

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_engine_load_init(llmr_engine_load *load, size_t struct_size) {
  llmr_engine_load value{};
  return llmroute::capi::InitVersioned(load, struct_size, kEngineLoadV1Size, value, "load");
}

LLMR_API llmr_status llmr_router_report_load(llmr_router *router, const char *deployment,
                                             const llmr_engine_load *load) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (deployment == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "deployment is NULL");
    if (load == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "load is NULL");
    llmr_engine_load l;
    if (llmr_status s =
            llmroute::capi::ReadInput(load, kEngineLoadV1Size, "load", &l, llmr_engine_load_init);
        s != LLMR_OK) {
      return s;
    }
    llmroute::EngineLoadInput input;
    input.waiting = l.waiting;
    input.running = l.running;
    input.kv_utilization = l.kv_cache_utilization;
    input.read_at_ns = l.read_at_ns;
    const std::string_view name(deployment, strnlen(deployment, llmroute::kNameMax + 1));
    return Finish(router->core->ReportLoad(name, input));
  });
}

LLMR_API llmr_status llmr_prefix_hashes(const void *text, size_t len, uint32_t block_bytes,
                                        uint64_t *out, size_t cap, size_t *count) {
  return Guarded([&] {
    if (count == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "count is NULL");
    *count = 0;
    if (block_bytes == 0 || block_bytes > llmroute::kMaxPrefixBlockBytes) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "block_bytes must be in 1.." +
                                                 std::to_string(llmroute::kMaxPrefixBlockBytes) +
                                                 " (got " + std::to_string(block_bytes) + ")");
    }
    if (text == nullptr && len > 0) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "text is NULL but len is not 0");
    }
    if (out == nullptr && cap > 0) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL but cap is not 0");
    }
    *count = llmroute::PrefixHashes(static_cast<const unsigned char *>(text), len, block_bytes, out,
                                    cap);
    return Finish(llmroute::Status::Ok());
  });
}

}  // extern "C"
