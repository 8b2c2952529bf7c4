// The load an inference engine (vLLM, SGLang, TGI) last reported for one deployment: requests
// waiting and running, KV-cache utilisation, and when they were read. Written by
// Router::ReportLoad (a host scraping the engine's /metrics), read lock-free by the engine_aware
// strategy (strategies/engine_aware.cpp).
//
// The three values travel in one 64-bit word so that a pick never sees the waiting count of one
// report with the running count of another: waiting and running saturate at 2^24 - 1 (16.7
// million requests, far beyond any engine's queue), the utilisation is kept in steps of 1/65535.
// The read time sits in a second word, published after the values: a pick that sees a fresh
// time sees values at least that recent.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace llmroute {

// What a pick reads: the values, and whether they are fresh enough to be used.
struct EngineLoadView {
  bool fresh = false;
  int64_t waiting = 0;
  int64_t running = 0;
  double kv_utilization = 0;  // 0..1
};

class EngineLoad {
 public:
  static constexpr int64_t kMaxCount = (int64_t{1} << 24) - 1;
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::min();

  // Stores a report read at `read_at_ns`. An older report than the one held is dropped (scrapes
  // may finish out of order), so the newest reading wins. Values must be valid (the router
  // checks them first).
  void Store(int64_t waiting, int64_t running, double kv_utilization, int64_t read_at_ns) {
    if (read_at_ns < read_at_ns_.load(std::memory_order_relaxed)) return;
    const uint64_t w = static_cast<uint64_t>(waiting < kMaxCount ? waiting : kMaxCount);
    const uint64_t r = static_cast<uint64_t>(running < kMaxCount ? running : kMaxCount);
    const auto kv = static_cast<uint64_t>(kv_utilization * 65535.0 + 0.5);
    packed_.store((w << 40) | (r << 16) | kv, std::memory_order_relaxed);
    read_at_ns_.store(read_at_ns, std::memory_order_release);
  }

  // The last report, fresh when it was read at most `stale_ns` before `now_ns`.
  EngineLoadView Read(int64_t now_ns, int64_t stale_ns) const {
    EngineLoadView view;
    const int64_t read_at = read_at_ns_.load(std::memory_order_acquire);
    if (read_at == kNever || now_ns - read_at > stale_ns) return view;
    const uint64_t p = packed_.load(std::memory_order_relaxed);
    view.fresh = true;
    view.waiting = static_cast<int64_t>(p >> 40);
    view.running = static_cast<int64_t>((p >> 16) & 0xFFFFFF);
    view.kv_utilization = static_cast<double>(p & 0xFFFF) / 65535.0;
    return view;
  }

  // Whether any report was ever stored (for statistics and tests).
  bool Reported() const { return read_at_ns_.load(std::memory_order_acquire) != kNever; }

 private:
  std::atomic<uint64_t> packed_{0};
  std::atomic<int64_t> read_at_ns_{kNever};
};

}  // namespace llmroute
