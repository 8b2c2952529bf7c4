#include "core/thread_slot.hpp"

#include <atomic>
#include <thread>

namespace llmroute {

size_t ThisThreadSlot() {
  // Constant-initialised and initial-exec: no guard variable and no __tls_get_addr on the pick
  // path; the slot is assigned on the thread's first use.
  static std::atomic<size_t> next{0};
  __attribute__((tls_model("initial-exec"))) thread_local size_t slot = kThreadSlots;
  if (slot == kThreadSlots) [[unlikely]] {
    slot = next.fetch_add(1, std::memory_order_relaxed) % kThreadSlots;
  }
  return slot;
}

void YieldThread() {
  std::this_thread::yield();
}

}  // namespace llmroute
