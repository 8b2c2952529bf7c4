// peak_ewma chosen by a configuration (Router::ApplyConfiguration, what every JSON configuration
// and reload goes through) must feed its estimates from reports, as a router created with
// peak_ewma does. It did not: tools/sim found peak_ewma equal to least_loaded on every scenario.
#include <gtest/gtest.h>

#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

void ExpectTheFastOneWins(TestRouter &t) {
  const std::vector<std::string> all = {"fast", "slow"};
  t.ReportOutcome(PickExactly(t, "m", "fast", all), Outcome::kSuccess, 100);
  t.ReportOutcome(PickExactly(t, "m", "slow", all), Outcome::kSuccess, 1000);
  // Power of two choices over two: every pick compares both. Without estimates both cost the
  // prior, and the first drawn (either, at random) would win.
  EXPECT_EQ(CountPicks(t, "m", 100).at("fast"), 100);
}

TEST(PeakEwmaFromConfiguration, TheRouterStrategy) {
  TestRouter t(WithStrategy(StrategyKind::kRoundRobin), 5);
  RouterConfiguration config;
  config.deployments = {Spec("fast", {"m"}), Spec("slow", {"m"})};
  config.strategy = StrategyKind::kPeakEwma;
  ASSERT_TRUE(t.router->ApplyConfiguration(std::move(config)).ok());
  ExpectTheFastOneWins(t);
}

TEST(PeakEwmaFromConfiguration, AModelStrategy) {
  TestRouter t(WithStrategy(StrategyKind::kRoundRobin), 7);
  RouterConfiguration config;
  config.deployments = {Spec("fast", {"m"}), Spec("slow", {"m"})};
  config.model_strategies = {{"m", StrategyKind::kPeakEwma}};
  ASSERT_TRUE(t.router->ApplyConfiguration(std::move(config)).ok());
  ExpectTheFastOneWins(t);
}

}  // namespace
}  // namespace llmroute::testing
