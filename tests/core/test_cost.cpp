// cost: cheapest eligible deployment by price per 1M tokens, ties by latency; max_price caps.
#include <gtest/gtest.h>

#include "chi_squared.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

TEST(Cost, TheCheapestTakesEverything) {
  TestRouter t(WithStrategy(StrategyKind::kCost));
  AddSpec(t, Priced(Spec("gpt-4o", {"m"}), 2.5, 10));
  AddSpec(t, Priced(Spec("mini", {"m"}), 0.15, 0.6));
  AddSpec(t, Priced(Spec("big", {"m"}), 5, 15));
  EXPECT_EQ(CountPicks(t, "m", 100).at("mini"), 100);
  // Unavailable, it is skipped for the next cheapest.
  ASSERT_TRUE(t.router->SetOverride("mini", Override::kForceOpen).ok());
  EXPECT_EQ(CountPicks(t, "m", 100).at("gpt-4o"), 100);
}

// Three deployments, two at the same price; measured once each.
void AddMeasuredTrio(TestRouter &t, double fast_ms, double slow_ms) {
  AddSpec(t, Priced(Spec("fast", {"m"}), 1, 2));
  AddSpec(t, Priced(Spec("slow", {"m"}), 1, 2));
  AddSpec(t, Priced(Spec("pricey", {"m"}), 3, 2));
  const std::vector<std::string> all = {"fast", "slow", "pricey"};
  t.ReportOutcome(PickExactly(t, "m", "fast", all), Outcome::kSuccess, fast_ms);
  t.ReportOutcome(PickExactly(t, "m", "slow", all), Outcome::kSuccess, slow_ms);
  t.ReportOutcome(PickExactly(t, "m", "pricey", all), Outcome::kSuccess, 10);
}

TEST(Cost, EqualPricesGoByLatency) {
  TestRouter t(WithStrategy(StrategyKind::kCost), 3);
  AddMeasuredTrio(t, 100, 300);
  EXPECT_EQ(CountPicks(t, "m", 100).at("fast"), 100);
  // Within the latency buffer (10%) of each other, equal prices share the traffic evenly.
  TestRouter u(WithStrategy(StrategyKind::kCost), 5);
  AddMeasuredTrio(u, 100, 105);
  const auto counts = CountPicks(u, "m", 4000);
  EXPECT_GT(ChiSquaredFit(counts, {{"fast", 0.5}, {"slow", 0.5}, {"pricey", 0.0}}),
            kChiSquaredAlpha);
}

TEST(Cost, DeploymentsWithoutAPriceComeLast) {
  TestRouter t(WithStrategy(StrategyKind::kCost));
  t.Add("unpriced", {"m"});
  AddSpec(t, Priced(Spec("priced", {"m"}), 30, 60));
  AddSpec(t, Priced(Spec("input-only", {"m"}), 40, -1));  // output counts as free: 40 < 90
  EXPECT_EQ(CountPicks(t, "m", 20).at("input-only"), 20);
  std::vector<FallbackEntry> order;
  ASSERT_TRUE(t.router->Fallbacks("m", {}, &order).ok());
  ASSERT_EQ(order.size(), 3U);
  EXPECT_EQ(order[0].deployment, "input-only");
  EXPECT_EQ(order[1].deployment, "priced");
  EXPECT_EQ(order[2].deployment, "unpriced");
}

TEST(Cost, ExpectedTokensPriceTheRequest) {
  // Cheap input, dear output vs. the opposite: which is cheaper depends on the request.
  TestRouter t(WithStrategy(StrategyKind::kCost));
  AddSpec(t, Priced(Spec("cheap-input", {"m"}), 1, 100));
  AddSpec(t, Priced(Spec("cheap-output", {"m"}), 10, 10));
  EXPECT_EQ(CountPicks(t, "m", 10).at("cheap-output"), 10);  // no estimate: 101 vs 20 per 1M
  PickRequest long_prompt;
  long_prompt.expected_input_tokens = 100000;
  long_prompt.expected_output_tokens = 100;
  EXPECT_EQ(CountPicks(t, "m", 10, long_prompt).at("cheap-input"), 10);  // $0.11 vs $1.001
  PickRequest long_answer;
  long_answer.expected_input_tokens = 100;
  long_answer.expected_output_tokens = 4000;
  EXPECT_EQ(CountPicks(t, "m", 10, long_answer).at("cheap-output"), 10);
}

TEST(Cost, MaxPriceFiltersAnyStrategy) {
  TestRouter t;  // round robin
  AddSpec(t, Priced(Spec("cheap", {"m"}), 0.15, 0.6));
  AddSpec(t, Priced(Spec("mid", {"m"}), 2.5, 10));
  AddSpec(t, Priced(Spec("dear", {"m"}), 15, 60));
  t.Add("unpriced", {"m"});
  PickRequest request;
  request.expected_input_tokens = 10000;
  request.expected_output_tokens = 1000;
  // cheap $0.0021, mid $0.035, dear $0.21; unpriced never fits a cap.
  request.max_price = 0.05;
  const auto counts = CountPicks(t, "m", 100, request);
  EXPECT_EQ(counts.at("cheap"), 50);
  EXPECT_EQ(counts.at("mid"), 50);
  EXPECT_EQ(counts.size(), 2U);
  // The price is inclusive.
  request.max_price = 0.0021;
  EXPECT_EQ(CountPicks(t, "m", 10, request).at("cheap"), 10);
  // Nothing that cheap: no provider, and waiting will not help.
  request.max_price = 0.001;
  Status status;
  PickResult result;
  EXPECT_EQ(PickWith(t, "m", request, nullptr, &status, &result), "");
  EXPECT_EQ(status.code(), Code::kNoProvider);
  EXPECT_EQ(result.retry_after_ms, -1);
}

TEST(Cost, MaxPriceNeedsTokensAndSaneValues) {
  TestRouter t;
  AddSpec(t, Priced(Spec("a", {"m"}), 1, 1));
  Status status;
  PickRequest request;
  request.max_price = 1;
  PickWith(t, "m", request, nullptr, &status);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("max_price"), std::string::npos);
  request.expected_input_tokens = 10;
  request.max_price = -1;
  PickWith(t, "m", request, nullptr, &status);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  request.max_price = std::nan("");
  PickWith(t, "m", request, nullptr, &status);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  request.max_price = 0;
  request.expected_output_tokens = -5;
  PickWith(t, "m", request, nullptr, &status);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  // Prices must be finite.
  EXPECT_EQ(t.router->AddDeployment(Priced(Spec("b", {"m"}), std::nan(""), 1)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(t.router->AddDeployment(Priced(Spec("b", {"m"}), 1, HUGE_VAL)).code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace llmroute::testing
