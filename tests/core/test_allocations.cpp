// A pick allocates nothing from the heap (the seed allocated 4-7 times per pick). Counted by
// replacing the global operator new in this test binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "test_support.hpp"

namespace {
thread_local bool g_counting = false;
thread_local long g_allocations = 0;
}  // namespace

void *operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void *operator new[](std::size_t size) {
  return operator new(size);
}
void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void *operator new[](std::size_t size, const std::nothrow_t &tag) noexcept {
  return operator new(size, tag);
}
// Every form of delete pairs with the replaced forms of new above (the standard library's
// stable_sort uses the nothrow form).
void operator delete(void *p) noexcept {
  std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void *p) noexcept {
  std::free(p);
}
void operator delete[](void *p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void *p, const std::nothrow_t &) noexcept {
  std::free(p);
}
void operator delete[](void *p, const std::nothrow_t &) noexcept {
  std::free(p);
}

namespace llmroute::testing {
namespace {

long AllocationsForPicks(TestRouter &t, const char *model, int picks) {
  // Warm up: the first picks may grow the ticket table and fill per-thread state.
  for (int i = 0; i < 10; ++i) t.PickAndReport(model, Outcome::kSuccess, 100);
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < picks; ++i) {
    PickResult r;
    const Status s = t.router->Pick(model, model, {}, &r);
    if (s.ok()) {
      ReportInput in;
      in.latency_ms = 100;
      (void)t.router->Report(r.ticket, in);
    }
  }
  g_counting = false;
  return g_allocations;
}

class NoAllocation : public ::testing::TestWithParam<StrategyKind> {};

TEST_P(NoAllocation, PickAndReportAllocateNothing) {
  RouterOptions options;
  options.strategy = GetParam();
  TestRouter t(std::move(options));
  for (int i = 0; i < 8; ++i) t.Add("d" + std::to_string(i), {"gpt-4o"}, 1 + i % 3);
  EXPECT_EQ(AllocationsForPicks(t, "gpt-4o", 1000), 0);
  // The slow path too: one deployment forced open.
  ASSERT_TRUE(t.router->SetOverride("d3", Override::kForceOpen).ok());
  EXPECT_EQ(AllocationsForPicks(t, "gpt-4o", 1000), 0);
}

INSTANTIATE_TEST_SUITE_P(Strategies, NoAllocation,
                         ::testing::Values(StrategyKind::kRoundRobin, StrategyKind::kWeighted,
                                           StrategyKind::kWeightedRandom, StrategyKind::kLatency,
                                           StrategyKind::kAvailability));

TEST(NoAllocationForAliases, AliasAndGlobNamesAfterFirstUse) {
  TestRouter t;
  t.Add("a", {"gpt-4o*"});
  ASSERT_TRUE(t.router->SetAlias("fast", "gpt-4o-mini").ok());
  EXPECT_EQ(AllocationsForPicks(t, "fast", 100), 0);
  EXPECT_EQ(AllocationsForPicks(t, "gpt-4o-2024-08-06", 100), 0);
}

}  // namespace
}  // namespace llmroute::testing
