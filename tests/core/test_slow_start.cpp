// Slow start: a new or just-recovered deployment ramps its share over a window (Envoy's formula:
// weight x max(min_weight_percent, (t / window) ^ (1 / aggression))).
#include <gtest/gtest.h>

#include <cmath>

#include "chi_squared.hpp"
#include "core/health/slow_start.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

constexpr int64_t kWindowMs = 60'000;

SlowStartConfig Config(double aggression = 1.0, double min_weight_percent = 10.0) {
  SlowStartConfig config;
  config.window_ns = kWindowMs * kNsPerMs;
  config.aggression = aggression;
  config.min_weight_percent = min_weight_percent;
  return config;
}

TEST(SlowStartRamp, FollowsEnvoysFormula) {
  const SlowStartConfig linear = Config();
  EXPECT_DOUBLE_EQ(SlowStartRamp(0, linear), 0.1);  // the floor
  EXPECT_DOUBLE_EQ(SlowStartRamp(30'000 * kNsPerMs, linear), 0.5);
  EXPECT_DOUBLE_EQ(SlowStartRamp(54'000 * kNsPerMs, linear), 0.9);
  const SlowStartConfig aggressive = Config(2.0);  // square root: faster at first
  EXPECT_DOUBLE_EQ(SlowStartRamp(15'000 * kNsPerMs, aggressive), 0.5);
  const SlowStartConfig no_floor = Config(1.0, 0.0);  // max(1 ms, t) / window
  EXPECT_DOUBLE_EQ(SlowStartRamp(0, no_floor), 1.0 / kWindowMs);
  SlowStart state;
  EXPECT_DOUBLE_EQ(state.Factor(0, linear), 1.0);  // never started
  state.Begin(0);
  EXPECT_DOUBLE_EQ(state.Factor(30'000 * kNsPerMs, linear), 0.5);
  EXPECT_DOUBLE_EQ(state.Factor(kWindowMs * kNsPerMs, linear), 1.0);  // over
}

TEST(SlowStartTracker, ResetsOnceTheLastRampIsOver) {
  SlowStartTracker tracker;
  EXPECT_FALSE(tracker.MayBeActive());
  tracker.Extend(100);
  tracker.Extend(50);  // never shortens
  EXPECT_TRUE(tracker.Active(99));
  EXPECT_FALSE(tracker.Active(100));
  EXPECT_FALSE(tracker.MayBeActive());
}

RouterOptions SlowStartOptions(StrategyKind kind, double aggression = 1.0) {
  RouterOptions options = WithStrategy(kind);
  options.strategy_params.slow_start = Config(aggression);
  options.breaker.jitter = 0;
  return options;
}

// "old" has been in service for an hour when "new" is added; both weigh 1.
void AddOldThenNew(TestRouter &t) {
  t.Add("old", {"m"});
  t.Advance(3'600'000);
  t.Add("new", {"m"});
}

// The share "new" should get at `elapsed_ms` into its ramp, next to "old" at full weight.
double NewShare(double elapsed_ms, double aggression = 1.0) {
  const double factor =
      std::max(0.1, std::pow(std::min(elapsed_ms / kWindowMs, 1.0), 1.0 / aggression));
  return factor / (1.0 + factor);
}

class SlowStartCurve : public ::testing::TestWithParam<StrategyKind> {};

TEST_P(SlowStartCurve, NewShareRampsOverTheWindowChiSquared) {
  TestRouter t(SlowStartOptions(GetParam()), 7);
  AddOldThenNew(t);
  int64_t elapsed = 0;
  for (const int64_t at : {0, 3'000, 15'000, 30'000, 45'000, 59'000, 60'000, 120'000}) {
    t.Advance(at - elapsed);
    elapsed = at;
    const double share = NewShare(static_cast<double>(at));
    const auto counts = CountPicks(t, "m", 8000);
    EXPECT_GT(ChiSquaredFit(counts, {{"new", share}, {"old", 1 - share}}), kChiSquaredAlpha)
        << "at " << at << " ms: expected share " << share;
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, SlowStartCurve,
                         ::testing::Values(StrategyKind::kWeightedRandom, StrategyKind::kWeighted,
                                           StrategyKind::kRoundRobin));

TEST(SlowStart, AggressionRampsFasterAtFirstChiSquared) {
  TestRouter t(SlowStartOptions(StrategyKind::kWeightedRandom, 2.0), 9);
  AddOldThenNew(t);
  t.Advance(15'000);  // sqrt(0.25) = 0.5
  const auto counts = CountPicks(t, "m", 8000);
  EXPECT_GT(ChiSquaredFit(counts, {{"new", 1.0 / 3}, {"old", 2.0 / 3}}), kChiSquaredAlpha);
}

TEST(SlowStart, LeastLoadedKeepsTheNewcomersLoadToItsRamp) {
  // Calls held in flight settle where (in flight + 1) / (weight x factor) is level.
  for (const int64_t at : {0, 30'000, 60'000}) {
    TestRouter t(SlowStartOptions(StrategyKind::kLeastLoaded), 11);
    AddOldThenNew(t);
    t.Advance(at);
    const double factor = std::max(0.1, std::min(static_cast<double>(at) / kWindowMs, 1.0));
    std::vector<uint64_t> held;
    for (int i = 0; i < 220; ++i) {
      uint64_t ticket = 0;
      t.PickName("m", &ticket);
      held.push_back(ticket);
    }
    const double fresh = static_cast<double>(t.HealthOf("new").in_flight);
    const double old = static_cast<double>(t.HealthOf("old").in_flight);
    EXPECT_NEAR((fresh + 1) / (old + 1), factor, 0.02) << "at " << at << " ms";
    for (uint64_t ticket : held) t.ReportOutcome(ticket, Outcome::kSuccess);
  }
}

TEST(SlowStart, ARecoveredDeploymentRampsBackIn) {
  TestRouter t(SlowStartOptions(StrategyKind::kWeightedRandom), 13);
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  t.Advance(3'600'000);
  for (int i = 0; i < 5; ++i) {
    t.ReportOutcome(PickExactly(t, "m", "b", {"a", "b"}), Outcome::kServerError);
  }
  ASSERT_EQ(t.HealthOf("b").state, BreakerState::kOpen);
  t.Advance(6'000);  // past the 5 s cooldown: half-open, one probe
  t.ReportOutcome(PickExactly(t, "m", "b", {"a", "b"}), Outcome::kSuccess);
  ASSERT_EQ(t.HealthOf("b").state, BreakerState::kClosed);
  auto counts = CountPicks(t, "m", 8000);  // just recovered: 10%
  EXPECT_GT(ChiSquaredFit(counts, {{"b", 0.1 / 1.1}, {"a", 1 / 1.1}}), kChiSquaredAlpha);
  t.Advance(kWindowMs);
  counts = CountPicks(t, "m", 8000);
  EXPECT_GT(ChiSquaredFit(counts, {{"b", 0.5}, {"a", 0.5}}), kChiSquaredAlpha);
}

TEST(SlowStart, BackFromAForcedOutageRampsIn) {
  TestRouter t(SlowStartOptions(StrategyKind::kWeighted), 17);
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  t.Advance(3'600'000);
  ASSERT_TRUE(t.router->SetOverride("b", Override::kForceOpen).ok());
  t.Advance(1'000);
  ASSERT_TRUE(t.router->SetOverride("b", Override::kAuto).ok());
  t.Advance(30'000);
  const auto counts = CountPicks(t, "m", 8000);
  EXPECT_GT(ChiSquaredFit(counts, {{"b", 1.0 / 3}, {"a", 2.0 / 3}}), kChiSquaredAlpha);
}

TEST(SlowStart, OffByDefault) {
  TestRouter t(WithStrategy(StrategyKind::kWeighted));
  AddOldThenNew(t);
  const auto counts = CountPicks(t, "m", 100);
  EXPECT_EQ(counts.at("new"), 50);
  EXPECT_EQ(counts.at("old"), 50);
}

TEST(SlowStart, SettingsAreValidated) {
  std::unique_ptr<Router> router;
  RouterOptions zero_aggression;
  zero_aggression.strategy_params.slow_start = Config(0.0);
  EXPECT_EQ(Router::Create(std::move(zero_aggression), &router).code(), Code::kInvalidArgument);
  RouterOptions floor_above_100;
  floor_above_100.strategy_params.slow_start = Config(1.0, 101);
  EXPECT_EQ(Router::Create(std::move(floor_above_100), &router).code(), Code::kInvalidArgument);
  RouterOptions negative_window;
  negative_window.strategy_params.slow_start.window_ns = -1;
  EXPECT_EQ(Router::Create(std::move(negative_window), &router).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace llmroute::testing
