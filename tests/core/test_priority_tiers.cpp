// Priority tiers with Envoy's overprovisioning factor: lower tiers take the share the upper
// ones cannot carry, so failover needs no retries.
#include <gtest/gtest.h>

#include <limits>

#include "chi_squared.hpp"
#include "core/priority_tiers.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

TEST(TierLoad, SharesFollowEnvoysDistribution) {
  TierLoad all_healthy(1.4);
  all_healthy.Add(2, 2);
  EXPECT_TRUE(all_healthy.Saturated());
  EXPECT_DOUBLE_EQ(all_healthy.Share(0), 1.0);
  EXPECT_FALSE(all_healthy.Split());

  TierLoad half(1.4);  // 1.4 x 1/2 = 0.7 stays, 0.3 spills
  half.Add(1, 2);
  EXPECT_FALSE(half.Saturated());
  half.Add(1, 1);
  EXPECT_DOUBLE_EQ(half.Share(0), 0.7);
  EXPECT_NEAR(half.Share(1), 0.3, 1e-12);
  EXPECT_TRUE(half.Split());
  EXPECT_EQ(half.Choose(0.69), 0);
  EXPECT_EQ(half.Choose(0.71), 1);

  TierLoad overprovisioned(1.4);  // 3 of 4: 1.05 -> still carries everything
  overprovisioned.Add(3, 4);
  EXPECT_DOUBLE_EQ(overprovisioned.Share(0), 1.0);

  TierLoad down(1.4);  // tier 0 empty: tier 1 takes all
  down.Add(0, 2);
  down.Add(1, 1);
  EXPECT_EQ(down.Choose(0.0), 1);
  EXPECT_EQ(down.Choose(0.999), 1);

  TierLoad normalised(1.4);  // 0.14 + 0.14 < 1: each gets its health over the sum
  normalised.Add(1, 10);
  normalised.Add(1, 10);
  EXPECT_NEAR(normalised.Share(0), 0.5, 1e-12);
  EXPECT_NEAR(normalised.Share(1), 0.5, 1e-12);

  TierLoad nothing(1.4);
  nothing.Add(0, 3);
  EXPECT_EQ(nothing.Choose(0.5), -1);

  TierLoad strict(std::numeric_limits<double>::infinity());
  strict.Add(1, 100);
  EXPECT_DOUBLE_EQ(strict.Share(0), 1.0);
}

// primary-1, primary-2 in tier 0; backup in tier 1; last in tier 2.
void AddTiers(TestRouter &t) {
  t.Add("primary-1", {"m"}, 1, 0);
  t.Add("primary-2", {"m"}, 1, 0);
  t.Add("backup", {"m"}, 1, 1);
  t.Add("last", {"m"}, 1, 2);
}

TEST(PriorityTiers, HealthyTierZeroCarriesEverything) {
  TestRouter t;
  AddTiers(t);
  const auto counts = CountPicks(t, "m", 100);
  EXPECT_EQ(counts.at("primary-1"), 50);
  EXPECT_EQ(counts.at("primary-2"), 50);
}

TEST(PriorityTiers, HalfATierSpillsThirtyPercentChiSquared) {
  TestRouter t({}, 7);
  AddTiers(t);
  ASSERT_TRUE(t.router->SetOverride("primary-1", Override::kForceOpen).ok());
  const auto counts = CountPicks(t, "m", 10000);
  EXPECT_GT(ChiSquaredFit(counts, {{"primary-2", 0.7}, {"backup", 0.3}}), kChiSquaredAlpha);
}

TEST(PriorityTiers, OverprovisionedTierKeepsItsTraffic) {
  TestRouter t;
  for (int i = 0; i < 4; ++i) t.Add("p" + std::to_string(i), {"m"}, 1, 0);
  t.Add("backup", {"m"}, 1, 1);
  ASSERT_TRUE(t.router->SetOverride("p0", Override::kForceOpen).ok());  // 1.4 x 3/4 >= 1
  EXPECT_EQ(CountPicks(t, "m", 300).count("backup"), 0U);
  ASSERT_TRUE(t.router->SetOverride("p1", Override::kForceOpen).ok());  // 1.4 x 2/4 = 0.7
  EXPECT_GT(CountPicks(t, "m", 300)["backup"], 0);
}

TEST(PriorityTiers, FailoverWithoutRetries) {
  // Every pick succeeds at once, whichever tiers are down: no pick has to fail on tier 0 first.
  RouterOptions options;
  options.breaker.jitter = 0;
  TestRouter t(std::move(options), 11);
  AddTiers(t);
  const std::vector<std::string> all = {"primary-1", "primary-2", "backup", "last"};
  for (const char *primary : {"primary-1", "primary-2"}) {
    for (int i = 0; i < 5; ++i) {  // five consecutive failures trip the breaker
      t.ReportOutcome(PickExactly(t, "m", primary, all), Outcome::kServerError);
    }
  }
  ASSERT_EQ(t.HealthOf("primary-1").state, BreakerState::kOpen);
  ASSERT_EQ(t.HealthOf("primary-2").state, BreakerState::kOpen);
  PickResult result;
  Status status;
  EXPECT_EQ(t.PickName("m", nullptr, &status, &result), "backup");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(result.tier, 1U);
  ASSERT_TRUE(t.router->SetOverride("backup", Override::kForceOpen).ok());
  EXPECT_EQ(t.PickName("m", nullptr, &status, &result), "last");
  EXPECT_EQ(result.tier, 2U);
}

TEST(PriorityTiers, ARetryExcludingAHealthyMemberStaysInItsTier) {
  // Exclusion says "already tried", not "unhealthy": the tier keeps its share as long as it has
  // an eligible member left for the request.
  TestRouter t;
  AddTiers(t);
  const char *tried[] = {"primary-1"};
  PickRequest retry;
  retry.exclude = tried;
  retry.exclude_count = 1;
  EXPECT_EQ(CountPicks(t, "m", 200, retry).at("primary-2"), 200);
  ASSERT_TRUE(t.router->SetOverride("primary-2", Override::kForceOpen).ok());
  EXPECT_EQ(CountPicks(t, "m", 50, retry).at("backup"), 50);
}

TEST(PriorityTiers, InfiniteFactorMakesTiersStrict) {
  RouterOptions options;
  options.tier_overprovisioning_factor = std::numeric_limits<double>::infinity();
  TestRouter t(std::move(options));
  AddTiers(t);
  ASSERT_TRUE(t.router->SetOverride("primary-1", Override::kForceOpen).ok());
  EXPECT_EQ(CountPicks(t, "m", 200).at("primary-2"), 200);
  ASSERT_TRUE(t.router->SetOverride("primary-2", Override::kForceOpen).ok());
  EXPECT_EQ(CountPicks(t, "m", 20).at("backup"), 20);
}

TEST(PriorityTiers, FactorIsValidated) {
  std::unique_ptr<Router> router;
  RouterOptions options;
  options.tier_overprovisioning_factor = 0.5;
  EXPECT_EQ(Router::Create(std::move(options), &router).code(), Code::kInvalidArgument);
  RouterOptions nan;
  nan.tier_overprovisioning_factor = std::nan("");
  EXPECT_EQ(Router::Create(std::move(nan), &router).code(), Code::kInvalidArgument);
}

TEST(PriorityTiers, RequiredTagsDefineTheTiersMembers) {
  // A tier's members are those the request admits: "us-1" does not count against tier 0 for an
  // "eu" request, so the healthy "eu-1" carries all of it.
  TestRouter t;
  AddSpec(t, Spec("eu-1", {"m"}, 1, 0, {"eu"}));
  AddSpec(t, Spec("us-1", {"m"}, 1, 0, {"us"}));
  AddSpec(t, Spec("eu-backup", {"m"}, 1, 1, {"eu"}));
  ASSERT_TRUE(t.router->SetOverride("us-1", Override::kForceOpen).ok());
  const char *eu[] = {"eu"};
  PickRequest request;
  request.required_tags = eu;
  request.required_tag_count = 1;
  EXPECT_EQ(CountPicks(t, "m", 200, request).at("eu-1"), 200);
}

TEST(PriorityTiers, AnAffinityKeyKeepsItsTier) {
  TestRouter t({}, 13);
  AddTiers(t);
  ASSERT_TRUE(t.router->SetOverride("primary-1", Override::kForceOpen).ok());
  int in_backup = 0;
  for (int key = 0; key < 1000; ++key) {
    PickRequest request;
    const std::string name = "conversation-" + std::to_string(key);
    request.affinity_key = name;
    const std::string first = PickWith(t, "m", request);
    for (int again = 0; again < 3; ++again) EXPECT_EQ(PickWith(t, "m", request), first);
    if (first == "backup") ++in_backup;
  }
  EXPECT_NEAR(in_backup, 300, 60);  // the tiers' shares hold for keys too
}

}  // namespace
}  // namespace llmroute::testing
