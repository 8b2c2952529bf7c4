// The advanced routing features keep picks and reports allocation-free: the new strategies, an
// affinity key, tag filters, a price cap, tier spill-over and slow start. Counted by replacing
// the global operator new in this test binary (as test_allocations.cpp does).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "routing_helpers.hpp"

namespace {
thread_local bool g_counting = false;
thread_local long g_allocations = 0;
}  // namespace

void *operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// Every form that pairs with free(), so that AddressSanitizer sees matching pairs (the standard
// library's temporary buffers use the nothrow form).
void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void *operator new[](std::size_t size) {
  return operator new(size);
}
void *operator new[](std::size_t size, const std::nothrow_t &tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void *p) noexcept {
  std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void *p, const std::nothrow_t &) noexcept {
  std::free(p);
}
void operator delete[](void *p) noexcept {
  std::free(p);
}
void operator delete[](void *p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void *p, const std::nothrow_t &) noexcept {
  std::free(p);
}

namespace llmroute::testing {
namespace {

long AllocationsForPicks(TestRouter &t, const PickRequest &request, int picks) {
  auto run = [&](int n) {
    for (int i = 0; i < n; ++i) {
      PickResult r;
      if (t.router->Pick("m", "m", request, &r).ok()) {
        ReportInput in;
        in.latency_ms = 100 + i % 7;
        in.outcome = i % 11 == 0 ? Outcome::kRateLimited : Outcome::kSuccess;
        (void)t.router->Report(r.ticket, in);
      }
    }
  };
  run(10);  // warm up: the ticket table and per-thread state
  g_allocations = 0;
  g_counting = true;
  run(picks);
  g_counting = false;
  return g_allocations;
}

class AdvancedNoAllocation : public ::testing::TestWithParam<StrategyKind> {};

TEST_P(AdvancedNoAllocation, PickAndReportAllocateNothing) {
  RouterOptions options = WithStrategy(GetParam());
  options.breaker.consecutive_failures = 1000000;  // keep the occasional 429 from tripping
  options.breaker.failure_ratio = 1.0;
  options.strategy_params.slow_start.window_ns = 60'000 * kNsPerMs;
  TestRouter t(std::move(options));
  for (int i = 0; i < 8; ++i) {
    AddSpec(t, Priced(Spec("d" + std::to_string(i), {"m"}, 1 + i % 3, i / 6,
                           {i % 2 == 0 ? "even" : "odd", "all"}),
                      0.5 + i, 1.0 + i));
  }
  PickRequest plain;
  EXPECT_EQ(AllocationsForPicks(t, plain, 500), 0);  // slow start running (all just added)
  t.Advance(120'000);
  EXPECT_EQ(AllocationsForPicks(t, plain, 500), 0);  // fast path again
  PickRequest keyed;
  keyed.affinity_key = "conversation-1234";
  EXPECT_EQ(AllocationsForPicks(t, keyed, 500), 0);
  const char *tags[] = {"all", "even"};
  PickRequest filtered;
  filtered.required_tags = tags;
  filtered.required_tag_count = 2;
  filtered.expected_input_tokens = 1000;
  filtered.expected_output_tokens = 100;
  filtered.max_price = 0.01;
  EXPECT_EQ(AllocationsForPicks(t, filtered, 500), 0);
  // Degraded: tier 0 loses half its members, so traffic spills to tier 1.
  ASSERT_TRUE(t.router->SetOverride("d0", Override::kForceOpen).ok());
  ASSERT_TRUE(t.router->SetOverride("d1", Override::kForceOpen).ok());
  ASSERT_TRUE(t.router->SetOverride("d2", Override::kForceOpen).ok());
  EXPECT_EQ(AllocationsForPicks(t, plain, 500), 0);
  EXPECT_EQ(AllocationsForPicks(t, keyed, 500), 0);
}

INSTANTIATE_TEST_SUITE_P(Strategies, AdvancedNoAllocation,
                         ::testing::Values(StrategyKind::kRoundRobin, StrategyKind::kWeighted,
                                           StrategyKind::kWeightedRandom,
                                           StrategyKind::kLeastLoaded, StrategyKind::kPeakEwma,
                                           StrategyKind::kCost));

}  // namespace
}  // namespace llmroute::testing
