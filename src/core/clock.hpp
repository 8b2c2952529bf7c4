// Time source. Injectable so that every time-driven behaviour (cooldowns, half-open, the failure
// window) is tested deterministically without sleeping.
#pragma once

#include <cstdint>

namespace llmroute {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time in nanoseconds. Called concurrently from any thread.
  virtual int64_t NowNs() const = 0;
  // The same clock, possibly behind by up to a few milliseconds, for estimates that decay over
  // seconds (peak EWMA, the failure window's expiry). The default is NowNs(), so injected
  // clocks stay exact.
  virtual int64_t CoarseNowNs() const { return NowNs(); }
  // Whether a real-time wait of d ns lets this clock advance by d (the system's does; an
  // injected one is re-read instead, as hedged calls' timer does).
  virtual bool RealTime() const { return false; }
};

// std::chrono::steady_clock (CLOCK_MONOTONIC).
class SteadyClock final : public Clock {
 public:
  int64_t NowNs() const override;
  // CLOCK_MONOTONIC_COARSE: the same time base at the kernel tick's resolution, read from the
  // vDSO page in a few nanoseconds where CLOCK_MONOTONIC costs about 25 on the benchmark
  // machine (a quarter of a peak_ewma pick, by perf).
  int64_t CoarseNowNs() const override;
  bool RealTime() const override { return true; }
};

constexpr int64_t kNsPerMs = 1'000'000;

// Whole milliseconds from now_ns until until_ns, rounded up; 0 when until_ns is not later.
constexpr int64_t CeilMsUntil(int64_t until_ns, int64_t now_ns) {
  return until_ns > now_ns ? (until_ns - now_ns + kNsPerMs - 1) / kNsPerMs : 0;
}

}  // namespace llmroute
