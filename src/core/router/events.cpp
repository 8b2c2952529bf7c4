// Event delivery: the listener (replaced at any time, released once no delivery uses it) and
// the events the router emits (breaker transitions; configuration applied or rejected).
#include "core/router.hpp"

namespace llmroute {

void Router::SetEventListener(std::shared_ptr<EventListener> listener) {
  {
    std::lock_guard<SpinLock> lock(listener_lock_);
    listener_.swap(listener);
    has_listener_.store(listener_ != nullptr, std::memory_order_release);
  }
  // The previous listener goes here, or when the last event being delivered to it returns.
}

void Router::Emit(const Event &event) {
  if (!has_listener_.load(std::memory_order_acquire)) return;
  std::shared_ptr<EventListener> listener;
  {
    std::lock_guard<SpinLock> lock(listener_lock_);
    listener = listener_;
  }
  if (listener) listener->OnEvent(event);
}

void Router::EmitBreakerChange(const DeploymentState &state, const BreakerChange &change,
                               int64_t now_ns) {
  if (!has_listener_.load(std::memory_order_acquire)) return;
  Event event;
  event.kind = EventKind::kBreaker;
  event.deployment = state.name();
  event.from = change.from;
  event.to = change.to;
  if (change.to == BreakerState::kOpen) {
    const int64_t until = state.breaker().OpenUntilNs();
    event.cooldown_ms = CeilMsUntil(until, now_ns);
  }
  Emit(event);
}

}  // namespace llmroute
