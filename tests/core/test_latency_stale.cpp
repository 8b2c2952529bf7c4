// latency_stale_ms: how old a latency sample may get before the latency strategy probes its
// deployment again (0: the breaker's window, 30 s by default).
#include <gtest/gtest.h>

#include <map>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

// Measures a and b fast and "slow" slow, waits `wait_ms` while a and b keep answering, and
// returns how many of 300 picks (each cancelled) went to slow.
int PicksOfTheSlowOneAfter(int64_t stale_ms, int64_t wait_ms) {
  RouterOptions options;
  options.strategy = StrategyKind::kLatency;
  options.latency_stale_ns = stale_ms * kNsPerMs;
  TestRouter t(std::move(options));
  const std::vector<std::string> all = {"a", "b", "slow"};
  for (const auto &name : all) t.Add(name, {"m"});
  auto feed = [&](const std::string &name, double latency_ms) {
    std::vector<const char *> exclude;
    for (const std::string &other : all) {
      if (other != name) exclude.push_back(other.c_str());
    }
    PickResult r;
    EXPECT_TRUE(t.router->Pick("m", "m", {exclude.data(), exclude.size()}, &r).ok());
    t.ReportOutcome(r.ticket, Outcome::kSuccess, latency_ms);
  };
  feed("a", 100);
  feed("b", 100);
  feed("slow", 1000);
  t.Advance(wait_ms);
  feed("a", 100);
  feed("b", 100);
  std::map<std::string, int> counts;
  for (int i = 0; i < 300; ++i) ++counts[t.PickName("m")];
  return counts["slow"];
}

TEST(LatencyStale, AShorterAgeProbesASlowDeploymentSooner) {
  // 6 s: stale with latency_stale_ms = 5000, fresh with the default (the 30 s breaker window).
  EXPECT_GT(PicksOfTheSlowOneAfter(5'000, 6'000), 0);
  EXPECT_EQ(PicksOfTheSlowOneAfter(0, 6'000), 0);
  // The default still expires it after the breaker window.
  EXPECT_GT(PicksOfTheSlowOneAfter(0, 31'000), 0);
}

}  // namespace
}  // namespace llmroute::testing
