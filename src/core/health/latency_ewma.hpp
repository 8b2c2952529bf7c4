// Exponentially weighted moving average of latency, lock-free. Negative means "no sample yet".
#pragma once

#include <atomic>

namespace llmroute {

class LatencyEwma {
 public:
  void Add(double sample_ms, double alpha) {
    double current = value_.load(std::memory_order_relaxed);
    double next;
    do {
      next = current < 0 ? sample_ms : current + alpha * (sample_ms - current);
    } while (!value_.compare_exchange_weak(current, next, std::memory_order_relaxed));
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }
  bool HasSample() const { return Value() >= 0; }

 private:
  std::atomic<double> value_{-1.0};
};

}  // namespace llmroute
