// A test-and-test-and-set spin lock for short critical sections (a free-list push or pop, a
// breaker's update on a report), where a std::mutex's futex path would cost more than the work
// it protects. Waiters yield, so a holder that was descheduled gets the core back.
#pragma once

#include <atomic>

#include "core/thread_slot.hpp"

namespace llmroute {

class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) YieldThread();
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace llmroute
