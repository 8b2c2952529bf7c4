#include "core/execution/cancel_token.hpp"

#include <chrono>

namespace llmroute {

void CancelToken::Trigger() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
}

bool CancelToken::WaitFor(int64_t duration_ns) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, std::chrono::nanoseconds(duration_ns), [this] { return Cancelled(); });
  return !Cancelled();
}

}  // namespace llmroute
