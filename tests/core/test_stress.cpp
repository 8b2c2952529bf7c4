// Many threads pick, report, cancel, add, remove, update and override at once. Run under
// ThreadSanitizer in CI (the tsan preset). At the end every in-flight count is back to zero and
// every deployment's picks equal its reports plus cancels.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "test_support.hpp"

namespace llmroute::testing {
namespace {

TEST(Stress, MixedOperationsKeepAccountingExact) {
  std::unique_ptr<Router> router;
  RouterOptions options;
  options.strategy = StrategyKind::kLatency;
  options.breaker.cooldown_base_ns = kNsPerMs;  // trips and recoveries all the time
  options.breaker.cooldown_max_ns = 2 * kNsPerMs;
  ASSERT_TRUE(Router::Create(std::move(options), &router).ok());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(router->AddDeployment({"stable-" + std::to_string(i), {"m"}, 1, 0, {}}).ok());
  }
  constexpr int kWorkers = 3;
  constexpr int kOpsPerWorker = 20000;
  std::atomic<bool> stop{false};
  // Per-deployment tallies of what the workers did, to compare with the router's counts.
  std::mutex tally_mutex;
  std::map<std::string, int64_t> picked, completed;

  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      SeededRandom rng(static_cast<uint64_t>(w) + 100);
      std::vector<std::pair<uint64_t, std::string>> held;
      std::map<std::string, int64_t> my_picked, my_completed;
      for (int op = 0; op < kOpsPerWorker; ++op) {
        const uint64_t dice = rng.Next() % 10;
        if (dice < 6 || held.empty()) {
          PickResult r;
          if (router->Pick("m", "m", {}, &r).ok()) {
            held.emplace_back(r.ticket, r.deployment);
            ++my_picked[r.deployment];
          }
        } else {
          const size_t index = rng.Next() % held.size();
          auto [ticket, name] = held[index];
          held[index] = held.back();
          held.pop_back();
          Status status;
          if (dice == 9) {
            status = router->Cancel(ticket);
          } else {
            ReportInput in;
            in.outcome = static_cast<Outcome>(rng.Next() % kOutcomeCount);
            in.latency_ms = static_cast<double>(rng.Next() % 500);
            in.retry_after_ms = static_cast<int64_t>(rng.Next() % 3);
            status = router->Report(ticket, in);
          }
          EXPECT_TRUE(status.ok()) << status.message();
          ++my_completed[name];
        }
      }
      for (auto &[ticket, name] : held) {
        EXPECT_TRUE(router->Cancel(ticket).ok());
        ++my_completed[name];
      }
      std::lock_guard<std::mutex> lock(tally_mutex);
      for (auto &[name, n] : my_picked) picked[name] += n;
      for (auto &[name, n] : my_completed) completed[name] += n;
    });
  }
  // A writer adds, updates, overrides and removes "churn" deployments throughout.
  threads.emplace_back([&] {
    int round = 0;
    while (!stop.load()) {
      const std::string name = "churn-" + std::to_string(round % 4);
      (void)router->AddDeployment({name, {"m"}, 1 + static_cast<uint32_t>(round % 3), 0, {}});
      (void)router->UpdateDeployment({name, {"m", "n"}, 2, 0, {}});
      (void)router->SetOverride(name, round % 2 ? Override::kForceOpen : Override::kAuto);
      std::vector<FallbackEntry> list;
      (void)router->Fallbacks("m", {}, &list);
      (void)router->HealthAll();
      if (round % 3 == 0) (void)router->RemoveDeployment(name);
      ++round;
    }
  });
  for (int w = 0; w < kWorkers; ++w) threads[w].join();
  stop.store(true);
  threads.back().join();

  for (const auto &[name, health] : router->HealthAll()) {
    EXPECT_EQ(health.in_flight, 0) << name;
    EXPECT_EQ(health.picks,
              health.successes + health.failures + health.request_errors + health.cancels)
        << name;
    if (name.rfind("stable-", 0) == 0) {
      // Stable deployments were never removed, so the router saw every one of their calls.
      EXPECT_EQ(health.picks, picked[name]) << name;
      EXPECT_EQ(health.picks, completed[name]) << name;
    }
  }
  for (const auto &[name, n] : picked) EXPECT_EQ(n, completed[name]) << name;
}

}  // namespace
}  // namespace llmroute::testing
