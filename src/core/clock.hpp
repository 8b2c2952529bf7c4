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
};

// std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  int64_t NowNs() const override;
};

constexpr int64_t kNsPerMs = 1'000'000;

}  // namespace llmroute
