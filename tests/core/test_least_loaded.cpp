// least_loaded: power of two choices over distinct deployments on (in flight + 1) / weight.
#include <gtest/gtest.h>

#include "chi_squared.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

TEST(LeastLoaded, IdleEqualWeightsAreUniformChiSquared) {
  TestRouter t(WithStrategy(StrategyKind::kLeastLoaded), 3);
  for (const char *name : {"a", "b", "c", "d", "e"}) t.Add(name, {"m"});
  const auto counts = CountPicks(t, "m", 10000);
  EXPECT_GT(ChiSquaredFit(counts, {{"a", 0.2}, {"b", 0.2}, {"c", 0.2}, {"d", 0.2}, {"e", 0.2}}),
            kChiSquaredAlpha);
}

TEST(LeastLoaded, IdleHeavierWinsEveryPairItIsInChiSquared) {
  // Loads 1/1, 1/1, 1/1, 1/2: "d" wins whenever drawn, which distinct draws do for 3 of the 6
  // pairs; the others split the remaining pairs evenly.
  TestRouter t(WithStrategy(StrategyKind::kLeastLoaded), 5);
  t.Add("a", {"m"}, 1);
  t.Add("b", {"m"}, 1);
  t.Add("c", {"m"}, 1);
  t.Add("d", {"m"}, 2);
  const auto counts = CountPicks(t, "m", 12000);
  EXPECT_GT(ChiSquaredFit(counts, {{"a", 1.0 / 6}, {"b", 1.0 / 6}, {"c", 1.0 / 6}, {"d", 0.5}}),
            kChiSquaredAlpha);
}

TEST(LeastLoaded, DrawsAreDistinct) {
  // With replacement (Envoy, gRPC, HAProxy) two deployments, one busy, split 75/25; distinct
  // draws always compare both, so the busy one gets nothing.
  TestRouter t(WithStrategy(StrategyKind::kLeastLoaded), 9);
  t.Add("busy", {"m"});
  t.Add("idle", {"m"});
  const uint64_t held = PickExactly(t, "m", "busy", {"busy", "idle"});
  const auto counts = CountPicks(t, "m", 2000);
  EXPECT_EQ(counts.count("busy"), 0U);
  EXPECT_EQ(counts.at("idle"), 2000);
  t.ReportOutcome(held, Outcome::kSuccess);
}

TEST(LeastLoaded, TheBusiestOfThreeLosesEveryPairChiSquared) {
  TestRouter t(WithStrategy(StrategyKind::kLeastLoaded), 13);
  for (const char *name : {"a", "b", "c"}) t.Add(name, {"m"});
  const uint64_t held = PickExactly(t, "m", "b", {"a", "b", "c"});
  const auto counts = CountPicks(t, "m", 6000);
  EXPECT_GT(ChiSquaredFit(counts, {{"a", 0.5}, {"b", 0.0}, {"c", 0.5}}), kChiSquaredAlpha);
  t.ReportOutcome(held, Outcome::kSuccess);
}

TEST(LeastLoaded, InFlightFollowsTheWeights) {
  // Calls that stay in flight pile up in proportion to the weights: (n_a + 1) / 1 is kept level
  // with (n_b + 1) / 3.
  TestRouter t(WithStrategy(StrategyKind::kLeastLoaded), 17);
  t.Add("a", {"m"}, 1);
  t.Add("b", {"m"}, 3);
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 400; ++i) {
    uint64_t ticket = 0;
    Status status;
    t.PickName("m", &ticket, &status);
    ASSERT_TRUE(status.ok());
    tickets.push_back(ticket);
  }
  const int64_t a = t.HealthOf("a").in_flight, b = t.HealthOf("b").in_flight;
  EXPECT_EQ(a + b, 400);
  EXPECT_NEAR(static_cast<double>(b + 1) / static_cast<double>(a + 1), 3.0, 0.05);
  for (uint64_t ticket : tickets) t.ReportOutcome(ticket, Outcome::kSuccess);
}

TEST(LeastLoaded, SkipsIneligibleAndRanksByLoadForFallbacks) {
  TestRouter t(WithStrategy(StrategyKind::kLeastLoaded), 21);
  for (const char *name : {"a", "b", "c"}) t.Add(name, {"m"});
  ASSERT_TRUE(t.router->SetOverride("a", Override::kForceOpen).ok());
  const uint64_t held1 = PickExactly(t, "m", "c", {"a", "b", "c"});
  const uint64_t held2 = PickExactly(t, "m", "c", {"a", "b", "c"});
  const auto counts = CountPicks(t, "m", 500);
  EXPECT_EQ(counts.at("b"), 500);
  std::vector<FallbackEntry> order;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &order).ok());
  ASSERT_EQ(order.size(), 2U);
  EXPECT_EQ(order[0].deployment, "b");
  EXPECT_EQ(order[1].deployment, "c");
  t.ReportOutcome(held1, Outcome::kSuccess);
  t.ReportOutcome(held2, Outcome::kSuccess);
}

}  // namespace
}  // namespace llmroute::testing
