#include "core/thread_slot.hpp"

#include <atomic>
#include <thread>

namespace llmroute {

size_t ThisThreadSlot() {
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1, std::memory_order_relaxed) % kThreadSlots;
  return slot;
}

void YieldThread() { std::this_thread::yield(); }

}  // namespace llmroute
