// llmr_router_fallbacks and the llmr_fallbacks list.
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/names.hpp"

using llmroute::capi::CheckName;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

extern "C" {

LLMR_API llmr_status llmr_router_fallbacks(llmr_router *router, const char *model,
                                           const char *const *exclude, size_t exclude_count,
                                           llmr_fallbacks **out) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    std::string_view name;
    if (llmr_status s = CheckName(model, "model", &name); s != LLMR_OK) return s;
    if (exclude_count > llmroute::kListMax) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "exclude has more than " + std::to_string(llmroute::kListMax) + " entries");
    }
    if (exclude_count > 0 && exclude == nullptr) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "exclude is NULL but exclude_count is not 0");
    }
    std::vector<std::string_view> excluded;
    for (size_t i = 0; i < exclude_count; ++i) {
      std::string_view entry;
      const std::string label = "exclude[" + std::to_string(i) + "]";
      if (llmr_status s = CheckName(exclude[i], label.c_str(), &entry); s != LLMR_OK) return s;
      excluded.push_back(entry);
    }
    auto list = std::make_unique<llmr_fallbacks>();
    if (llmr_status s = Finish(router->core->Fallbacks(name, excluded, &list->entries));
        s != LLMR_OK) {
      return s;
    }
    *out = list.release();
    return LLMR_OK;
  });
}

LLMR_API size_t llmr_fallbacks_count(const llmr_fallbacks *list) {
  return list == nullptr ? 0 : list->entries.size();
}

LLMR_API llmr_status llmr_fallbacks_get(const llmr_fallbacks *list, size_t index,
                                        const char **deployment, const char **model) {
  if (list == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "list is NULL");
  if (index >= list->entries.size()) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "index " + std::to_string(index) +
                                               " is out of range (count " +
                                               std::to_string(list->entries.size()) + ")");
  }
  if (deployment != nullptr) *deployment = list->entries[index].deployment.c_str();
  if (model != nullptr) *model = list->entries[index].model.c_str();
  return llmroute::capi::Succeed();
}

LLMR_API void llmr_fallbacks_free(llmr_fallbacks *list) {
  delete list;
}

}  // extern "C"
