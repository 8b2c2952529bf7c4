// Concurrent picks and reports with the advanced routing features on (meant for the tsan preset:
// any unsynchronised state in the pick or report path shows up there). No timing assertions.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

void Hammer(StrategyKind kind) {
  std::unique_ptr<Router> router;
  RouterOptions options = WithStrategy(kind);
  options.strategy_params.slow_start.window_ns = 50 * kNsPerMs;
  options.affinity_load_factor = 1.25;
  options.breaker.cooldown_base_ns = kNsPerMs;
  options.breaker.cooldown_max_ns = 5 * kNsPerMs;
  ASSERT_TRUE(Router::Create(std::move(options), &router).ok());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(router
                    ->AddDeployment(Priced(Spec("d" + std::to_string(i), {"m"}, 1 + i % 2, i / 4,
                                                {i % 2 == 0 ? "even" : "odd"}),
                                           i, i))
                    .ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};
  std::thread writer([&] {
    for (int round = 0; !stop.load(); ++round) {
      const std::string name = "d" + std::to_string(round % 6);
      (void)router->SetOverride(name, Override::kForceOpen);
      std::this_thread::yield();
      (void)router->SetOverride(name, Override::kAuto);
    }
  });
  std::vector<std::thread> pickers;
  for (int t = 0; t < 4; ++t) {
    pickers.emplace_back([&, t] {
      const char *even[] = {"even"};
      for (int i = 0; i < 3000; ++i) {
        PickRequest request;
        std::string key;
        if (i % 3 == 0) {
          key = "conversation-" + std::to_string(i % 50);
          request.affinity_key = key;
        }
        if (i % 5 == 0) {
          request.required_tags = even;
          request.required_tag_count = 1;
        }
        PickResult result;
        if (!router->Pick("m", "m", request, &result).ok()) continue;
        ReportInput input;
        input.latency_ms = 10 + (i + t) % 90;
        input.outcome = i % 17 == 0 ? Outcome::kServerError : Outcome::kSuccess;
        if (router->Report(result.ticket, input).ok()) completed.fetch_add(1);
      }
    });
  }
  for (auto &picker : pickers) picker.join();
  stop.store(true);
  writer.join();
  EXPECT_GT(completed.load(), 0);
  for (const auto &[name, health] : router->HealthAll()) EXPECT_EQ(health.in_flight, 0) << name;
}

TEST(AdvancedConcurrency, PeakEwma) {
  Hammer(StrategyKind::kPeakEwma);
}
TEST(AdvancedConcurrency, LeastLoaded) {
  Hammer(StrategyKind::kLeastLoaded);
}
TEST(AdvancedConcurrency, Weighted) {
  Hammer(StrategyKind::kWeighted);
}
TEST(AdvancedConcurrency, Cost) {
  Hammer(StrategyKind::kCost);
}

}  // namespace
}  // namespace llmroute::testing
