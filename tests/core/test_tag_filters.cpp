// Tag filters: a request may require tags; only deployments carrying all of them are eligible.
#include <gtest/gtest.h>

#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

PickRequest Requiring(const std::vector<const char *> &tags) {
  PickRequest request;
  request.required_tags = tags.data();
  request.required_tag_count = tags.size();
  return request;
}

void AddTagged(TestRouter &t) {
  AddSpec(t, Spec("eu-zdr", {"m"}, 1, 0, {"eu", "zdr"}));
  AddSpec(t, Spec("eu", {"m"}, 1, 0, {"eu"}));
  AddSpec(t, Spec("us", {"m"}, 1, 0, {"us", "zdr"}));
  t.Add("untagged", {"m"});
}

TEST(TagFilters, OnlyDeploymentsCarryingEveryTag) {
  TestRouter t;
  AddTagged(t);
  const std::vector<const char *> eu = {"eu"}, eu_zdr = {"zdr", "eu"}, zdr = {"zdr"};
  auto counts = CountPicks(t, "m", 100, Requiring(eu));
  EXPECT_EQ(counts.at("eu-zdr"), 50);  // round robin over the two that qualify
  EXPECT_EQ(counts.at("eu"), 50);
  EXPECT_EQ(counts.size(), 2U);
  counts = CountPicks(t, "m", 10, Requiring(eu_zdr));
  EXPECT_EQ(counts.at("eu-zdr"), 10);
  counts = CountPicks(t, "m", 100, Requiring(zdr));
  EXPECT_EQ(counts.at("eu-zdr"), 50);
  EXPECT_EQ(counts.at("us"), 50);
  // No tags required: everyone.
  EXPECT_EQ(CountPicks(t, "m", 100).size(), 4U);
}

TEST(TagFilters, NoDeploymentWithTheTagsIsNoProviderForGood) {
  TestRouter t;
  AddTagged(t);
  const std::vector<const char *> impossible = {"eu", "us"}, unknown = {"gpu-h100"};
  for (const auto *tags : {&impossible, &unknown}) {
    Status status;
    PickResult result;
    EXPECT_EQ(PickWith(t, "m", Requiring(*tags), nullptr, &status, &result), "");
    EXPECT_EQ(status.code(), Code::kNoProvider);
    EXPECT_EQ(result.retry_after_ms, -1);  // waiting will not help
  }
}

TEST(TagFilters, HealthStillCountsAmongTheTagged) {
  RouterOptions options;
  options.breaker.jitter = 0;
  TestRouter t(std::move(options));
  AddTagged(t);
  const std::vector<const char *> eu = {"eu"};
  const std::vector<std::string> all = {"eu-zdr", "eu", "us", "untagged"};
  for (int i = 0; i < 5; ++i) {
    t.ReportOutcome(PickExactly(t, "m", "eu", all), Outcome::kServerError);
  }
  EXPECT_EQ(CountPicks(t, "m", 20, Requiring(eu)).at("eu-zdr"), 20);
  t.Advance(1000);
  ASSERT_TRUE(t.router->SetOverride("eu-zdr", Override::kForceOpen).ok());
  // Every eu deployment is out: the earliest eu one is back in 4 s (the us one is irrelevant).
  Status status;
  PickResult result;
  EXPECT_EQ(PickWith(t, "m", Requiring(eu), nullptr, &status, &result), "");
  EXPECT_EQ(status.code(), Code::kNoProvider);
  EXPECT_EQ(result.retry_after_ms, 4000);
  // The panic policy, too, stays within the tagged ones.
  RouterOptions panic_options;
  panic_options.breaker.jitter = 0;
  panic_options.all_open_policy = AllOpenPolicy::kPanic;
  TestRouter p(std::move(panic_options));
  AddTagged(p);
  for (int i = 0; i < 5; ++i) {
    p.ReportOutcome(PickExactly(p, "m", "eu", all), Outcome::kServerError);
  }
  ASSERT_TRUE(p.router->SetOverride("eu-zdr", Override::kForceOpen).ok());
  EXPECT_EQ(PickWith(p, "m", Requiring(eu), nullptr, &status, &result), "eu");
  EXPECT_TRUE(result.panic);
}

TEST(TagFilters, NullTagsAreRejected) {
  TestRouter t;
  AddTagged(t);
  PickRequest request;
  request.required_tag_count = 1;
  Status status;
  PickWith(t, "m", request, nullptr, &status);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  const std::vector<const char *> with_null = {"eu", nullptr};
  PickWith(t, "m", Requiring(with_null), nullptr, &status);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("required_tags[1]"), std::string::npos);
}

TEST(TagFilters, CombineWithAffinityAndExclusion) {
  TestRouter t;
  AddTagged(t);
  const std::vector<const char *> zdr = {"zdr"};
  PickRequest request = Requiring(zdr);
  request.affinity_key = "conversation-7";
  const std::string home = PickWith(t, "m", request);
  EXPECT_TRUE(home == "eu-zdr" || home == "us");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(PickWith(t, "m", request), home);
  const char *exclude[] = {home.c_str()};
  request.exclude = exclude;
  request.exclude_count = 1;
  EXPECT_EQ(PickWith(t, "m", request), home == "us" ? "eu-zdr" : "us");
}

}  // namespace
}  // namespace llmroute::testing
