// The default clock: the coarse reading shares the exact one's time base (CLOCK_MONOTONIC), so
// estimates stamped with one and read with the other decay by the right amount.
#include <gtest/gtest.h>

#include <cstdint>

#include "core/clock.hpp"

namespace llmroute::testing {
namespace {

TEST(SteadyClock, CoarseReadingSharesTheTimeBase) {
  const SteadyClock clock;
  const int64_t before = clock.NowNs();
  const int64_t coarse = clock.CoarseNowNs();
  const int64_t after = clock.NowNs();
  // The coarse clock may lag by a kernel tick (a few ms) but never runs ahead of the exact one,
  // and is not on another epoch (a different base would be off by the machine's uptime or more).
  EXPECT_LE(coarse, after);
  EXPECT_GT(coarse, before - int64_t{1'000'000'000});
}

TEST(Clock, AnInjectedClockIsExactWhenReadCoarsely) {
  class Fixed final : public Clock {
   public:
    int64_t NowNs() const override { return 1234; }
  };
  const Fixed clock;
  EXPECT_EQ(clock.CoarseNowNs(), 1234);
}

}  // namespace
}  // namespace llmroute::testing
