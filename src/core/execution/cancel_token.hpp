// A cancellation flag a host raises from any thread; waits on it end at once when it is raised.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace llmroute {

class CancelToken {
 public:
  void Trigger();
  bool Cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Waits up to `duration_ns` of real time, or until triggered. Returns !Cancelled().
  bool WaitFor(int64_t duration_ns);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace llmroute
