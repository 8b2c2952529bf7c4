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

void Router::OnHedgeStarted(std::string_view model, std::string_view deployment,
                            std::string_view first, uint32_t index, int64_t after_ms) {
  model_stats_.For(model)->AddHedge();
  if (!has_listener_.load(std::memory_order_acquire)) return;
  const std::string deployment_z(deployment);  // NUL-terminated for the C shim
  const std::string message = "hedge " + std::to_string(index) + " of a call to model '" +
                              std::string(model) + "' after " + std::to_string(after_ms) +
                              " ms without an answer from '" + std::string(first) + "'";
  Event event;
  event.kind = EventKind::kHedgeStarted;
  event.deployment = deployment_z;
  event.message = message;
  Emit(event);
}

void Router::OnHedgeWon(std::string_view model) {
  model_stats_.For(model)->AddHedgeWin();
}

}  // namespace llmroute
