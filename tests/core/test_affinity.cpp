// Session affinity: weighted rendezvous hashing of a key over the eligible deployments.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "chi_squared.hpp"
#include "core/strategies/affinity.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

constexpr int kKeys = 10000;

std::string Key(int i) {
  return "user-" + std::to_string(i);
}

std::string PickForKey(TestRouter &t, const std::string &key, uint64_t *ticket = nullptr) {
  PickRequest request;
  request.affinity_key = key;
  Status status;
  const std::string name = PickWith(t, "m", request, ticket, &status);
  EXPECT_TRUE(status.ok()) << status.message();
  return name;
}

std::vector<std::string> MapKeys(TestRouter &t) {
  std::vector<std::string> mapping;
  for (int i = 0; i < kKeys; ++i) mapping.push_back(PickForKey(t, Key(i)));
  return mapping;
}

void AddTen(TestRouter &t) {
  for (int i = 0; i < 10; ++i) t.Add("d" + std::to_string(i), {"m"});
}

TEST(Affinity, AKeyStaysOnItsDeploymentWhateverTheStrategy) {
  for (StrategyKind kind : {StrategyKind::kRoundRobin, StrategyKind::kWeightedRandom,
                            StrategyKind::kLeastLoaded, StrategyKind::kPeakEwma}) {
    TestRouter t(WithStrategy(kind), 3);
    AddTen(t);
    for (int i = 0; i < 200; ++i) {
      const std::string first = PickForKey(t, Key(i));
      for (int again = 0; again < 5; ++again) EXPECT_EQ(PickForKey(t, Key(i)), first);
    }
  }
}

TEST(Affinity, TheMappingIsTheSameInEveryRouter) {
  // Gateways running side by side send a conversation to the same deployment: the hash is fixed,
  // not seeded per process, and does not depend on the order deployments were added in.
  TestRouter a({}, 1), b({}, 99);
  AddTen(a);
  for (int i = 9; i >= 0; --i) b.Add("d" + std::to_string(i), {"m"});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(PickForKey(a, Key(i)), PickForKey(b, Key(i)));
}

TEST(Affinity, KeysSpreadInProportionToWeightsChiSquared) {
  TestRouter t;
  t.Add("a", {"m"}, 1);
  t.Add("b", {"m"}, 2);
  t.Add("c", {"m"}, 3);
  t.Add("d", {"m"}, 4);
  std::map<std::string, int> counts;
  for (int i = 0; i < 20000; ++i) ++counts[PickForKey(t, Key(i))];
  EXPECT_GT(ChiSquaredFit(counts, {{"a", 0.1}, {"b", 0.2}, {"c", 0.3}, {"d", 0.4}}),
            kChiSquaredAlpha);
}

TEST(Affinity, RemovingOneOfTenMovesOnlyItsKeys) {
  TestRouter t;
  AddTen(t);
  const std::vector<std::string> before = MapKeys(t);
  ASSERT_TRUE(t.router->RemoveDeployment("d3").ok());
  const std::vector<std::string> after = MapKeys(t);
  int on_removed = 0, others = 0, others_in_place = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] == "d3") {
      ++on_removed;
      EXPECT_NE(after[i], "d3");
    } else {
      ++others;
      if (after[i] == before[i]) ++others_in_place;
    }
  }
  // At least 99% of the keys that were not on the removed deployment stay in place (rendezvous
  // hashing keeps all of them), and the removed one held about a tenth.
  EXPECT_GE(others_in_place, others * 99 / 100);
  EXPECT_EQ(others_in_place, others);
  EXPECT_NEAR(on_removed, kKeys / 10, kKeys / 50);
}

TEST(Affinity, AnIneligibleDeploymentsKeysMoveAndComeBack) {
  TestRouter t;
  AddTen(t);
  const std::vector<std::string> before = MapKeys(t);
  ASSERT_TRUE(t.router->SetOverride("d7", Override::kForceOpen).ok());
  const std::vector<std::string> during = MapKeys(t);
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] != "d7") {
      EXPECT_EQ(during[i], before[i]);
    }
    EXPECT_NE(during[i], "d7");
  }
  ASSERT_TRUE(t.router->SetOverride("d7", Override::kAuto).ok());
  EXPECT_EQ(MapKeys(t), before);
}

TEST(Affinity, AddingAnEleventhMovesAboutATenth) {
  TestRouter t;
  AddTen(t);
  const std::vector<std::string> before = MapKeys(t);
  t.Add("d10", {"m"});
  const std::vector<std::string> after = MapKeys(t);
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (after[i] == before[i]) continue;
    ++moved;
    EXPECT_EQ(after[i], "d10");  // keys only move to the newcomer
  }
  EXPECT_NEAR(moved, kKeys / 11, kKeys / 50);  // the optimum is 1/11
}

TEST(Affinity, BoundedLoadPassesAHotKeyOn) {
  RouterOptions options;
  options.affinity_load_factor = 1.25;
  TestRouter t(std::move(options));
  for (const char *name : {"a", "b", "c", "d"}) t.Add(name, {"m"});
  std::vector<uint64_t> held;
  std::map<std::string, int> counts;
  for (int i = 0; i < 40; ++i) {  // one hot key, 40 calls at once
    uint64_t ticket = 0;
    ++counts[PickForKey(t, "hot", &ticket)];
    held.push_back(ticket);
    // No deployment exceeds its bound ceil(1.25 * (in flight + 1) / 4).
    int64_t total = 0;
    for (const char *name : {"a", "b", "c", "d"}) total += t.HealthOf(name).in_flight;
    for (const char *name : {"a", "b", "c", "d"}) {
      const double bound = std::ceil(1.25 * static_cast<double>(total) / 4.0);
      EXPECT_LE(static_cast<double>(t.HealthOf(name).in_flight), bound);
    }
  }
  EXPECT_EQ(counts.size(), 4U);
  for (uint64_t ticket : held) t.ReportOutcome(ticket, Outcome::kSuccess);
  // Without the bound the key stays home however busy that gets.
  TestRouter u;
  for (const char *name : {"a", "b", "c", "d"}) u.Add(name, {"m"});
  std::set<std::string> homes;
  held.clear();
  for (int i = 0; i < 40; ++i) {
    uint64_t ticket = 0;
    homes.insert(PickForKey(u, "hot", &ticket));
    held.push_back(ticket);
  }
  EXPECT_EQ(homes.size(), 1U);
  for (uint64_t ticket : held) u.ReportOutcome(ticket, Outcome::kSuccess);
}

TEST(Affinity, HashIsStable) {
  // Fixed forever: changing it would move every key of every deployed gateway.
  EXPECT_EQ(AffinityHash(""), 17280346270528514342ULL);
  EXPECT_EQ(AffinityHash("conversation-42"), 13007780519892061ULL);
  EXPECT_NE(AffinityHash("a"), AffinityHash("b"));
}

TEST(Affinity, LoadFactorIsValidated) {
  std::unique_ptr<Router> router;
  RouterOptions below_one;
  below_one.affinity_load_factor = 0.5;
  EXPECT_EQ(Router::Create(std::move(below_one), &router).code(), Code::kInvalidArgument);
  RouterOptions negative;
  negative.affinity_load_factor = -1;
  EXPECT_EQ(Router::Create(std::move(negative), &router).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace llmroute::testing
