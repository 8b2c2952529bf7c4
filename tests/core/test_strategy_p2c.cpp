// Large tiers (more than kScanMembers) under the latency, cost and availability strategies pick
// from two random members (power of two choices, strategies/latency_scores.hpp). These tests
// check the distribution that follows on the router's seeded random source, against the
// probabilities the rule implies, with Pearson's chi-squared test (chi_squared.hpp).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chi_squared.hpp"
#include "core/strategies/latency_scores.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

constexpr int kMembers = 64;
static_assert(kMembers > static_cast<int>(kScanMembers), "the tests need the sampled path");

std::vector<std::string> Names() {
  std::vector<std::string> names;
  for (int i = 0; i < kMembers; ++i) names.push_back("d" + std::to_string(i));
  return names;
}

// Reports one call on `name` (every other deployment excluded).
void Feed(TestRouter &t, const std::vector<std::string> &all, const std::string &name,
          Outcome outcome, double latency_ms) {
  const uint64_t ticket = PickExactly(t, "m", name, all);
  ASSERT_NE(ticket, 0U);
  t.ReportOutcome(ticket, outcome, latency_ms);
}

// Of two distinct uniform draws, member 0 is in the pair with probability 2 / n; each other
// member is drawn first with a partner other than member 0 with probability
// (1 / n) x (n - 2) / (n - 1).
std::map<std::string, double> OneMemberWinsItsPairs(const std::vector<std::string> &all) {
  const double n = static_cast<double>(all.size());
  std::map<std::string, double> expected;
  for (size_t i = 0; i < all.size(); ++i) {
    expected[all[i]] = i == 0 ? 2.0 / n : (1.0 / n) * (n - 2) / (n - 1);
  }
  return expected;
}

TEST(LatencyTwoChoices, TheFastestGetsTheShareOfThePairsItIsDrawnIn) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = Names();
  for (const auto &name : all) t.Add(name, {"m"});
  // d0 ten times faster than the rest, which are within the buffer of each other.
  for (size_t i = 0; i < all.size(); ++i)
    Feed(t, all, all[i], Outcome::kSuccess, i == 0 ? 100 : 1000);
  const std::map<std::string, int> counts = CountPicks(t, "m", 40000);
  // A scan would give d0 every pick (herding); two choices give it 2 / 64 of them.
  EXPECT_GT(ChiSquaredFit(counts, OneMemberWinsItsPairs(all)), kChiSquaredAlpha);
}

TEST(LatencyTwoChoices, NearEqualMembersShareEvenly) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = Names();
  for (const auto &name : all) t.Add(name, {"m"});
  // 100 to 109 ms: every pair is within the 10% buffer, so the first drawn wins: uniform.
  for (size_t i = 0; i < all.size(); ++i) {
    Feed(t, all, all[i], Outcome::kSuccess, 100 + static_cast<double>(i % 10));
  }
  std::map<std::string, double> uniform;
  for (const auto &name : all) uniform[name] = 1.0 / kMembers;
  EXPECT_GT(ChiSquaredFit(CountPicks(t, "m", 40000), uniform), kChiSquaredAlpha);
}

TEST(LatencyTwoChoices, HeldCallsDoNotHerd) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = Names();
  for (const auto &name : all) t.Add(name, {"m"});
  for (size_t i = 0; i < all.size(); ++i)
    Feed(t, all, all[i], Outcome::kSuccess, i == 0 ? 100 : 1000);
  // Calls held in flight: a scan would send d0 every call until its key 100 x (in flight + 1)
  // passed 1000 x 1.1 (11 calls), then the rest. Two choices give it only the pairs it is drawn
  // in (2 / 64 of the picks: 8 of 256 expected, more than 24 with probability under 1e-6), and
  // spread the others evenly (4 each expected; above 16 for one of them: under 1e-4).
  std::map<std::string, int> held;
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 4 * kMembers; ++i) {
    uint64_t ticket = 0;
    ++held[t.PickName("m", &ticket)];
    tickets.push_back(ticket);
  }
  EXPECT_GE(held["d0"], 1);
  EXPECT_LE(held["d0"], 24);
  int others_max = 0;
  for (const auto &[name, count] : held) {
    if (name != "d0") others_max = std::max(others_max, count);
  }
  EXPECT_LE(others_max, 16);
  for (uint64_t ticket : tickets) t.ReportOutcome(ticket, Outcome::kSuccess, 100);
}

TEST(LatencyTwoChoices, ExclusionsKeepTheDrawUniform) {
  TestRouter t(WithStrategy(StrategyKind::kLatency));
  const std::vector<std::string> all = Names();
  for (const auto &name : all) t.Add(name, {"m"});
  for (const auto &name : all) Feed(t, all, name, Outcome::kSuccess, 100);
  // Half the tier excluded: the rejection draws and the fall-back both stay uniform.
  std::vector<const char *> exclude;
  for (int i = 0; i < kMembers; i += 2) exclude.push_back(all[static_cast<size_t>(i)].c_str());
  PickRequest request;
  request.exclude = exclude.data();
  request.exclude_count = exclude.size();
  const std::map<std::string, int> counts = CountPicks(t, "m", 20000, request);
  std::map<std::string, double> expected;
  for (int i = 0; i < kMembers; ++i) {
    expected[all[static_cast<size_t>(i)]] = i % 2 == 0 ? 0.0 : 2.0 / kMembers;
  }
  for (int i = 0; i < kMembers; i += 2) EXPECT_EQ(counts.count(all[static_cast<size_t>(i)]), 0U);
  EXPECT_GT(ChiSquaredFit(counts, expected), kChiSquaredAlpha);
}

TEST(CostTwoChoices, TheCheapestWinsThePairsItIsDrawnIn) {
  TestRouter t(WithStrategy(StrategyKind::kCost));
  const std::vector<std::string> all = Names();
  for (size_t i = 0; i < all.size(); ++i) {
    AddSpec(t, Priced(Spec(all[i], {"m"}), i == 0 ? 1.0 : 5.0, i == 0 ? 1.0 : 5.0));
  }
  // Equal latencies: among the equally priced, the first drawn.
  for (const auto &name : all) Feed(t, all, name, Outcome::kSuccess, 100);
  EXPECT_GT(ChiSquaredFit(CountPicks(t, "m", 40000), OneMemberWinsItsPairs(all)), kChiSquaredAlpha);
}

TEST(AvailabilityTwoChoices, TheHealthiestWinsThePairsItIsDrawnIn) {
  RouterOptions options = WithStrategy(StrategyKind::kAvailability);
  options.breaker.consecutive_failures = 1000;
  options.breaker.failure_ratio = 1.0;
  TestRouter t(std::move(options));
  const std::vector<std::string> all = Names();
  for (const auto &name : all) t.Add(name, {"m"});
  // Every member but d0 has a failure ratio of 1/2; d0 none. Latencies equal.
  for (size_t i = 0; i < all.size(); ++i) {
    Feed(t, all, all[i], Outcome::kSuccess, 100);
    if (i != 0) Feed(t, all, all[i], Outcome::kServerError, 100);
  }
  EXPECT_GT(ChiSquaredFit(CountPicks(t, "m", 40000), OneMemberWinsItsPairs(all)), kChiSquaredAlpha);
}

}  // namespace
}  // namespace llmroute::testing
