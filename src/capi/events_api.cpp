// The event listener: the host's callback table as a core EventListener.
#include <vector>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Guarded;

namespace {

class CallbackListener final : public llmroute::EventListener {
 public:
  explicit CallbackListener(const llmr_event_listener &table) : table_(table) {}
  // The router drops its last reference once no event is being delivered: release runs once.
  ~CallbackListener() override {
    if (table_.release != nullptr) table_.release(table_.user_data);
  }

  void OnEvent(const llmroute::Event &event) noexcept override {
    try {
      Deliver(event);
    } catch (...) {
      // A C++ host threw through our callback (or we ran out of memory): never past the router.
    }
  }

 private:
  void Deliver(const llmroute::Event &event) {
    llmr_event c{};
    c.struct_size = sizeof(llmr_event);
    c.kind = static_cast<llmr_event_kind>(event.kind);
    std::vector<const char *> added, removed;
    switch (event.kind) {
      case llmroute::EventKind::kBreaker:
        c.deployment = event.deployment.data();  // NUL-terminated (core/events.hpp)
        c.from = static_cast<llmr_breaker_state>(event.from);
        c.to = static_cast<llmr_breaker_state>(event.to);
        c.cooldown_ms = event.cooldown_ms;
        break;
      case llmroute::EventKind::kConfigApplied:
        for (const std::string &name : *event.added) added.push_back(name.c_str());
        for (const std::string &name : *event.removed) removed.push_back(name.c_str());
        c.added = added.data();
        c.added_count = added.size();
        c.removed = removed.data();
        c.removed_count = removed.size();
        c.kept_count = event.kept;
        c.config_generation = event.generation;
        break;
      case llmroute::EventKind::kConfigRejected:
        c.config_generation = event.generation;
        c.message = event.message.data();
        break;
      case llmroute::EventKind::kQuotaExhausted:
        c.deployment = event.deployment.data();  // NUL-terminated (core/events.hpp)
        c.cooldown_ms = event.cooldown_ms;
        break;
      case llmroute::EventKind::kSharedStateFailover:
        c.message = event.message.data();  // NUL-terminated (core/events.hpp)
        break;
      case llmroute::EventKind::kHedgeStarted:
        c.deployment = event.deployment.data();  // NUL-terminated (core/events.hpp)
        c.message = event.message.data();
        break;
    }
    table_.fn(table_.user_data, &c);
  }

  llmr_event_listener table_;
};

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_event_listener_init(llmr_event_listener *listener, size_t struct_size) {
  return llmroute::capi::InitVersioned(listener, struct_size, llmroute::capi::kEventListenerV1Size,
                                       llmr_event_listener{}, "listener");
}

LLMR_API llmr_status llmr_router_set_event_listener(llmr_router *router,
                                                    const llmr_event_listener *listener) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (listener == nullptr) {
      router->core->SetEventListener(nullptr);
      return llmroute::capi::Succeed();
    }
    llmr_event_listener table{};
    // The 1.0 size, not sizeof: a host built against 1.0 keeps working once a member is
    // appended (issue 17).
    if (llmr_status s = llmroute::capi::ReadVersioned(
            listener, llmroute::capi::kEventListenerV1Size, "listener", &table);
        s != LLMR_OK) {
      return s;
    }
    if (table.fn == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "listener->fn is NULL");
    router->core->SetEventListener(std::make_shared<CallbackListener>(table));
    return llmroute::capi::Succeed();
  });
}

LLMR_API const char *llmr_event_kind_str(llmr_event_kind kind) {
  switch (llmroute::capi::RawEnum(kind)) {
    case LLMR_EVENT_BREAKER:
      return "breaker";
    case LLMR_EVENT_CONFIG_APPLIED:
      return "config_applied";
    case LLMR_EVENT_CONFIG_REJECTED:
      return "config_rejected";
    case LLMR_EVENT_QUOTA_EXHAUSTED:
      return "quota_exhausted";
    case LLMR_EVENT_SHARED_STATE_FAILOVER:
      return "shared_state_failover";
    case LLMR_EVENT_HEDGE_STARTED:
      return "hedge_started";
    default:
      return nullptr;
  }
}

}  // extern "C"
