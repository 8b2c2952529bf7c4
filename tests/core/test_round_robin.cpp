#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

TEST(RoundRobin, IsATrueRotation) {
  // The seed walked a Go map, whose order is random: not a rotation.
  TestRouter t;
  for (const char *name : {"a", "b", "c", "d"}) t.Add(name, {"gpt-4o"});
  std::vector<std::string> first;
  for (int i = 0; i < 4; ++i) first.push_back(t.PickName("gpt-4o"));
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), 4U);
  // The same order repeats exactly.
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 4; ++i) EXPECT_EQ(t.PickName("gpt-4o"), first[i]);
  }
  // And it is the configured order, rotated.
  const std::vector<std::string> order = {"a", "b", "c", "d"};
  const auto start = std::find(order.begin(), order.end(), first[0]) - order.begin();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(first[i], order[(start + i) % 4]);
}

TEST(RoundRobin, StartsAtARandomPlace) {
  std::set<std::string> starts;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    TestRouter t({}, seed);
    for (const char *name : {"a", "b", "c", "d"}) t.Add(name, {"m"});
    starts.insert(t.PickName("m"));
  }
  EXPECT_EQ(starts.size(), 4U);
}

TEST(RoundRobin, RotatesOverEligibleOnlyWhenOneIsOpen) {
  TestRouter t;
  for (const char *name : {"a", "b", "c"}) t.Add(name, {"m"});
  ASSERT_TRUE(t.router->SetOverride("b", Override::kForceOpen).ok());
  std::map<std::string, int> counts;
  std::string previous;
  for (int i = 0; i < 100; ++i) {
    const std::string name = t.PickName("m");
    EXPECT_NE(name, previous);  // strict alternation between a and c
    previous = name;
    ++counts[name];
  }
  EXPECT_EQ(counts["a"], 50);
  EXPECT_EQ(counts["c"], 50);
  EXPECT_EQ(counts.count("b"), 0U);
}

// Issue 17: a Go host's goroutine moves between OS threads, so one caller's sequential picks run
// on different threads. They rotate exactly: with a cursor per thread slot they went
// A B B B A A B A A B through the Go gateway.
TEST(RoundRobin, ACallersSequentialPicksRotateExactlyWhicheverThreadEachRunsOn) {
  TestRouter t;
  for (const char *name : {"a", "b", "c", "d"}) t.Add(name, {"m"});
  std::vector<std::string> picks;
  for (int i = 0; i < 12; ++i) {
    // A new thread per pick: each gets the next thread slot.
    std::thread([&] { picks.push_back(t.PickName("m")); }).join();
  }
  const std::vector<std::string> order = {"a", "b", "c", "d"};
  const auto start = std::find(order.begin(), order.end(), picks[0]) - order.begin();
  for (size_t i = 0; i < picks.size(); ++i) {
    EXPECT_EQ(picks[i], order[(static_cast<size_t>(start) + i) % 4]) << i;
  }
}

TEST(RoundRobin, PicksOfSeveralThreadsInTurnFormOneRotation) {
  TestRouter t;
  for (const char *name : {"a", "b", "c", "d"}) t.Add(name, {"m"});
  std::vector<std::string> picks;
  std::promise<void> first_half;
  std::promise<void> main_done;
  std::thread thread([&] {
    for (int i = 0; i < 2; ++i) picks.push_back(t.PickName("m"));
    first_half.set_value();
    main_done.get_future().wait();
    for (int i = 0; i < 2; ++i) picks.push_back(t.PickName("m"));
  });
  first_half.get_future().wait();
  for (int i = 0; i < 3; ++i) picks.push_back(t.PickName("m"));  // in between, on this thread
  main_done.set_value();
  thread.join();
  ASSERT_EQ(picks.size(), 7U);
  // In the order they happened, every four consecutive picks cover all four deployments.
  for (size_t i = 0; i + 4 <= picks.size(); ++i) {
    EXPECT_EQ(std::set<std::string>(picks.begin() + static_cast<long>(i),
                                    picks.begin() + static_cast<long>(i) + 4)
                  .size(),
              4U)
        << i;
  }
}

}  // namespace
}  // namespace llmroute::testing
