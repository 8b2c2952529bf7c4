#include "core/clock.hpp"

#include <time.h>

#include <chrono>

namespace llmroute {

int64_t SteadyClock::NowNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t SteadyClock::CoarseNowNs() const {
#ifdef CLOCK_MONOTONIC_COARSE
  // libstdc++'s steady_clock is CLOCK_MONOTONIC: the coarse clock shares its time base.
  timespec ts{};
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0) {
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }
#endif
  return NowNs();
}

}  // namespace llmroute
