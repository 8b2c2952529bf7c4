// JSON configurations: create a router from one, hot-reload one, validate one. Parsing,
// validation and orchestration live in src/config (router_from_config.hpp); this file only
// translates arguments and statuses.
#include <cstring>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/router_options_convert.hpp"
#include "config/router_from_config.hpp"

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

// The base options as the core's (NULL: the defaults).
llmr_status BaseOptions(const llmr_router_options *base, llmroute::RouterOptions *core) {
  llmr_router_options o = llmroute::capi::DefaultRouterOptions();
  if (base != nullptr) {
    if (llmr_status s =
            llmroute::capi::ReadVersioned(base, llmroute::capi::kRouterOptionsV1Size, "base", &o);
        s != LLMR_OK) {
      return s;
    }
  }
  return llmroute::capi::ToCoreOptions(o, core);
}

llmr_status Create(const config::Source &source, const llmr_router_options *base,
                   llmr_router **out) {
  llmroute::RouterOptions options;
  if (llmr_status s = BaseOptions(base, &options); s != LLMR_OK) return s;
  auto handle = std::make_unique<llmr_router>();
  if (llmr_status s = Finish(config::CreateFromConfig(source, std::move(options), &handle->core));
      s != LLMR_OK) {
    return s;
  }
  *out = handle.release();
  return LLMR_OK;
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
    return Create(config::Source::Text(std::string_view(json, len)), base, out);
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
    return Create(config::Source::File(p), base, out);
  });
}

LLMR_API llmr_status llmr_router_apply_config(llmr_router *router, const char *json, size_t len) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (llmr_status s = CheckJson(json); s != LLMR_OK) return s;
    return Finish(
        config::ApplyConfig(*router->core, config::Source::Text(std::string_view(json, len))));
  });
}

LLMR_API llmr_status llmr_router_apply_config_file(llmr_router *router, const char *path) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    std::string p;
    if (llmr_status s = CheckPath(path, &p); s != LLMR_OK) return s;
    return Finish(config::ApplyConfig(*router->core, config::Source::File(p)));
  });
}

LLMR_API llmr_status llmr_config_validate(const char *json, size_t len) {
  return Guarded([&] {
    if (llmr_status s = CheckJson(json); s != LLMR_OK) return s;
    return Finish(config::ValidateConfig(config::Source::Text(std::string_view(json, len))));
  });
}

}  // extern "C"
