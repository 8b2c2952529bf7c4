// Health of one deployment or of all of them.
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"

using llmroute::capi::CheckName;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

llmr_health ToC(const llmroute::HealthInfo &info, const char *name) {
  llmr_health h{};
  h.struct_size = sizeof(llmr_health);
  h.name = name;
  h.state = static_cast<llmr_breaker_state>(info.state);
  h.override_mode = static_cast<llmr_override>(info.override_mode);
  h.eligible = info.eligible ? 1 : 0;
  h.ewma_latency_ms = info.ewma_latency_ms;
  h.failure_ratio = info.failure_ratio;
  h.in_flight = info.in_flight;
  h.picks = info.picks;
  h.successes = info.successes;
  h.failures = info.failures;
  h.request_errors = info.request_errors;
  h.cancels = info.cancels;
  h.trips = info.trips;
  h.consecutive_failures = info.consecutive_failures;
  h.cooldown_remaining_ms = info.cooldown_remaining_ms;
  h.weight = info.weight;
  h.tier = info.tier;
  h.quota_remaining_requests = info.quota.remaining_requests;
  h.quota_remaining_tokens = info.quota.remaining_tokens;
  h.quota_requests_reset_ms = info.quota.requests_reset_ms;
  h.quota_tokens_reset_ms = info.quota.tokens_reset_ms;
  h.quota_exhausted_ms = info.quota.exhausted_ms;
  h.quota_exhaustions = info.quota.exhaustions;
  return h;
}

llmr_status CheckOut(const llmr_health *out) {
  if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
  if (out->struct_size < llmroute::capi::kHealthV1Size) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "out->struct_size is too small; use llmr_health_init()");
  }
  return LLMR_OK;
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_health_init(llmr_health *health, size_t struct_size) {
  llmr_health value{};
  return llmroute::capi::InitVersioned(health, struct_size, llmroute::capi::kHealthV1Size, value,
                                       "health");
}

LLMR_API llmr_status llmr_router_health(llmr_router *router, const char *name, llmr_health *out) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (llmr_status s = CheckOut(out); s != LLMR_OK) return s;
    std::string_view n;
    if (llmr_status s = CheckName(name, "deployment name", &n); s != LLMR_OK) return s;
    llmroute::HealthInfo info;
    if (llmr_status s = Finish(router->core->Health(n, &info)); s != LLMR_OK) return s;
    // The caller's own string: the router's copy of the name is freed by a removal or reload
    // on another thread (heap-use-after-free under ASan, issue 17).
    llmroute::capi::WriteVersioned(ToC(info, name), out);
    return llmroute::capi::Succeed();
  });
}

LLMR_API llmr_status llmr_router_health_list(llmr_router *router, llmr_health_list **out) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    auto all = router->core->HealthAll();
    auto list = std::make_unique<llmr_health_list>();
    list->names.reserve(all.size());
    for (auto &[name, info] : all) list->names.push_back(std::move(name));
    for (size_t i = 0; i < all.size(); ++i) {
      list->entries.push_back(ToC(all[i].second, list->names[i].c_str()));
    }
    *out = list.release();
    llmroute::capi::ClearErrorMessage();
    return LLMR_OK;
  });
}

LLMR_API size_t llmr_health_list_count(const llmr_health_list *list) {
  return list == nullptr ? 0 : list->entries.size();
}

LLMR_API llmr_status llmr_health_list_get(const llmr_health_list *list, size_t index,
                                          llmr_health *out) {
  if (list == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "list is NULL");
  if (llmr_status s = CheckOut(out); s != LLMR_OK) return s;
  if (index >= list->entries.size()) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "index " + std::to_string(index) + " is out of range");
  }
  llmroute::capi::WriteVersioned(list->entries[index], out);
  return llmroute::capi::Succeed();
}

LLMR_API void llmr_health_list_free(llmr_health_list *list) {
  delete list;
}

}  // extern "C"
