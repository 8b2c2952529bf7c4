#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

RouterOptions Weighted() {
  RouterOptions options;
  options.strategy = StrategyKind::kWeighted;
  return options;
}

TEST(Weighted, ExactProportionsOverEveryCycle) {
  TestRouter t(Weighted());
  t.Add("a", {"m"}, 5);
  t.Add("b", {"m"}, 1);
  t.Add("c", {"m"}, 1);
  for (int cycle = 0; cycle < 20; ++cycle) {
    std::map<std::string, int> counts;
    for (int i = 0; i < 7; ++i) ++counts[t.PickName("m")];
    EXPECT_EQ(counts["a"], 5);
    EXPECT_EQ(counts["b"], 1);
    EXPECT_EQ(counts["c"], 1);
  }
}

TEST(Weighted, InterleavesSmoothly) {
  // In every window of the schedule each deployment is within one pick of its exact share
  // (a plain weighted round robin would send a's five picks in a row).
  TestRouter t(Weighted());
  t.Add("a", {"m"}, 3);
  t.Add("b", {"m"}, 2);
  t.Add("c", {"m"}, 1);
  t.Add("d", {"m"}, 4);
  const std::map<std::string, double> share = {{"a", 0.3}, {"b", 0.2}, {"c", 0.1}, {"d", 0.4}};
  std::vector<std::string> sequence;
  for (int i = 0; i < 200; ++i) sequence.push_back(t.PickName("m"));
  for (size_t start = 0; start < 10; ++start) {
    std::map<std::string, int> counts;
    for (size_t length = 1; length <= 100; ++length) {
      ++counts[sequence[start + length - 1]];
      for (const auto &[name, fraction] : share) {
        EXPECT_LE(std::abs(counts[name] - fraction * static_cast<double>(length)), 1.5)
            << name << " window " << start << "+" << length;
      }
    }
  }
}

TEST(Weighted, LargeCoprimeWeightsStayExact) {
  TestRouter t(Weighted());
  t.Add("a", {"m"}, 997);
  t.Add("b", {"m"}, 3);
  std::map<std::string, int> counts;
  for (int i = 0; i < 1000; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts["a"], 997);
  EXPECT_EQ(counts["b"], 3);
}

TEST(Weighted, KeepsProportionsAmongEligibleWhenOneIsOut) {
  TestRouter t(Weighted());
  t.Add("a", {"m"}, 3);
  t.Add("b", {"m"}, 1);
  t.Add("c", {"m"}, 4);
  ASSERT_TRUE(t.router->SetOverride("c", Override::kForceOpen).ok());
  std::map<std::string, int> counts;
  for (int i = 0; i < 400; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts["a"], 300);
  EXPECT_EQ(counts["b"], 100);
}

TEST(Weighted, WeightsComeFromTheDeployment) {
  // The seed had no way to set a weight.
  TestRouter t(Weighted());
  t.Add("a", {"m"}, 1);
  t.Add("b", {"m"}, 1);
  DeploymentSpec spec;
  spec.name = "b";
  spec.models = {"m"};
  spec.weight = 9;
  ASSERT_TRUE(t.router->UpdateDeployment(spec).ok());
  std::map<std::string, int> counts;
  for (int i = 0; i < 100; ++i) ++counts[t.PickName("m")];
  EXPECT_EQ(counts["b"], 90);
}

}  // namespace
}  // namespace llmroute::testing
