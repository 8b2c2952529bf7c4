#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <thread>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

// Critical value of the chi-squared distribution for alpha = 1e-6 (as grpc-go's tests use),
// by degrees of freedom.
double ChiSquaredCritical(int dof) {
  static const double kTable[] = {0, 23.93, 27.63, 30.66, 33.38, 35.89, 38.26, 40.52, 42.70};
  return kTable[dof];
}

double ChiSquared(const std::map<std::string, int> &observed,
                  const std::map<std::string, double> &expected_share, int total) {
  double chi = 0;
  for (const auto &[name, share] : expected_share) {
    const double expected = share * total;
    const auto it = observed.find(name);
    const double seen = it == observed.end() ? 0 : it->second;
    chi += (seen - expected) * (seen - expected) / expected;
  }
  return chi;
}

TEST(WeightedRandom, ProportionalToWeightChiSquared) {
  RouterOptions options;
  options.strategy = StrategyKind::kWeightedRandom;
  TestRouter t(std::move(options), 7);
  t.Add("a", {"m"}, 1);
  t.Add("b", {"m"}, 2);
  t.Add("c", {"m"}, 3);
  t.Add("d", {"m"}, 4);
  std::map<std::string, int> counts;
  const int total = 100000;
  for (int i = 0; i < total; ++i) ++counts[t.PickName("m")];
  const double chi = ChiSquared(counts, {{"a", 0.1}, {"b", 0.2}, {"c", 0.3}, {"d", 0.4}}, total);
  EXPECT_LT(chi, ChiSquaredCritical(3));
}

TEST(WeightedRandom, ProportionalAmongEligibleChiSquared) {
  RouterOptions options;
  options.strategy = StrategyKind::kWeightedRandom;
  TestRouter t(std::move(options), 11);
  t.Add("heavy", {"m"}, 90);
  t.Add("a", {"m"}, 1);
  t.Add("b", {"m"}, 3);
  ASSERT_TRUE(t.router->SetOverride("heavy", Override::kForceOpen).ok());
  std::map<std::string, int> counts;
  const int total = 40000;
  for (int i = 0; i < total; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts.count("heavy"), 0U);
  EXPECT_LT(ChiSquared(counts, {{"a", 0.25}, {"b", 0.75}}, total), ChiSquaredCritical(1));
}

TEST(WeightedRandom, ConcurrentPicksShareNoRandomState) {
  // The seed shared one math/rand source between goroutines (a data race under -race). Run under
  // ThreadSanitizer, this test fails on any shared unsynchronised state in the pick path.
  std::unique_ptr<Router> router;
  RouterOptions options;
  options.strategy = StrategyKind::kWeightedRandom;  // default per-thread generator
  ASSERT_TRUE(Router::Create(std::move(options), &router).ok());
  for (int i = 0; i < 4; ++i) {
    DeploymentSpec spec;
    spec.name = "d" + std::to_string(i);
    spec.models = {"m"};
    spec.weight = static_cast<uint32_t>(i + 1);
    ASSERT_TRUE(router->AddDeployment(spec).ok());
  }
  std::vector<std::thread> threads;
  std::atomic<int> picked{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        PickResult result;
        if (router->Pick("m", "m", {}, &result).ok() && router->Cancel(result.ticket).ok()) {
          picked.fetch_add(1);
        }
      }
    });
  }
  for (auto &thread : threads) thread.join();
  EXPECT_EQ(picked.load(), 20000);
}

}  // namespace
}  // namespace llmroute::testing
