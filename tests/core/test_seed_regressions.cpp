// One test per defect of the seed Go router (the gateway router llmroute replaces; each test names
// the defect in its first comment) that llmroute must not repeat.
// Some defects have fuller tests elsewhere; these are the direct regressions.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

TEST(SeedRegression, AFailedProviderComesBackWithoutManualHelp) {
  // Seed: failure rate > 0.5 set Available=false and only UpdateHealth re-enabled it.
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  const char *only_a[] = {"b"};
  for (int i = 0; i < 5; ++i) {
    PickResult r;
    ASSERT_TRUE(t.router->Pick("m", "m", {only_a, 1}, &r).ok());
    t.ReportOutcome(r.ticket, Outcome::kServerError);
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t.PickName("m"), "b");
  t.Advance(6000);  // past the cooldown (5 s + 10% jitter at most)
  std::set<std::string> seen;
  for (int i = 0; i < 10; ++i) {
    uint64_t ticket = 0;
    seen.insert(t.PickName("m", &ticket));
    t.ReportOutcome(ticket, Outcome::kSuccess);
  }
  EXPECT_EQ(seen.count("a"), 1U);
  EXPECT_EQ(t.HealthOf("a").state, BreakerState::kClosed);
}

TEST(SeedRegression, RoundRobinIsARotationNotMapOrder) {
  TestRouter t;
  for (const char *name : {"p0", "p1", "p2", "p3", "p4"}) t.Add(name, {"m"});
  const std::string first = t.PickName("m");
  std::vector<std::string> cycle{first};
  for (int i = 0; i < 4; ++i) cycle.push_back(t.PickName("m"));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(t.PickName("m"), cycle[static_cast<size_t>(i) % 5]);
}

TEST(SeedRegression, FallbacksExcludeTheFailedDeploymentNotOneNamedPrimary) {
  TestRouter t;
  t.Add("primary", {"m"});
  t.Add("secondary", {"m"});
  std::vector<FallbackEntry> list;
  ASSERT_TRUE(t.router->Fallbacks("m", {"secondary"}, &list).ok());
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].deployment, "primary");  // the seed would have skipped it
}

TEST(SeedRegression, NewDeploymentsDoNotStartAtZeroLatency) {
  RouterOptions options;
  options.strategy = StrategyKind::kLatency;
  TestRouter t(std::move(options));
  t.Add("old", {"m"});
  for (int i = 0; i < 5; ++i) t.PickAndReport("m", Outcome::kSuccess, 200);
  t.Add("new", {"m"});
  std::map<std::string, int> counts;
  for (int i = 0; i < 1000; ++i) ++counts[t.PickName("m")];
  // With the prior (the pool mean, 200 ms) both are within the buffer: shared, not herded.
  EXPECT_GT(counts["old"], 400);
  EXPECT_GT(counts["new"], 400);
}

TEST(SeedRegression, OneBurstAtLowVolumeDoesNotTrip) {
  // Seed: three failures in a row pushed the failure "rate" over 0.5 and disabled the provider.
  TestRouter t;
  t.Add("a", {"m"});
  for (int i = 0; i < 3; ++i) t.PickAndReport("m", Outcome::kServerError);
  EXPECT_EQ(t.HealthOf("a").state, BreakerState::kClosed);
}

TEST(SeedRegression, OneSuccessDoesNotHalveTheFailureRatio) {
  RouterOptions options;
  options.breaker.consecutive_failures = 1000;
  options.breaker.min_requests = 1000;
  TestRouter t(std::move(options));
  t.Add("a", {"m"});
  for (int i = 0; i < 4; ++i) t.PickAndReport("m", Outcome::kServerError);
  t.PickAndReport("m", Outcome::kSuccess);
  EXPECT_DOUBLE_EQ(t.HealthOf("a").failure_ratio, 0.8);  // the seed would say 0.5 x ~0.34
}

TEST(SeedRegression, BadRequestsAreNotOutages) {
  TestRouter t;
  t.Add("a", {"m"});
  for (int i = 0; i < 100; ++i) t.PickAndReport("m", Outcome::kBadRequest);
  EXPECT_EQ(t.HealthOf("a").state, BreakerState::kClosed);
  EXPECT_DOUBLE_EQ(t.HealthOf("a").failure_ratio, 0.0);
}

TEST(SeedRegression, ModelsMatchGlobsNotOnlyExactOrStar) {
  TestRouter t;
  t.Add("a", {"gpt-4o*"});
  EXPECT_EQ(t.PickName("gpt-4o-mini-2024-07-18"), "a");
}

TEST(SeedRegression, ConcurrentPickAndRecordHaveNoRace) {
  // The seed took a global lock on every pick and shared a random source; here picks and reports
  // run lock-free against each other (ThreadSanitizer checks this test in CI).
  std::unique_ptr<Router> router;
  RouterOptions options;
  options.strategy = StrategyKind::kWeightedRandom;
  ASSERT_TRUE(Router::Create(std::move(options), &router).ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(router->AddDeployment({"p" + std::to_string(i), {"m"}, 1, 0, {}}).ok());
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        PickResult r;
        ASSERT_TRUE(router->Pick("m", "m", {}, &r).ok());
        ReportInput in;
        in.latency_ms = 100;
        ASSERT_TRUE(router->Report(r.ticket, in).ok());
      }
    });
  }
  for (auto &thread : threads) thread.join();
  int64_t total = 0;
  for (const auto &[name, h] : router->HealthAll()) {
    EXPECT_EQ(h.in_flight, 0);
    total += h.successes;
  }
  EXPECT_EQ(total, 20000);
}

}  // namespace
}  // namespace llmroute::testing
