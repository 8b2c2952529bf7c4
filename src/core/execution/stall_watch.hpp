// Stalled streams: an attempt that produced no first byte within first_byte_timeout, or no chunk
// for idle_timeout after that, is stalled. The router cannot interrupt an adapter (it runs on the
// caller's thread), so the adapter tells the router of each chunk (llmr_call_progress) and polls
// llmr_call_check, which answers LLMR_ERR_STREAM_STALLED once a limit passed; the adapter then
// abandons the attempt. A stall before commit fails over like a timeout; after commit the call
// ends with LLMR_ERR_STREAM_STALLED, so the host ends the client's stream with an error instead of
// a silent truncation. Envoy's route timeout and stream idle_timeout are the same two limits.
//
// Atomics: an adapter may report progress and check from another thread than the caller's.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.hpp"

namespace llmroute {

class StallWatch {
 public:
  // Limits in ms, 0 = none; `start_ns` is the attempt's start.
  StallWatch(int64_t first_byte_timeout_ms, int64_t idle_timeout_ms, int64_t start_ns)
      : first_byte_ns_(first_byte_timeout_ms * kNsPerMs),
        idle_ns_(idle_timeout_ms * kNsPerMs),
        last_ns_(start_ns) {}

  bool active() const { return first_byte_ns_ > 0 || idle_ns_ > 0; }

  // A chunk (the first byte, or any later one) arrived at `now_ns`.
  void Progress(int64_t now_ns) {
    last_ns_.store(now_ns, std::memory_order_relaxed);
    first_byte_.store(true, std::memory_order_relaxed);
  }

  // Whether a limit has passed by `now_ns`; once true it stays true (the attempt is abandoned).
  bool Check(int64_t now_ns) {
    if (stalled_.load(std::memory_order_relaxed)) return true;
    const bool first = first_byte_.load(std::memory_order_relaxed);
    const int64_t limit = first ? idle_ns_ : first_byte_ns_;
    if (limit > 0 && now_ns - last_ns_.load(std::memory_order_relaxed) >= limit) {
      stalled_.store(true, std::memory_order_relaxed);
      return true;
    }
    return false;
  }

  bool stalled() const { return stalled_.load(std::memory_order_relaxed); }
  bool first_byte() const { return first_byte_.load(std::memory_order_relaxed); }

 private:
  const int64_t first_byte_ns_;
  const int64_t idle_ns_;
  std::atomic<int64_t> last_ns_;
  std::atomic<bool> first_byte_{false};
  std::atomic<bool> stalled_{false};
};

}  // namespace llmroute
