// Exponentially weighted moving average of latency, lock-free. Negative means "no sample yet".
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace llmroute {

class LatencyEwma {
 public:
  // See Add.
  static constexpr double kMaxSampleRatio = 3.0;

  // `now_ns` stamps the sample, so that a pick can tell a stale estimate (strategies/latency.cpp).
  // An estimate whose last sample is more than `stale_ns` old is replaced, not blended: it says
  // little about now, and blending would keep a recovered deployment looking slow for many more
  // samples, each of which it gets only once per stale period.
  //
  // A sample counts for at most kMaxSampleRatio times the current estimate (a winsorised update,
  // as in Huber's robust estimators): LLM latencies are heavy-tailed, and with alpha = 0.125 one
  // p99.9 call (3.3 s against 476 ms in tools/sim's 429-storm.json) lifted a deployment's
  // estimate by 75% for a second. The latency strategy shares calls in inverse proportion to the
  // estimates, so the other deployment then took 2.5 times the in-flight calls, overran its
  // provider's 18 concurrent requests and tripped; the last one took everything, overran too,
  // and for 0.2 s every deployment was in a Retry-After cooldown (12 failed requests). A real
  // slowdown still shows: each sample can lift the estimate by alpha x 2 = 25%, so a deployment
  // six times slower (brown-out.json) is estimated four times slower after ten samples, where an
  // unbounded average would say 4.7.
  void Add(double sample_ms, double alpha, int64_t now_ns, int64_t stale_ns) {
    const bool stale = now_ns - stamp_ns_.exchange(now_ns, std::memory_order_relaxed) > stale_ns;
    double current = value_.load(std::memory_order_relaxed);
    double next;
    do {
      next = current < 0 || stale
                 ? sample_ms
                 : current + alpha * (std::min(sample_ms, kMaxSampleRatio * current) - current);
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
