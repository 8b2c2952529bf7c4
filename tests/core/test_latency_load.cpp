// The latency strategy's load bound (strategies/latency.cpp): a deployment's key is its latency
// x (in flight + 1), and picks are uniform over the keys within latency_buffer of the lowest; the
// availability and cost strategies break their ties the same way. Injected clock and seeded
// random sources; distributions checked with chi-squared at alpha = 1e-6.
#include <gtest/gtest.h>

#include <map>

#include "chi_squared.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

std::vector<std::string> Names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("d" + std::to_string(i));
  return names;
}

// One reported call of `latency_ms` on `name`.
void Measure(TestRouter &t, const std::vector<std::string> &all, const std::string &name,
             double latency_ms, Outcome outcome = Outcome::kSuccess) {
  t.ReportOutcome(PickExactly(t, "m", name, all), outcome, latency_ms);
}

TEST(LatencyLoad, TheFastestTakesCallsOnlyUntilItsLoadEvensOut) {
  // a is three times faster than b. The old strategy sent a every call (b was never within the
  // buffer); now a takes a call only while 100 x (in flight + 1) is within 10% of b's key, so
  // with 40 calls held open: a <= 3.3 x (b + 1) and b <= 0.367 x (a + 1), i.e. a is 29 or 30.
  TestRouter t(WithStrategy(StrategyKind::kLatency), 17);
  const std::vector<std::string> all = {"a", "b"};
  for (const auto &name : all) AddSpec(t, Spec(name, {"m"}));
  Measure(t, all, "a", 100);
  Measure(t, all, "b", 300);
  std::map<std::string, int> held;
  std::vector<uint64_t> tickets(40);
  for (uint64_t &ticket : tickets) ++held[PickWith(t, "m", {}, &ticket)];
  EXPECT_GE(held["a"], 29);
  EXPECT_LE(held["a"], 30);
  EXPECT_EQ(held["a"] + held["b"], 40);
  // Idle again, the fastest takes everything, as before.
  for (uint64_t ticket : tickets) ASSERT_TRUE(t.router->Cancel(ticket).ok());
  EXPECT_EQ(CountPicks(t, "m", 50).at("a"), 50);
}

TEST(LatencyLoad, EqualDeploymentsShareEvenlyUnderLoad) {
  // Three equal deployments whose estimates differ by more than the buffer (EWMA noise): the
  // herd the 429-storm scenario showed. With 30 calls held open each carries 8 to 12.
  TestRouter t(WithStrategy(StrategyKind::kLatency), 23);
  const std::vector<std::string> all = {"a", "b", "c"};
  for (const auto &name : all) AddSpec(t, Spec(name, {"m"}));
  Measure(t, all, "a", 450);
  Measure(t, all, "b", 500);
  Measure(t, all, "c", 560);
  std::map<std::string, int> held;
  std::vector<uint64_t> tickets(30);
  for (uint64_t &ticket : tickets) ++held[PickWith(t, "m", {}, &ticket)];
  for (const auto &name : all) {
    EXPECT_GE(held[name], 8) << name;
    EXPECT_LE(held[name], 12) << name;
  }
}

// Tiers of up to kScanMembers keep the set within the buffer and draw from it uniformly, the
// largest included (larger tiers compare two random members: test_strategy_p2c.cpp).
class LatencyLoadTiers : public ::testing::TestWithParam<int> {};

TEST_P(LatencyLoadTiers, UniformOverTheKeysWithinTheBuffer) {
  // Keys: d0 100 ms x 2 (one call in flight) = 200, out; d1 100 and d2 105 within the buffer of
  // 100; d3 without a sample: the prior (the mean of the samples) x 2 = far out; d4 60 ms x 3 =
  // 180, out; the rest 1 s. Picks are cancelled, so the loads stay as set.
  TestRouter t(WithStrategy(StrategyKind::kLatency), 31);
  const std::vector<std::string> all = Names(GetParam());
  for (const auto &name : all) AddSpec(t, Spec(name, {"m"}));
  for (size_t i = 0; i < all.size(); ++i) {
    if (i == 3) continue;
    Measure(t, all, all[i], i == 0 || i == 1 ? 100 : i == 2 ? 105 : i == 4 ? 60 : 1000);
  }
  const uint64_t held0 = PickExactly(t, "m", "d0", all);
  const uint64_t held3 = PickExactly(t, "m", "d3", all);
  const uint64_t held4a = PickExactly(t, "m", "d4", all);
  const uint64_t held4b = PickExactly(t, "m", "d4", all);
  const auto counts = CountPicks(t, "m", 3000);
  std::map<std::string, double> expected;
  for (const auto &name : all) expected[name] = 0;
  expected["d1"] = expected["d2"] = 0.5;
  EXPECT_GT(ChiSquaredFit(counts, expected), kChiSquaredAlpha);
  // Their calls answer: d0 and d4 idle again (keys 100 and 60), d3 measured at 1 s.
  t.ReportOutcome(held0, Outcome::kSuccess, 100);
  t.ReportOutcome(held3, Outcome::kSuccess, 1000);
  t.ReportOutcome(held4a, Outcome::kSuccess, 60);
  t.ReportOutcome(held4b, Outcome::kSuccess, 60);
  EXPECT_EQ(CountPicks(t, "m", 100).at("d4"), 100);  // the fastest, idle: everything
}

INSTANTIATE_TEST_SUITE_P(Scanned, LatencyLoadTiers, ::testing::Values(12, 16));

TEST(LatencyLoad, AFallbackListRanksByTheSameKey) {
  TestRouter t(WithStrategy(StrategyKind::kLatency), 3);
  const std::vector<std::string> all = {"a", "b", "c"};
  for (const auto &name : all) AddSpec(t, Spec(name, {"m"}));
  Measure(t, all, "a", 100);
  Measure(t, all, "b", 150);
  Measure(t, all, "c", 400);
  const uint64_t h1 = PickExactly(t, "m", "a", all);
  const uint64_t h2 = PickExactly(t, "m", "a", all);  // a: 100 x 3 = 300 > b's 150
  std::vector<FallbackEntry> list;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &list).ok());
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[0].deployment, "b");
  EXPECT_EQ(list[1].deployment, "a");
  EXPECT_EQ(list[2].deployment, "c");
  ASSERT_TRUE(t.router->Cancel(h1).ok());
  ASSERT_TRUE(t.router->Cancel(h2).ok());
}

TEST(AvailabilityLoad, RatiosWithinFivePointsTieAndShareByLatencyAndLoad) {
  // "one" failed 1 call in 30 (3.3%), "none" never, "half" every other one: the first two tie
  // (a finer comparison herded onto whichever had no failure in its window), "half" is out.
  RouterOptions options = WithStrategy(StrategyKind::kAvailability);
  options.breaker.consecutive_failures = 1000;
  options.breaker.failure_ratio = 1.0;
  TestRouter t(std::move(options), 41);
  const std::vector<std::string> all = {"one", "none", "half"};
  for (const auto &name : all) AddSpec(t, Spec(name, {"m"}));
  for (int i = 0; i < 30; ++i) {
    Measure(t, all, "one", 200, i == 0 ? Outcome::kServerError : Outcome::kSuccess);
    Measure(t, all, "none", 200);
    Measure(t, all, "half", 200, i % 2 == 0 ? Outcome::kServerError : Outcome::kSuccess);
  }
  const auto counts = CountPicks(t, "m", 3000);
  EXPECT_GT(ChiSquaredFit(counts, {{"one", 0.5}, {"none", 0.5}, {"half", 0.0}}), kChiSquaredAlpha);
  // Within the tie, load counts: with a call held on "none" (key 400) only "one" is left.
  const uint64_t held = PickExactly(t, "m", "none", all);
  EXPECT_EQ(CountPicks(t, "m", 100).at("one"), 100);
  ASSERT_TRUE(t.router->Cancel(held).ok());
  // Far more than five points apart is no tie: 3 of 32 failed (9.4%) against none of 32.
  for (int i = 0; i < 2; ++i) Measure(t, all, "one", 200, Outcome::kServerError);
  for (int i = 0; i < 2; ++i) Measure(t, all, "none", 200);
  EXPECT_EQ(CountPicks(t, "m", 100).at("none"), 100);
}

TEST(CostLoad, EqualPricesShareByLatencyAndLoad) {
  TestRouter t(WithStrategy(StrategyKind::kCost), 43);
  AddSpec(t, Priced(Spec("x", {"m"}), 1, 2));
  AddSpec(t, Priced(Spec("y", {"m"}), 1, 2));
  AddSpec(t, Priced(Spec("pricey", {"m"}), 3, 2));
  const std::vector<std::string> all = {"x", "y", "pricey"};
  Measure(t, all, "x", 100);
  Measure(t, all, "y", 250);
  Measure(t, all, "pricey", 10);
  // Idle, the faster of the two cheapest takes everything; the price decides before latency.
  EXPECT_EQ(CountPicks(t, "m", 100).at("x"), 100);
  // With two calls held on x (key 300) y (250) is the better of the two.
  const uint64_t h1 = PickExactly(t, "m", "x", all);
  const uint64_t h2 = PickExactly(t, "m", "x", all);
  EXPECT_EQ(CountPicks(t, "m", 100).at("y"), 100);
  ASSERT_TRUE(t.router->Cancel(h1).ok());
  ASSERT_TRUE(t.router->Cancel(h2).ok());
}

}  // namespace
}  // namespace llmroute::testing
