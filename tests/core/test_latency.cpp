// The latency and availability strategies.
#include <gtest/gtest.h>

#include <map>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

RouterOptions WithStrategy(StrategyKind kind) {
  RouterOptions options;
  options.strategy = kind;
  return options;
}

// Reports one call on `name` with the given latency (excluding every other deployment).
void Feed(TestRouter &t, const std::vector<std::string> &all, const std::string &name,
          Outcome outcome, double latency_ms, double ttft_ms = -1) {
  std::vector<const char *> exclude;
  for (const std::string &other : all) {
    if (other != name) exclude.push_back(other.c_str());
  }
  PickResult r;
  ASSERT_TRUE(t.router->Pick("m", "m", {exclude.data(), exclude.size()}, &r).ok());
  ASSERT_EQ(std::string(r.deployment), name);
  ReportInput in;
  in.outcome = outcome;
  in.latency_ms = latency_ms;
  in.ttft_ms = ttft_ms;
  ASSERT_TRUE(t.router->Report(r.ticket, in).ok());
}

TEST(Latency, PrefersTheFastest) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = {"a", "b", "c"};
  for (const auto &name : all) t.Add(name, {"m"});
  Feed(t, all, "a", Outcome::kSuccess, 500);
  Feed(t, all, "b", Outcome::kSuccess, 100);
  Feed(t, all, "c", Outcome::kSuccess, 300);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(t.PickName("m"), "b");
}

TEST(Latency, SpreadsOverTheNearFastest) {
  // Within the 10% buffer both are candidates: no herding onto the single fastest.
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = {"a", "b", "c"};
  for (const auto &name : all) t.Add(name, {"m"});
  Feed(t, all, "a", Outcome::kSuccess, 100);
  Feed(t, all, "b", Outcome::kSuccess, 105);
  Feed(t, all, "c", Outcome::kSuccess, 200);
  std::map<std::string, int> counts;
  for (int i = 0; i < 2000; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts.count("c"), 0U);
  EXPECT_GT(counts["a"], 850);
  EXPECT_GT(counts["b"], 850);
}

TEST(Latency, NewDeploymentGetsThePoolMeanNotZero) {
  // The seed started new providers at 0 ms, so the latency strategy sent them everything.
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = {"a", "b"};
  for (const auto &name : all) t.Add(name, {"m"});
  Feed(t, all, "a", Outcome::kSuccess, 100);
  Feed(t, all, "b", Outcome::kSuccess, 300);
  t.Add("new", {"m"});  // prior = mean(100, 300) = 200: behind a, ahead of nobody
  std::map<std::string, int> counts;
  for (int i = 0; i < 100; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts["a"], 100);
}

TEST(Latency, TimeToFirstTokenWinsOverTotalLatency) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = {"a", "b"};
  for (const auto &name : all) t.Add(name, {"m"});
  Feed(t, all, "a", Outcome::kSuccess, 5000, 80);  // long stream, fast first token
  Feed(t, all, "b", Outcome::kSuccess, 400, 300);
  EXPECT_DOUBLE_EQ(t.HealthOf("a").ewma_latency_ms, 80);
  EXPECT_EQ(t.PickName("m"), "a");
}

TEST(Latency, EwmaUsesTheConfiguredWeight) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  t.Add("a", {"m"});
  t.PickAndReport("m", Outcome::kSuccess, 100);
  t.PickAndReport("m", Outcome::kSuccess, 260);
  EXPECT_DOUBLE_EQ(t.HealthOf("a").ewma_latency_ms, 100 + 0.125 * 160);
  t.PickAndReport("m", Outcome::kServerError, 1);  // failures do not make it look fast
  EXPECT_DOUBLE_EQ(t.HealthOf("a").ewma_latency_ms, 120);
}

// One tail sample moves the estimate as a sample three times the estimate would (LatencyEwma's
// winsorised update), so it cannot swing the traffic split; a lasting slowdown still shows.
TEST(Latency, OneTailSampleCountsAsThreeTimesTheEstimate) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  t.Add("a", {"m"});
  t.PickAndReport("m", Outcome::kSuccess, 100);
  t.PickAndReport("m", Outcome::kSuccess, 3300);
  EXPECT_DOUBLE_EQ(t.HealthOf("a").ewma_latency_ms, 100 + 0.125 * 200);
  t.PickAndReport("m", Outcome::kSuccess, 50);  // faster samples count in full
  EXPECT_DOUBLE_EQ(t.HealthOf("a").ewma_latency_ms, 125 + 0.125 * (50 - 125));
  // Six times slower for good: past four times the old estimate within ten samples (440 ms; an
  // unbounded EWMA would be at 469).
  TestRouter s(WithStrategy(StrategyKind::kLatency));
  s.Add("a", {"m"});
  s.PickAndReport("m", Outcome::kSuccess, 100);
  for (int i = 0; i < 10; ++i) s.PickAndReport("m", Outcome::kSuccess, 600);
  EXPECT_GT(s.HealthOf("a").ewma_latency_ms, 400);
}

TEST(Availability, PrefersTheLowestFailureRatioThenLatency) {
  RouterOptions options = WithStrategy(StrategyKind::kAvailability);
  options.breaker.consecutive_failures = 1000;
  options.breaker.failure_ratio = 1.0;
  TestRouter t(std::move(options));
  const std::vector<std::string> all = {"flaky", "slow", "fast"};
  for (const auto &name : all) t.Add(name, {"m"});
  Feed(t, all, "flaky", Outcome::kSuccess, 10);
  Feed(t, all, "flaky", Outcome::kServerError, 10);
  Feed(t, all, "slow", Outcome::kSuccess, 800);
  Feed(t, all, "fast", Outcome::kSuccess, 200);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(t.PickName("m"), "fast");
  std::vector<FallbackEntry> list;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &list).ok());
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[0].deployment, "fast");
  EXPECT_EQ(list[1].deployment, "slow");
  EXPECT_EQ(list[2].deployment, "flaky");
}

TEST(Latency, AStaleSampleGetsOneProbeAndARecoveredDeploymentItsShareBack) {
  // Without expiry, a deployment measured slow once is never picked, so never measured, and
  // never comes back. A sample older than the breaker window (30 s) is stale: the deployment
  // gets calls while none is in flight to it, and the answer refreshes its estimate.
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = {"a", "b", "slow"};
  for (const auto &name : all) t.Add(name, {"m"});
  Feed(t, all, "a", Outcome::kSuccess, 100);
  Feed(t, all, "b", Outcome::kSuccess, 100);
  Feed(t, all, "slow", Outcome::kSuccess, 1000);
  std::map<std::string, int> counts;
  for (int i = 0; i < 100; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts.count("slow"), 0U);  // fresh and slow: never

  t.Advance(20'000);  // a and b keep getting answers; slow's sample ages
  Feed(t, all, "a", Outcome::kSuccess, 100);
  Feed(t, all, "b", Outcome::kSuccess, 100);
  t.Advance(11'000);  // slow's sample is 31 s old, the others' 11 s
  counts.clear();
  for (int i = 0; i < 300; ++i) ++counts[t.PickName("m")];  // each cancelled: slow stays idle
  EXPECT_GT(counts["slow"], 0);

  // One call in flight to it is the probe: no more until it answers.
  uint64_t probe = 0;
  while (t.PickName("m", &probe) != "slow") {
  }
  counts.clear();
  for (int i = 0; i < 100; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts.count("slow"), 0U);

  // It answers fast: recovered, it is back within the buffer and takes its share.
  t.ReportOutcome(probe, Outcome::kSuccess, 100);
  EXPECT_DOUBLE_EQ(t.HealthOf("slow").ewma_latency_ms, 100);  // replaced, not blended with 1000
  counts.clear();
  for (int i = 0; i < 300; ++i) ++counts[t.PickName("m")];
  EXPECT_GT(counts["slow"], 50);
}

// Tiers of up to kScanMembers (16) scan every member (strategies/latency_scores.hpp); larger
// ones compare two random members (test_strategy_p2c.cpp).
class TierSizes : public ::testing::TestWithParam<int> {
 protected:
  static std::vector<std::string> Names(int n) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) names.push_back("d" + std::to_string(i));
    return names;
  }
};

TEST_P(TierSizes, LatencySpreadsOverExactlyTheNearFastest) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = Names(GetParam());
  for (const auto &name : all) t.Add(name, {"m"});
  // d0-d2 at 100 ms, d3 at 105 (within the 10% buffer), d4 at 111 (outside), the rest 1 s.
  for (size_t i = 0; i < all.size(); ++i) {
    const double latency = i < 3 ? 100 : i == 3 ? 105 : i == 4 ? 111 : 1000;
    Feed(t, all, all[i], Outcome::kSuccess, latency);
  }
  std::map<std::string, int> counts;
  for (int i = 0; i < 400; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts.size(), 4U);  // each of the four is missed with probability (3/4)^400
  for (const char *name : {"d0", "d1", "d2", "d3"}) EXPECT_GT(counts[name], 0) << name;
}

TEST_P(TierSizes, AvailabilityTakesTheLowestRatioThenTheFastest) {
  RouterOptions options = WithStrategy(StrategyKind::kAvailability);
  options.breaker.consecutive_failures = 1000;
  options.breaker.failure_ratio = 1.0;
  TestRouter t(std::move(options));
  const std::vector<std::string> all = Names(GetParam());
  for (const auto &name : all) t.Add(name, {"m"});
  // Every deployment but d1 and d2 failed once; of those two, d2 is far faster.
  for (size_t i = 0; i < all.size(); ++i) {
    Feed(t, all, all[i], Outcome::kSuccess, i == 2 ? 50 : 500);
    if (i != 1 && i != 2) Feed(t, all, all[i], Outcome::kServerError, 10);
  }
  for (int i = 0; i < 50; ++i) EXPECT_EQ(t.PickName("m"), "d2");
}

INSTANTIATE_TEST_SUITE_P(Scanned, TierSizes, ::testing::Values(5, 16));

}  // namespace
}  // namespace llmroute::testing
