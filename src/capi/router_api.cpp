// llmr_router_options_init, llmr_router_create, llmr_router_destroy.
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/router_options_convert.hpp"
#include "capi/shared_state_support.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

extern "C" {

LLMR_API llmr_status llmr_router_options_init(llmr_router_options *opts, size_t struct_size) {
  return llmroute::capi::InitVersioned(opts, struct_size, llmroute::capi::kRouterOptionsV1Size,
                                       llmroute::capi::DefaultRouterOptions(), "opts");
}

LLMR_API llmr_status llmr_router_create(const llmr_router_options *opts, llmr_router **out) {
  return Guarded([&] {
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    llmr_router_options o = llmroute::capi::DefaultRouterOptions();
    if (opts != nullptr) {
      if (llmr_status s =
              llmroute::capi::ReadVersioned(opts, llmroute::capi::kRouterOptionsV1Size, "opts", &o);
          s != LLMR_OK) {
        return s;
      }
    }
    llmroute::RouterOptions core;
    if (llmr_status s = llmroute::capi::ToCoreOptions(o, &core); s != LLMR_OK) return s;
    if (llmr_status s = llmroute::capi::CreateSharedStateBackend(&core); s != LLMR_OK) return s;
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
