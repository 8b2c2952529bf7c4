// Rank helpers (strategies/ranking.hpp): keys read once per member, so a ranking stays a
// permutation of the eligible members even while other threads move the keys; tolerance ties
// grouped after an exact sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/strategies/ranking.hpp"

namespace llmroute::testing {
namespace {

std::vector<uint32_t> Sorted(std::vector<uint32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Ranking, ReadsEachKeyOncePerEligibleMember) {
  Eligible eligible = Eligible::None(40);
  for (uint32_t i = 0; i < 40; i += 2) eligible.Set(i);
  std::vector<int> reads(40, 0);
  std::vector<uint32_t> order;
  AppendRankedBy(40, eligible, order, [&](uint32_t i) {
    ++reads[i];
    return static_cast<double>(40 - i);
  });
  for (uint32_t i = 0; i < 40; ++i) EXPECT_EQ(reads[i], i % 2 == 0 ? 1 : 0) << i;
  ASSERT_EQ(order.size(), 20U);
  for (size_t k = 0; k < order.size(); ++k) EXPECT_EQ(order[k], 38 - 2 * k);
}

TEST(Ranking, KeysThatChangeOnEveryReadStillGiveAPermutation) {
  // A key that differs on every read is what a comparator over live atomics sees under
  // concurrency; sorting on it directly is undefined (the sort may leave its range).
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> noise(0, 1);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint32_t> order{999};  // appended after what is already there
    AppendRanked(
        64, Eligible::All(64), order, [&](uint32_t) { return noise(rng); },
        [](double best, double key) { return key <= best + 0.2; },
        [&](uint32_t) { return noise(rng); });
    ASSERT_EQ(order.size(), 65U);
    EXPECT_EQ(order[0], 999U);
    order.erase(order.begin());
    std::vector<uint32_t> all(64);
    for (uint32_t i = 0; i < 64; ++i) all[i] = i;
    EXPECT_EQ(Sorted(order), all);
  }
}

TEST(Ranking, TiesWithTheBestOfAGroupAreOrderedBySecondaryKey) {
  // Primary 1.0, 1.05, 1.09, 1.5 with tolerance 0.1: the first three tie with 1.0 and are
  // ordered by the secondary key; 1.5 starts a group of its own even though its secondary is
  // the smallest. Tolerance is measured from the group's best, not chained (1.05 ~ 1.09 ~ ...).
  const std::vector<double> primary{1.09, 1.5, 1.0, 1.05};
  const std::vector<double> secondary{1.0, 0.0, 3.0, 2.0};
  std::vector<uint32_t> order;
  AppendRanked(
      4, Eligible::All(4), order, [&](uint32_t i) { return primary[i]; },
      [](double best, double key) { return key <= best + 0.1; },
      [&](uint32_t i) { return secondary[i]; });
  EXPECT_EQ(order, (std::vector<uint32_t>{0, 3, 2, 1}));
}

TEST(Ranking, ToleranceIsNotChained) {
  // 1.0, 1.08, 1.16: 1.16 is within 0.1 of 1.08 but not of 1.0, so it starts the next group
  // and comes last even with the smallest secondary key.
  const std::vector<double> primary{1.0, 1.08, 1.16};
  const std::vector<double> secondary{2.0, 1.0, 0.0};
  std::vector<uint32_t> order;
  AppendRanked(
      3, Eligible::All(3), order, [&](uint32_t i) { return primary[i]; },
      [](double best, double key) { return key <= best + 0.1; },
      [&](uint32_t i) { return secondary[i]; });
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 0, 2}));
}

TEST(Ranking, EqualKeysKeepMemberOrder) {
  std::vector<uint32_t> order;
  AppendRankedBy(5, Eligible::All(5), order, [](uint32_t i) { return i == 3 ? 0.0 : 1.0; });
  EXPECT_EQ(order, (std::vector<uint32_t>{3, 0, 1, 2, 4}));
}

}  // namespace
}  // namespace llmroute::testing
