// peak_ewma: P2C on peak-sensitive, time-decayed latency x (in flight + 1), failure-aware.
#include <gtest/gtest.h>

#include <cmath>

#include "chi_squared.hpp"
#include "core/health/peak_ewma_state.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(PeakEwmaState, JumpsToPeaksAndDecaysTowardZero) {
  PeakEwmaConfig config;  // 10 s decay
  PeakEwmaState state;
  EXPECT_LT(state.Value(0, config), 0);
  state.Observe(100, 0, config);
  EXPECT_DOUBLE_EQ(state.Value(0, config), 100);
  state.Observe(1000, kSecond, config);  // a peak replaces the estimate at once
  EXPECT_DOUBLE_EQ(state.Value(kSecond, config), 1000);
  // Read later, it has decayed with the 10 s time constant.
  EXPECT_NEAR(state.Value(11 * kSecond, config), 1000 * std::exp(-1.0), 1e-9);
  // A lower sample is blended with weight 1 - exp(-dt / tau).
  state.Observe(100, 11 * kSecond, config);
  const double w = std::exp(-1.0);
  EXPECT_NEAR(state.Value(11 * kSecond, config), 1000 * w + 100 * (1 - w), 1e-9);
}

TEST(PeakEwmaState, AFailureCountsAsASlowCall) {
  PeakEwmaConfig config;  // penalty 10
  PeakEwmaState state;
  state.ObserveFailure(5, 0, /*prior_ms=*/1000, config);  // no sample yet: 10 x the prior
  EXPECT_DOUBLE_EQ(state.Value(0, config), 10000);
  PeakEwmaState measured;
  measured.Observe(2000, 0, config);
  measured.ObserveFailure(-1, 0, 1000, config);  // 10 x its own estimate, larger than the prior
  EXPECT_DOUBLE_EQ(measured.Value(0, config), 20000);
}

// Gives every deployment one latency sample, at the current time.
void Measure(TestRouter &t, const std::vector<std::string> &all,
             const std::map<std::string, double> &latency_ms) {
  for (const auto &[name, latency] : latency_ms) {
    t.ReportOutcome(PickExactly(t, "m", name, all), Outcome::kSuccess, latency);
  }
}

TEST(PeakEwma, EqualEstimatesAreUniformChiSquared) {
  TestRouter t(WithStrategy(StrategyKind::kPeakEwma), 5);
  const std::vector<std::string> all = {"a", "b", "c", "d"};
  for (const std::string &name : all) t.Add(name, {"m"});
  Measure(t, all, {{"a", 200}, {"b", 200}, {"c", 200}, {"d", 200}});
  const auto counts = CountPicks(t, "m", 8000);
  EXPECT_GT(ChiSquaredFit(counts, {{"a", 0.25}, {"b", 0.25}, {"c", 0.25}, {"d", 0.25}}),
            kChiSquaredAlpha);
}

TEST(PeakEwma, ASlowDeploymentLosesEveryPairChiSquared) {
  TestRouter t(WithStrategy(StrategyKind::kPeakEwma), 7);
  const std::vector<std::string> all = {"a", "b", "slow"};
  for (const std::string &name : all) t.Add(name, {"m"});
  Measure(t, all, {{"a", 100}, {"b", 100}, {"slow", 1000}});
  const auto counts = CountPicks(t, "m", 6000);
  EXPECT_GT(ChiSquaredFit(counts, {{"a", 0.5}, {"b", 0.5}, {"slow", 0.0}}), kChiSquaredAlpha);
}

TEST(PeakEwma, APerModelStrategyIsFedByReportsWhateverTheDefault) {
  // Reports feed the estimates only while some model routes by peak_ewma; a model that does
  // through its own strategy counts, whatever the router's default.
  TestRouter t(WithStrategy(StrategyKind::kRoundRobin), 7);
  const std::vector<std::string> all = {"a", "b", "slow"};
  for (const std::string &name : all) t.Add(name, {"m"});
  ASSERT_TRUE(t.router->SetModelStrategy("m", StrategyKind::kPeakEwma).ok());
  Measure(t, all, {{"a", 100}, {"b", 100}, {"slow", 1000}});
  EXPECT_EQ(CountPicks(t, "m", 600).count("slow"), 0U);
}

TEST(PeakEwma, EstimatesStartFromThePriorWhenTheStrategyIsTurnedOn) {
  // Under round robin the reports do not feed peak_ewma; switched on later, "slow" has no
  // estimate yet and gets tried (one probe at a time) instead of being judged on stale data.
  TestRouter t(WithStrategy(StrategyKind::kRoundRobin), 7);
  const std::vector<std::string> all = {"a", "slow"};
  for (const std::string &name : all) t.Add(name, {"m"});
  Measure(t, all, {{"a", 100}, {"slow", 1000}});
  ASSERT_TRUE(t.router->SetModelStrategy("m", StrategyKind::kPeakEwma).ok());
  // Both are unmeasured and cost the same, and P2C gives a tie to the first drawn (at random),
  // so both are picked; measured, "slow" (1000 ms) would never be.
  EXPECT_GT(CountPicks(t, "m", 200).count("slow"), 0U);
}

TEST(PeakEwma, InFlightCallsRaiseTheCost) {
  // 100 ms with 10 calls in flight costs 1100, more than an idle 1000 ms deployment.
  TestRouter t(WithStrategy(StrategyKind::kPeakEwma), 11);
  const std::vector<std::string> all = {"fast", "slow"};
  for (const std::string &name : all) t.Add(name, {"m"});
  Measure(t, all, {{"fast", 100}, {"slow", 1000}});
  std::vector<uint64_t> held;
  for (int i = 0; i < 8; ++i) held.push_back(PickExactly(t, "m", "fast", all));
  EXPECT_EQ(CountPicks(t, "m", 50).at("fast"), 50);  // 100 x 9 = 900 < 1000
  for (int i = 0; i < 2; ++i) held.push_back(PickExactly(t, "m", "fast", all));
  EXPECT_EQ(CountPicks(t, "m", 50).at("slow"), 50);  // 100 x 11 = 1100 > 1000
  for (uint64_t ticket : held) t.ReportOutcome(ticket, Outcome::kSuccess, 100);
}

TEST(PeakEwma, ANewDeploymentGetsOneProbeNotAFlood) {
  TestRouter t(WithStrategy(StrategyKind::kPeakEwma), 13);
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  Measure(t, {"a", "b"}, {{"a", 100}, {"b", 100}});
  t.Add("new", {"m"});  // no sample: idle, it costs the tier's mean (100 ms)
  std::map<std::string, int> counts;
  std::vector<uint64_t> held;
  for (int i = 0; i < 30; ++i) {  // calls pile up: none completes
    uint64_t ticket = 0;
    ++counts[t.PickName("m", &ticket)];
    held.push_back(ticket);
  }
  EXPECT_EQ(counts["new"], 1);  // one probe, then the penalty until it answers
  EXPECT_EQ(counts["a"] + counts["b"], 29);
  for (uint64_t ticket : held) t.ReportOutcome(ticket, Outcome::kSuccess, 100);
  // Measured now, it takes part like the others.
  const auto after = CountPicks(t, "m", 3000);
  EXPECT_GT(ChiSquaredFit(after, {{"a", 1.0 / 3}, {"b", 1.0 / 3}, {"new", 1.0 / 3}}),
            kChiSquaredAlpha);
}

TEST(PeakEwma, FastFailuresDoNotLookFast) {
  // A deployment answering 429 in 5 ms would look 100x faster than a healthy 500 ms one to a
  // plain latency average (linkerd2-proxy PR #4537). Breaker thresholds are raised so that only
  // the strategy decides here.
  RouterOptions options = WithStrategy(StrategyKind::kPeakEwma);
  options.breaker.consecutive_failures = 1000;
  options.breaker.failure_ratio = 1.0;
  TestRouter t(std::move(options), 17);
  const std::vector<std::string> all = {"healthy", "limited"};
  for (const std::string &name : all) t.Add(name, {"m"});
  Measure(t, all, {{"healthy", 500}, {"limited", 500}});
  for (int i = 0; i < 3; ++i) {
    t.ReportOutcome(PickExactly(t, "m", "limited", all), Outcome::kRateLimited, 5);
  }
  EXPECT_EQ(CountPicks(t, "m", 200).at("healthy"), 200);
  // Request faults (a bad prompt) are not the deployment's fault: no penalty.
  TestRouter u(WithStrategy(StrategyKind::kPeakEwma), 19);
  for (const std::string &name : all) u.Add(name, {"m"});
  Measure(u, all, {{"healthy", 500}, {"limited", 500}});
  u.ReportOutcome(PickExactly(u, "m", "limited", all), Outcome::kBadRequest, 5);
  EXPECT_GT(CountPicks(u, "m", 400)["limited"], 100);
}

TEST(PeakEwma, AnAvoidedDeploymentIsTriedAgainLater) {
  // The slow deployment's estimate decays while the others keep being measured, so it gets
  // another chance rather than being starved forever.
  TestRouter t(WithStrategy(StrategyKind::kPeakEwma), 23);
  const std::vector<std::string> all = {"a", "b", "slow"};
  for (const std::string &name : all) t.Add(name, {"m"});
  Measure(t, all, {{"a", 100}, {"b", 100}, {"slow", 1000}});
  int slow_picks = 0;
  for (int second = 0; second < 60 && slow_picks == 0; ++second) {
    t.Advance(1000);
    for (int i = 0; i < 10; ++i) {
      const std::string name = t.PickAndReport("m", Outcome::kSuccess, 100);
      if (name == "slow") ++slow_picks;
    }
  }
  EXPECT_GT(slow_picks, 0);
}

}  // namespace
}  // namespace llmroute::testing
