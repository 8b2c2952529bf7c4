// Exponentially weighted moving average of latency, lock-free. Negative means "no sample yet".
#pragma once

#include <atomic>
#include <cstdint>

namespace llmroute {

class LatencyEwma {
 public:
  // `now_ns` stamps the sample, so that a pick can tell a stale estimate (strategies/latency.cpp).
  // An estimate whose last sample is more than `stale_ns` old is replaced, not blended: it says
  // little about now, and blending would keep a recovered deployment looking slow for many more
  // samples, each of which it gets only once per stale period.
  void Add(double sample_ms, double alpha, int64_t now_ns, int64_t stale_ns) {
    const bool stale = now_ns - stamp_ns_.exchange(now_ns, std::memory_order_relaxed) > stale_ns;
    double current = value_.load(std::memory_order_relaxed);
    double next;
    do {
      next = current < 0 || stale ? sample_ms : current + alpha * (sample_ms - current);
    } while (!value_.compare_exchange_weak(current, next, std::memory_order_relaxed));
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }
  bool HasSample() const { return Value() >= 0; }
  // When the last sample was added.
  int64_t StampNs() const { return stamp_ns_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{-1.0};
  std::atomic<int64_t> stamp_ns_{0};
};

}  // namespace llmroute
